/**
 * `RedisCondition`: Python's `threading.Condition` found by name on Redis, over a RedisLock or
 * RedisRLock (its own RLock by default).
 *
 * On the server: `<ns>:condition:<name>:q` lists the waiters oldest first, as
 * `"<waiter id>|<client>"`. `wait` releases the lock *completely* (an RLock's whole depth) and
 * enlists in one script, so a `notify` cannot slip between them; it then blocks on its own wake
 * list and, woken or timed out, re-acquires the lock (to the same depth) before returning, as
 * Python's does. `notify(n)` pops up to `n` waiters oldest first and wakes each that is still
 * alive (a waiter whose client's lease ended is skipped, so a dead waiter does not swallow a
 * notify once its lease is over).
 *
 * A wait takes a timeout, not a signal (as the Manager's condition): the lock must be held
 * again when it returns, and an abort could not promise that.
 *
 * @module
 */
import { RuntimeError } from '../../core/errors.js';
import type { WaitOptions } from '../../core/wait-options.js';
import type { AcquireArg } from '../../multiprocessing/manager/proxy.js';
import {
  arr,
  blockOn,
  deadline,
  defineOps,
  keyOf,
  left,
  newWaiter,
  num,
  readWait,
  type Spec,
  type Wait,
  waiterKey,
} from './base.js';
import type { RedisLock, RedisRLock } from './lock.js';
import { Acquirer, type Owner } from './object.js';

/** A wait's answer: whether it was notified, and the lock re-acquired (null: it was not held). */
type WaitAnswer = { notified: boolean; fence: number; count: number; ago: number } | null;

defineOps(['condition'], {
  /**
   * [wait, token (a Lock's "<client>|<fence>", or '' for an RLock)]
   * → { notified, fence, count } | null when the caller did not hold the lock
   */
  wait: async (ctx, spec, [w, token]) => {
    const lock = spec.lock!;
    const lk = keyOf(ctx.ns, lock);
    const q = `${keyOf(ctx.ns, spec)}:q`;
    const dl = deadline(w as Wait);
    const wid = newWaiter();
    const entry = `${wid}|${ctx.client}`;
    const c = num(
      await ctx.store.run('condWait', [lk, `${lk}:w`, q], [lock.kind, ctx.client, token as string, entry]),
    );
    if (c < 0) return null;
    const ms = left(dl);
    let notified = ms > 0 && (await ctx.store.block(waiterKey(ctx.ns, wid), ms)) !== null;
    if (!notified && num(await ctx.store.run('condCancel', [q], [entry])) === 0) {
      // Notified just as the time ran out: the notify counts (it was taken off the list).
      notified = true;
      await ctx.store.client.del(waiterKey(ctx.ns, wid));
    }
    // Re-acquire, waiting as long as it takes (Python's wait always returns holding the lock).
    // `ago`: ms since the winning attempt was sent (when the new lease may have begun).
    for (;;) {
      const sent = performance.now();
      const ago = () => performance.now() - sent;
      if (lock.kind === 'lock') {
        const r = arr(
          await ctx.store.run('lockAcquire', [lk, `${lk}:f`, `${lk}:w`], [ctx.client, lock.lease!]),
        );
        if (num(r[0]) === 1) return { notified, fence: num(r[1]), count: 1, ago: ago() };
        const ttl = num(r[1]);
        if (ttl !== -2) await blockOn(ctx, `${lk}:w`, ttl >= 0 ? ttl + 1 : Number.POSITIVE_INFINITY);
      } else {
        const r = arr(
          await ctx.store.run('rlockAcquire', [lk, `${lk}:f`, `${lk}:w`], [ctx.client, lock.lease!, c]),
        );
        if (num(r[0]) === 1) return { notified, fence: num(r[1]), count: num(r[2]), ago: ago() };
        const ttl = num(r[1]);
        if (ttl !== -2) await blockOn(ctx, `${lk}:w`, ttl >= 0 ? ttl + 1 : Number.POSITIVE_INFINITY);
      }
    }
  },
  /** [n] → waiters woken */
  notify: async (ctx, spec, [n]) =>
    num(await ctx.store.run('condNotify', [`${keyOf(ctx.ns, spec)}:q`], [n as number, ctx.ns])),
});

/**
 * A condition variable found by name on Redis (Python's `threading.Condition`). Get one with
 * `manager.Condition(name, lock?)`; every handle on one name must use the same lock.
 */
export class RedisCondition extends Acquirer {
  readonly #lock: RedisLock | RedisRLock;

  /** @internal */
  constructor(owner: Owner, spec: Spec, lock: RedisLock | RedisRLock) {
    super(owner, spec);
    this.#lock = lock;
  }

  /** The underlying lock. */
  get lock(): RedisLock | RedisRLock {
    return this.#lock;
  }

  /** Acquires the underlying lock. */
  async acquire(options?: AcquireArg): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  /** Blocking twin of {@link acquire}. */
  acquireSync(options?: AcquireArg): boolean {
    return this.#lock.acquireSync(options);
  }

  /** Releases the underlying lock. @throws RuntimeError when not held. */
  async release(): Promise<void> {
    return this.#lock.release();
  }

  /** Blocking twin of {@link release}. */
  releaseSync(): void {
    this.#lock.releaseSync();
  }

  /** Is the underlying lock held (by anyone)? */
  async locked(): Promise<boolean> {
    return this.#lock.locked();
  }

  /** Blocking twin of {@link locked}. */
  lockedSync(): boolean {
    return this.#lock.lockedSync();
  }

  #lockKey(): string {
    return keyOf(this.owner.ctx.ns, this.spec.lock!);
  }

  #before(what: string): string {
    const l = this.owner.keeper.get(this.#lockKey());
    if (!l) throw new RuntimeError(`cannot ${what} on un-acquired lock (condition "${this.name}")`);
    // The wait releases the lock on the server: stop renewing it first.
    l.end();
    return this.spec.lock!.kind === 'lock' ? `${this.owner.ctx.client}|${l.fence}` : '';
  }

  #after(r: WaitAnswer, since: number): boolean {
    if (r === null) {
      this.owner.keeper.last(this.#lockKey())?.lose('its lease had ended before wait()');
      throw new RuntimeError(
        `wait(): the lease on the lock of condition "${this.name}" had ended (lock.lost fired)`,
      );
    }
    this.#lock.took(r, since - r.ago);
    return r.notified;
  }

  #readWait(options: number | WaitOptions | undefined, sync: boolean) {
    const { wait, signal } = readWait(options, sync, 'wait');
    if (signal) throw new TypeError('Condition.wait() on a Redis condition does not take a signal');
    return wait;
  }

  /**
   * Releases the lock, waits for a notify or the timeout, and re-acquires the lock
   * (Python's `wait`). @returns false when the time passed first.
   * @throws RuntimeError when this client does not hold the lock.
   */
  async wait(options?: number | WaitOptions): Promise<boolean> {
    const w = this.#readWait(options, false);
    const token = this.#before('wait');
    const r = (await this.op('wait', [w, token])) as WaitAnswer;
    return this.#after(r, performance.now());
  }

  /** Blocking twin of {@link wait}. */
  waitSync(options?: number | WaitOptions): boolean {
    const w = this.#readWait(options, true);
    const token = this.#before('wait');
    const r = this.opSync('wait', [w, token]) as WaitAnswer;
    return this.#after(r, performance.now());
  }

  #checkHeld(what: string): void {
    if (!this.owner.keeper.get(this.#lockKey()))
      throw new RuntimeError(`cannot ${what} on un-acquired lock (condition "${this.name}")`);
  }

  /**
   * Wakes up to `n` waiters, oldest first (Python's `notify(n=1)`).
   * @throws RuntimeError when this client does not hold the lock.
   */
  async notify(n = 1): Promise<void> {
    this.#checkHeld('notify');
    await this.op('notify', [n]);
  }

  /** Blocking twin of {@link notify}. */
  notifySync(n = 1): void {
    this.#checkHeld('notify');
    this.opSync('notify', [n]);
  }

  /** Wakes every waiter (Python's `notify_all`). @throws RuntimeError without the lock. */
  async notifyAll(): Promise<void> {
    await this.notify(2 ** 31 - 1);
  }

  /** Blocking twin of {@link notifyAll}. */
  notifyAllSync(): void {
    this.notifySync(2 ** 31 - 1);
  }

  /**
   * Waits until `predicate()` is truthy, re-checking after each wake-up (Python's `wait_for`).
   * @returns the predicate's last result (falsy when the timeout passed).
   */
  async waitFor<T>(predicate: () => T | Promise<T>, timeout?: number): Promise<T> {
    const dl = timeout === undefined ? Number.POSITIVE_INFINITY : performance.now() + timeout;
    let result = await predicate();
    while (!result) {
      const ms = left(dl);
      if (ms === 0) break;
      await this.wait(ms === Number.POSITIVE_INFINITY ? undefined : ms);
      result = await predicate();
    }
    return result;
  }

  /** Blocking twin of {@link waitFor} (the predicate is synchronous). */
  waitForSync<T>(predicate: () => T, timeout?: number): T {
    const dl = timeout === undefined ? Number.POSITIVE_INFINITY : performance.now() + timeout;
    let result = predicate();
    while (!result) {
      const ms = left(dl);
      if (ms === 0) break;
      this.waitSync(ms === Number.POSITIVE_INFINITY ? undefined : ms);
      result = predicate();
    }
    return result;
  }
}
