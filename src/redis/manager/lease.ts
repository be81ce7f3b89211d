/**
 * Leases a client keeps alive: its own liveness key, and each lock (or set of semaphore
 * permits) it holds.
 *
 * A lease lives on the server as a key expiry (or a sorted-set score) that the holder renews
 * every third of the lease. The holder also keeps a local deadline — when it sent its last
 * successful renewal, plus the lease — because the server may be unreachable: once that
 * deadline passes, the server has let the lease go (or will when it returns) and a waiter may
 * hold it, so the holder's `lost` signal fires then, without waiting to hear from the server.
 * A renewal answered "not yours" (the key expired, was taken, or the server restarted empty)
 * fires it too.
 *
 * Renewals run on the holder's event loop. While that thread sleeps in a `…Sync` call, the
 * sync helper renews them instead (sync-handler.ts), from the {@link KeepSpec} sent with the
 * call, and reports back how fresh each one is. A thread that computes for longer than a lease
 * without yielding is a *paused holder*: its lease ends, as any lease-based lock's must.
 *
 * @module
 */
import { RuntimeError } from '../../core/errors.js';
import type { ScriptName } from './scripts.js';
import type { Store } from './store.js';

/** How to renew one lease: a script returning 1 while the lease is the caller's. */
export interface RenewSpec {
  script: ScriptName;
  keys: string[];
  args: (string | number)[];
}

/** What the sync helper keeps alive while the caller sleeps. */
export interface KeepSpec {
  clientKey: string;
  clientLease: number;
  leases: { id: string; lease: number; renew: RenewSpec }[];
}

/** What the sync helper did with a {@link KeepSpec}: per lease, ms since its last renewal, or lost. */
export interface KeepReport {
  leases: { id: string; age: number | 'lost' }[];
}

/** One held lease (a lock, or a client's permits of a semaphore). */
export class Lease {
  readonly id: string;
  /** Fencing token of the latest acquisition under this lease. */
  fence: number;
  /** Acquisitions held under this lease (an RLock's depth, a client's semaphore permits). */
  count = 1;
  readonly lease: number;
  readonly renew: RenewSpec;
  readonly #controller = new AbortController();
  readonly #store: Store;
  readonly #onEnd: (l: Lease) => void;
  #expiresAt: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #inFlight = false;

  constructor(
    store: Store,
    id: string,
    fence: number,
    lease: number,
    renew: RenewSpec,
    since: number,
    onEnd: (l: Lease) => void,
  ) {
    this.#store = store;
    this.id = id;
    this.fence = fence;
    this.lease = lease;
    this.renew = renew;
    this.#onEnd = onEnd;
    this.#expiresAt = since + lease;
    this.#timer = setInterval(() => this.#tick(), Math.max(10, Math.floor(lease / 3)));
    this.#timer.unref();
  }

  /** Fires when the lease is lost (never when it is released). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Marks a renewal (by the sync helper) `age` ms ago. */
  renewedAgo(age: number): void {
    this.#expiresAt = Math.max(this.#expiresAt, performance.now() - age + this.lease);
  }

  #tick(): void {
    if (performance.now() >= this.#expiresAt) {
      this.lose('its lease ended before it was renewed (the holder was paused, or lost the server)');
      return;
    }
    if (this.#inFlight) return;
    this.#inFlight = true;
    const sent = performance.now();
    this.#store.run(this.renew.script, this.renew.keys, this.renew.args).then(
      (r) => {
        this.#inFlight = false;
        if (this.#timer === undefined) return;
        if (r === 1) this.#expiresAt = sent + this.lease;
        else
          this.lose('the server no longer holds it for this client (its lease ended or the server lost it)');
      },
      () => {
        // The connection is down: the local deadline decides.
        this.#inFlight = false;
      },
    );
  }

  /** Ends the lease as lost: fires {@link signal} (once). */
  lose(why: string): void {
    this.end();
    if (!this.#controller.signal.aborted) this.#controller.abort(new RuntimeError(`lost ${this.id}: ${why}`));
  }

  /** Stops renewing (released, or lost). */
  end(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#onEnd(this);
  }
}

/** The leases of one client (one RedisManager). */
export class Keeper {
  readonly #store: Store;
  readonly clientKey: string;
  readonly clientLease: number;
  readonly #leases = new Map<string, Lease>();
  readonly #last = new Map<string, Lease>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(store: Store, clientKey: string, clientLease: number) {
    this.#store = store;
    this.clientKey = clientKey;
    this.clientLease = clientLease;
  }

  /** Writes the liveness key and keeps renewing it. */
  async begin(): Promise<void> {
    await this.#beat();
    this.#heartbeat = setInterval(
      () => {
        this.#beat().catch(() => {});
      },
      Math.max(10, Math.floor(this.clientLease / 3)),
    );
    this.#heartbeat.unref();
  }

  #beat(): Promise<unknown> {
    return this.#store.client.set(this.clientKey, '1', 'PX', this.clientLease);
  }

  /** The held lease of object `id`, if any. */
  get(id: string): Lease | undefined {
    return this.#leases.get(id);
  }

  /** The latest lease of object `id`, held or ended. */
  last(id: string): Lease | undefined {
    return this.#last.get(id);
  }

  /** Starts renewing a lease taken at `since` (performance.now() before the request). */
  start(id: string, fence: number, lease: number, renew: RenewSpec, since: number): Lease {
    this.#leases.get(id)?.end();
    const l = new Lease(this.#store, id, fence, lease, renew, since, (x) => {
      if (this.#leases.get(x.id) === x) this.#leases.delete(x.id);
    });
    this.#leases.set(id, l);
    this.#last.set(id, l);
    return l;
  }

  /** Every lease held (for the sync helper). */
  spec(): KeepSpec {
    return {
      clientKey: this.clientKey,
      clientLease: this.clientLease,
      leases: [...this.#leases.values()].map((l) => ({ id: l.id, lease: l.lease, renew: l.renew })),
    };
  }

  /** Takes in what the sync helper did while this thread slept. */
  apply(report: KeepReport): void {
    for (const r of report.leases) {
      const l = this.#leases.get(r.id);
      if (!l) continue;
      if (r.age === 'lost') l.lose('the server no longer holds it for this client');
      else l.renewedAgo(r.age);
    }
  }

  /** Stops every renewal; the liveness key is deleted so that others see this client gone. */
  async close(): Promise<Lease[]> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const held = [...this.#leases.values()];
    for (const l of held) l.end();
    return held;
  }
}
