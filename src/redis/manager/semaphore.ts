/**
 * `RedisSemaphore` and `RedisBoundedSemaphore`: Python's `Semaphore` and `BoundedSemaphore`,
 * whose permits are leases.
 *
 * ## On the server (`<ns>:<kind>:<name>` …)
 *
 * `…:v` the value (the initial value, plus releases beyond what the releaser held), `…:h` a
 * hash client → permits it holds, `…:e` a sorted set client → when its lease ends (server
 * time), `…:t` the total held, `…:f` the fence counter, `…:w` the wake list. Free permits are
 * value − total held. Every acquire first ends expired leases (their permits come back), so a
 * dead holder's permits return once its lease ends; a waiter blocks for at most the time until
 * the next lease ends.
 *
 * ## Who releases
 *
 * `release(n)` first gives back permits the calling client holds. Beyond those, an unbounded
 * Semaphore raises its value, as Python's does (so `Semaphore(0)` works as a signal between
 * clients); a BoundedSemaphore throws `ValueError` instead, changing nothing. One lease covers
 * all of a client's permits of one semaphore.
 *
 * @module
 */
import { ValueError } from '../../core/errors.js';
import type { AcquireArg } from '../../multiprocessing/manager/proxy.js';
import { arr, blockOn, deadline, defineOps, keyOf, left, num, readWait, type Wait } from './base.js';
import { Acquirer } from './object.js';

const NEVER = new AbortController().signal;

function keys(k: string, ...parts: string[]): string[] {
  return parts.map((p) => `${k}:${p}`);
}

defineOps(['semaphore', 'boundedSemaphore'], {
  /** [wait] → { fence, ago } | null (ago: ms since the winning attempt was sent) */
  acquire: async (ctx, spec, [w], signal) => {
    const k = keyOf(ctx.ns, spec);
    const dl = deadline(w as Wait);
    for (;;) {
      signal?.throwIfAborted();
      const sent = performance.now();
      const r = arr(
        await ctx.store.run('semAcquire', keys(k, 'v', 'h', 'e', 't', 'f'), [
          ctx.client,
          spec.lease!,
          spec.value!,
        ]),
      );
      if (num(r[0]) === 1) return { fence: num(r[1]), ago: performance.now() - sent };
      const ms = left(dl);
      if (ms === 0) return null;
      const next = num(r[1]);
      await blockOn(ctx, `${k}:w`, next >= 0 ? Math.min(ms, next + 1) : ms, signal);
    }
  },
  /** [n] → permits the caller still holds | -1 over-release of a bounded one */
  release: async (ctx, spec, [n]) => {
    const k = keyOf(ctx.ns, spec);
    const bounded = spec.kind === 'boundedSemaphore' ? '1' : '0';
    return num(
      await ctx.store.run('semRelease', keys(k, 'v', 'h', 'e', 't', 'f', 'w'), [
        ctx.client,
        n as number,
        bounded,
        spec.value!,
      ]),
    );
  },
  getValue: async (ctx, spec) => {
    const k = keyOf(ctx.ns, spec);
    return num(await ctx.store.run('semValue', keys(k, 'v', 'h', 'e', 't'), [spec.value!]));
  },
});

/**
 * A semaphore found by name on Redis (Python's `threading.Semaphore(value)`), whose permits are
 * leases: the permits of a client that dies come back once its lease ends. Get one with
 * `manager.Semaphore(name, value, { lease })`. The first client to use a name sets its initial
 * value; every handle on one name should pass the same.
 */
export class RedisSemaphore extends Acquirer {
  /** The lease in milliseconds. */
  get lease(): number {
    return this.spec.lease!;
  }

  /** Fencing token of this client's latest acquisition (see `RedisLock.fence`). */
  get fence(): number | undefined {
    return this.owner.keeper.last(this.key)?.fence;
  }

  /** Fires when this client's permits are lost with their lease (see `RedisLock.lost`). */
  get lost(): AbortSignal {
    return this.owner.keeper.last(this.key)?.signal ?? NEVER;
  }

  /**
   * Takes a permit, waiting up to `timeout` ms while none is free.
   * @returns false when the time passed first. @throws the signal's reason when aborted.
   */
  async acquire(options?: AcquireArg): Promise<boolean> {
    const { wait, signal } = readWait(options, false, 'acquire');
    signal?.throwIfAborted();
    const r = (await this.op('acquire', [wait], signal)) as { fence: number; ago: number } | null;
    if (r === null) return false;
    this.#took(r.fence, performance.now() - r.ago);
    return true;
  }

  /** Blocking twin of {@link acquire}. */
  acquireSync(options?: AcquireArg): boolean {
    const { wait } = readWait(options, true, 'acquire');
    const r = this.opSync('acquire', [wait]) as { fence: number; ago: number } | null;
    if (r === null) return false;
    this.#took(r.fence, performance.now() - r.ago);
    return true;
  }

  #took(f: number, since: number): void {
    const held = this.owner.keeper.get(this.key);
    if (held) {
      held.fence = f;
      held.count++;
      return;
    }
    this.owner.keeper.start(
      this.key,
      f,
      this.lease,
      {
        script: 'semRenew',
        keys: [`${this.key}:h`, `${this.key}:e`],
        args: [this.owner.ctx.client, this.lease],
      },
      since,
    );
  }

  #checkN(n: unknown): number {
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new TypeError('release(n): n must be an integer');
    if (n < 1) throw new ValueError('release(n): n must be one or more');
    return n;
  }

  #before(n: number): void {
    const l = this.owner.keeper.get(this.key);
    // Stop renewing before the last permits go, so a crossing renewal is not taken for a loss.
    // (A bounded release of more than is held fails without changing anything: keep renewing.)
    if (l && (l.count === n || (l.count < n && this.spec.kind === 'semaphore'))) l.end();
  }

  #after(left: number): void {
    if (left < 0) throw new ValueError(`Semaphore "${this.name}" released too many times`);
    const l = this.owner.keeper.get(this.key);
    if (l) {
      l.count = left;
      if (left === 0) l.end();
    }
  }

  /**
   * Releases `n` permits (Python's `release(n=1)`): the client's own first, then (unbounded
   * only) raising the value.
   * @throws ValueError over-releasing a BoundedSemaphore (nothing changes), or `n` < 1.
   */
  async release(n = 1): Promise<void> {
    this.#checkN(n);
    this.#before(n);
    const left = (await this.op('release', [n])) as number;
    this.#after(left);
  }

  /** Blocking twin of {@link release}. */
  releaseSync(n = 1): void {
    this.#checkN(n);
    this.#before(n);
    this.#after(this.opSync('release', [n]) as number);
  }

  /** Free permits now (after ending expired leases). */
  async getValue(): Promise<number> {
    return this.op('getValue') as Promise<number>;
  }

  /** Blocking twin of {@link getValue}. */
  getValueSync(): number {
    return this.opSync('getValue') as number;
  }
}

/**
 * A {@link RedisSemaphore} that refuses to be released beyond its permits (Python's
 * `threading.BoundedSemaphore`): `release` by a client that holds fewer permits than it
 * releases throws `ValueError`.
 */
export class RedisBoundedSemaphore extends RedisSemaphore {}
