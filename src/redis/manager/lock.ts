/**
 * `RedisLock` and `RedisRLock`: Python's `Lock` and `RLock` as leases on one Redis key.
 *
 * ## On the server
 *
 * - Lock: `<ns>:lock:<name>` holds `"<client>|<fence>"` with a `PX` lease; `…:f` counts
 *   acquisitions (the fencing token, never reset); `…:w` is the wake list.
 * - RLock: `<ns>:rlock:<name>` is a hash `{ o: client, f: fence, c: depth }` with a lease.
 *
 * ## Acquire, release, wait
 *
 * `acquire` runs one script: free → take it with the next fence; taken → answer how long the
 * holder's lease has left (and mark the wake list as waited on). A waiter then blocks on the
 * wake list for at most that long (and its own timeout): a release pushes a token, and a holder
 * that died without releasing stops renewing, so its lease ends and the waiter, woken by its
 * own `BLPOP` timeout, takes over. While a live holder keeps renewing, a waiter therefore
 * re-checks about once per lease — the price of noticing a dead holder without a watcher —
 * and otherwise wakes only on a release. Arrivals may barge ahead of woken waiters, as with
 * Python's locks (no FIFO promise).
 *
 * ## Who holds it
 *
 * The holder is the *client* (one {@link RedisManager}, typically one per thread or process):
 * any task of that client may release the Lock (as any thread may release Python's Lock),
 * but no other client may — it would be releasing a lease it cannot know is still the one it
 * thinks (RuntimeError). An RLock is owned by its client and counts re-entries, as Python's
 * is owned by its thread.
 *
 * ## Differences from Python's Lock
 *
 * - `fence` and `lost`: see {@link RedisLock.fence}. A lease can end under a holder that was
 *   paused (a long GC, a CPU-bound stretch without `await`, a lost network) — Kleppmann's
 *   point: without a check of the fence at the protected resource, a paused holder may still
 *   write after its lease ended. Redis replication is asynchronous: after a failover the new
 *   primary may not know a lease, and grant the lock twice.
 * - `release()` of a lock whose lease ended throws RuntimeError (the code it protected ran
 *   unprotected for a while: better said loudly than hidden).
 *
 * @module
 */
import { DeadlockError, RuntimeError } from '../../core/errors.js';
import type { AcquireArg } from '../../multiprocessing/manager/proxy.js';
import {
  arr,
  blockOn,
  type Ctx,
  deadline,
  defineOps,
  keyOf,
  left,
  num,
  readWait,
  type Spec,
  type Wait,
} from './base.js';
import { Acquirer } from './object.js';

const NEVER = new AbortController().signal;

/** An acquisition as an operation answers it: fence, depth, and ms since its lease may have begun. */
export interface Acquired {
  fence: number;
  count: number;
  ago: number;
}

async function acquireLoop(
  ctx: Ctx,
  spec: Spec,
  w: Wait,
  signal: AbortSignal | undefined,
  attempt: () => Promise<{ got: unknown } | { ttl: number }>,
): Promise<unknown> {
  const k = keyOf(ctx.ns, spec);
  const dl = deadline(w);
  for (;;) {
    signal?.throwIfAborted();
    const sent = performance.now();
    const r = await attempt();
    // `ago`: how long before the answer the winning attempt was sent, i.e. when the lease may
    // have started (a duration, so it means the same in the caller's thread as in the helper's).
    if ('got' in r) return { ...(r.got as object), ago: performance.now() - sent };
    const ms = left(dl);
    if (ms === 0) return null;
    if (r.ttl === -2) continue; // the lease ended between the two reads: try again now
    await blockOn(ctx, `${k}:w`, r.ttl >= 0 ? Math.min(ms, r.ttl + 1) : ms, signal);
  }
}

defineOps(['lock'], {
  /** [wait] → { fence, count, ago } | null */
  acquire: (ctx, spec, [w], signal) => {
    const k = keyOf(ctx.ns, spec);
    return acquireLoop(ctx, spec, w as Wait, signal, async () => {
      const r = arr(await ctx.store.run('lockAcquire', [k, `${k}:f`, `${k}:w`], [ctx.client, spec.lease!]));
      return num(r[0]) === 1 ? { got: { fence: num(r[1]), count: 1 } } : { ttl: num(r[1]) };
    });
  },
  /** [token] → 1 | 0 unlocked | -1 held under another token */
  release: async (ctx, spec, [token]) => {
    const k = keyOf(ctx.ns, spec);
    return num(await ctx.store.run('lockRelease', [k, `${k}:f`, `${k}:w`], [token as string]));
  },
  locked: async (ctx, spec) => (await ctx.store.client.exists(keyOf(ctx.ns, spec))) === 1,
});

defineOps(['rlock'], {
  /** [wait, depth] → { fence, count, ago } | null */
  acquire: (ctx, spec, [w, n], signal) => {
    const k = keyOf(ctx.ns, spec);
    return acquireLoop(ctx, spec, w as Wait, signal, async () => {
      const r = arr(
        await ctx.store.run(
          'rlockAcquire',
          [k, `${k}:f`, `${k}:w`],
          [ctx.client, spec.lease!, (n as number | undefined) ?? 1],
        ),
      );
      return num(r[0]) === 1 ? { got: { fence: num(r[1]), count: num(r[2]) } } : { ttl: num(r[1]) };
    });
  },
  /** [] → depth left | -2 unlocked | -1 owned by another client */
  release: async (ctx, spec) => {
    const k = keyOf(ctx.ns, spec);
    return num(await ctx.store.run('rlockRelease', [k, `${k}:f`, `${k}:w`], [ctx.client]));
  },
  locked: async (ctx, spec) => (await ctx.store.client.exists(keyOf(ctx.ns, spec))) === 1,
});

/** Fencing and loss, shared by the Redis locks. */
abstract class LeasedLock extends Acquirer {
  /**
   * The fencing token of this client's latest acquisition (`undefined` before the first):
   * strictly increasing per lock across all clients, so the resource being protected can
   * refuse a write carrying a smaller token than one it has already seen.
   */
  get fence(): number | undefined {
    return this.owner.keeper.last(this.key)?.fence;
  }

  /**
   * Fires when this client's latest lease on the lock ends without a release: the holder
   * died, was paused past the lease, or lost the server. Its `reason` says which. A fresh
   * acquisition gives a fresh signal.
   */
  get lost(): AbortSignal {
    return this.owner.keeper.last(this.key)?.signal ?? NEVER;
  }

  /** The lease in milliseconds. */
  get lease(): number {
    return this.spec.lease!;
  }

  /** Is it held (by anyone)? */
  async locked(): Promise<boolean> {
    return this.op('locked') as Promise<boolean>;
  }

  /** Blocking twin of {@link locked}. */
  lockedSync(): boolean {
    return this.opSync('locked') as boolean;
  }
}

/**
 * A lock found by name on Redis (Python's `threading.Lock`, held as a lease renewed while its
 * holder lives). Get one with `manager.Lock(name, { lease })`.
 *
 * Waits block on Redis (no polling) and end with a release, the holder's lease ending, the
 * timeout, or the signal. See the module overview for who may release it and the limits of
 * leases (fencing, failover).
 *
 * @example
 * const lock = manager.Lock('report', { lease: 10_000 });
 * await using _ = await lock.hold();
 * await storage.write(data, { fence: lock.fence });
 */
export class RedisLock extends LeasedLock {
  /**
   * Acquires, waiting up to `timeout` ms (forever by default; `blocking: false` does not wait).
   * @returns false when the time passed first.
   * @throws the signal's reason when aborted (nothing is held then).
   */
  async acquire(options?: AcquireArg): Promise<boolean> {
    const { wait, signal } = readWait(options, false, 'acquire');
    signal?.throwIfAborted();
    const r = (await this.op('acquire', [wait], signal)) as Acquired | null;
    if (r === null) return false;
    this.took(r, performance.now() - r.ago);
    return true;
  }

  /**
   * Blocking twin of {@link acquire} (no signal).
   * @throws DeadlockError waiting without a timeout for a lock this client holds: the blocked
   *   thread could never release it, and the sync helper keeps its lease alive.
   */
  acquireSync(options?: AcquireArg): boolean {
    const { wait } = readWait(options, true, 'acquire');
    if (wait.timeout < 0 && this.owner.keeper.get(this.key))
      throw new DeadlockError(
        `acquireSync(): this client already holds lock "${this.name}" and would wait for itself forever`,
      );
    const r = this.opSync('acquire', [wait]) as Acquired | null;
    if (r === null) return false;
    this.took(r, performance.now() - r.ago);
    return true;
  }

  /** @internal Records an acquisition (also a Condition's re-acquire after a wait). */
  took(r: { fence: number; count: number }, since: number): void {
    const f = r.fence;
    const token = `${this.owner.ctx.client}|${f}`;
    this.owner.keeper.start(
      this.key,
      f,
      this.lease,
      { script: 'lockRenew', keys: [this.key], args: [token, this.lease] },
      since,
    );
  }

  #letGo(): { token: string; held: boolean } {
    const l = this.owner.keeper.get(this.key);
    if (!l) return { token: '', held: false };
    // Stop renewing first: a renewal crossing the release would read "not ours" as a loss.
    l.end();
    return { token: `${this.owner.ctx.client}|${l.fence}`, held: true };
  }

  #check(code: number, held: boolean): void {
    if (code === 1) return;
    if (held) {
      this.owner.keeper.last(this.key)?.lose('its lease had ended before release()');
      throw new RuntimeError(
        `release(): the lease on lock "${this.name}" ended before this release (lock.lost fired); another client may have held it since`,
      );
    }
    if (code === 0) throw new RuntimeError(`release unlocked lock "${this.name}"`);
    throw new RuntimeError(
      `release(): lock "${this.name}" is held by another client; a Redis lock is released by the client (RedisManager) that acquired it`,
    );
  }

  /**
   * Releases the lock (Python's `release`).
   * @throws RuntimeError when it is not locked, is held by another client, or this client's
   *   lease had already ended.
   */
  async release(): Promise<void> {
    const { token, held } = this.#letGo();
    this.#check((await this.op('release', [token])) as number, held);
  }

  /** Blocking twin of {@link release}. */
  releaseSync(): void {
    const { token, held } = this.#letGo();
    this.#check(this.opSync('release', [token]) as number, held);
  }
}

/**
 * A re-entrant lock found by name on Redis (Python's `threading.RLock`): its client may
 * acquire it again while holding it, and must release it as many times. The fence is the
 * outermost acquisition's. Get one with `manager.RLock(name, { lease })`.
 */
export class RedisRLock extends LeasedLock {
  /** Acquires (again, if this client holds it). @returns false when the time passed first. */
  async acquire(options?: AcquireArg): Promise<boolean> {
    const { wait, signal } = readWait(options, false, 'acquire');
    signal?.throwIfAborted();
    const r = (await this.op('acquire', [wait, 1], signal)) as Acquired | null;
    if (r === null) return false;
    this.took(r, performance.now() - r.ago);
    return true;
  }

  /** Blocking twin of {@link acquire}. */
  acquireSync(options?: AcquireArg): boolean {
    const { wait } = readWait(options, true, 'acquire');
    const r = this.opSync('acquire', [wait, 1]) as Acquired | null;
    if (r === null) return false;
    this.took(r, performance.now() - r.ago);
    return true;
  }

  /** @internal Records an acquisition (also a Condition's re-acquire after a wait). */
  took(r: { fence: number; count: number }, since: number): void {
    const held = this.owner.keeper.get(this.key);
    if (held && held.fence === r.fence) {
      held.count = r.count;
      return;
    }
    const l = this.owner.keeper.start(
      this.key,
      r.fence,
      this.lease,
      { script: 'rlockRenew', keys: [this.key], args: [this.owner.ctx.client, r.fence, this.lease] },
      since,
    );
    l.count = r.count;
  }

  #letGo(): boolean {
    const l = this.owner.keeper.get(this.key);
    if (!l) return false;
    if (l.count <= 1) l.end();
    return true;
  }

  #check(code: number, held: boolean): void {
    if (code >= 0) {
      const l = this.owner.keeper.get(this.key);
      if (l) {
        l.count = code;
        if (code === 0) l.end();
      }
      return;
    }
    if (held) {
      this.owner.keeper.last(this.key)?.lose('its lease had ended before release()');
      throw new RuntimeError(
        `release(): the lease on rlock "${this.name}" ended before this release (lock.lost fired); another client may have held it since`,
      );
    }
    if (code === -2) throw new RuntimeError(`cannot release un-acquired lock "${this.name}"`);
    throw new RuntimeError(`cannot release rlock "${this.name}": it is owned by another client`);
  }

  /**
   * Releases one level (Python's `release`); the last one frees it.
   * @throws RuntimeError when this client does not own it (or its lease had ended).
   */
  async release(): Promise<void> {
    const held = this.#letGo();
    this.#check((await this.op('release')) as number, held);
  }

  /** Blocking twin of {@link release}. */
  releaseSync(): void {
    const held = this.#letGo();
    this.#check(this.opSync('release') as number, held);
  }
}
