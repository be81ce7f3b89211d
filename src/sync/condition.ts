/**
 * `Condition`: Python's `threading.Condition` on shared memory.
 *
 * ## Memory layout (Int32Array over its own SharedArrayBuffer)
 *
 * ```
 * word 0          NEXT_TICKET  ticket of the next waiter (plain, under the lock)
 * word 1          NWAITING     slots in state WAITING or GRANTED (Atomics.add ±1)
 * words 2 + 3k…   slot k of CAPACITY:
 *   +0 STATE   FREE 0 | WAITING 1 | GRANTED 2   (the word its waiter parks on)
 *   +1 TICKET  arrival order, for FIFO notification
 *   +2 IDENT   the waiting thread's ident (thread dumps; a dead waiter's slot is freed)
 * ```
 *
 * ## Protocol and invariants
 * - A waiter claims a FREE slot *while holding the lock* (CAS FREE→WAITING after writing
 *   TICKET and IDENT), then fully releases the lock and parks on its slot's STATE.
 * - `notify(n)` runs under the lock and grants the n oldest WAITING slots with a CAS
 *   WAITING→GRANTED each, then unparks that slot. Because the slot was claimed before the lock
 *   was released, a notify that lands between unlocking and parking finds it WAITING and the
 *   park sees GRANTED at once: no lost wake-up. Each waiter has its own word, so `notify(n)`
 *   wakes at most n, exactly.
 * - A waiter leaving on timeout or abort withdraws with CAS WAITING→FREE. If that CAS fails it
 *   was granted first: a timed-out waiter then reports being notified (returns true); an
 *   aborted one passes the grant on to the next waiter once it holds the lock again, so a
 *   notification is never swallowed.
 * - A granted waiter frees its slot (store FREE) before re-acquiring the lock.
 *
 * Orderings: slot STATE words and NWAITING are atomic (waiters and notifiers race on them).
 * NEXT_TICKET, TICKET and IDENT are plain: written only under the lock, before the CAS that
 * publishes the slot as WAITING, and read by notifiers under the same lock (the lock's
 * acquire/release atomics order them); observers (`waiters`) may read them slightly stale.
 *
 * `wait` always re-acquires the lock before it returns or throws, as in Python (the
 * re-acquisition itself is not abortable, so the caller's `finally`/`using` can release it).
 *
 * ## A thread stopped mid-wait (timeout, `terminate()`, crash, out of memory)
 * The lock is the robust Lock/RLock of `mutex.ts` (a dead holder's lock is taken over; see
 * `ownerDied`). What a dead waiter leaves here is its slot, WAITING or GRANTED. `notify` frees a
 * WAITING slot whose IDENT names an ended thread (core/identity.ts) instead of granting it, so a
 * notification always goes to a live waiter; a waiter that finds every slot taken first frees
 * the slots of dead waiters. NWAITING is counted in before a slot is taken and out after it is
 * freed, so a stop between the two leaves it too high (a needless scan), never too low. Each
 * step changes one word, so no stop can leave a slot half-claimed: IDENT and TICKET are written
 * before the CAS that makes the slot WAITING.
 *
 * @module
 */
import { RuntimeError } from '../core/errors.js';
import { getIdent, isThreadAlive } from '../core/identity.js';
import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import { newObjectId, objectLabel } from '../core/wait-table.js';
import { Lock } from './lock.js';
import {
  type AcquireArg,
  checkName,
  kAcquireRestore,
  kAcquireRestoreSync,
  kIsOwned,
  kReleaseSave,
  type LockOptions,
  type Mutex,
} from './mutex.js';
import { parkUntil, parkUntilSync, unpark } from './park.js';
import { reviving, takeRevived } from './revive.js';
import { RLock } from './rlock.js';
import type { WaitSubject } from './watch.js';

const TAG = 'skein.Condition';
/** How many threads or tasks may wait on one Condition at once. */
export const CONDITION_CAPACITY = 256;
const NEXT_TICKET = 0;
const NWAITING = 1;
const SLOTS = 2;
/** The object id word, after the slots (see `core/wait-table.ts`; written once). */
const ID = SLOTS + 3 * CONDITION_CAPACITY;
const FREE = 0;
const WAITING = 1;
const GRANTED = 2;

/** A wait argument: a timeout in ms, or `{ timeout, signal }`. */
export type ConditionWaitArg = number | WaitOptions | undefined;

/**
 * A condition variable: lets threads or tasks wait until another one notifies them. Python:
 * `threading.Condition(lock=None)`. It is associated with a {@link Lock} or {@link RLock}
 * (a new RLock by default), and acquiring/releasing the condition acquires/releases that lock.
 *
 * `wait()` must be called with the lock held: it fully releases the lock (every recursion
 * level of an RLock), sleeps until notified, a timeout, or an abort, then re-acquires the lock
 * at its former level. `notify(n)` wakes at most `n` waiters, oldest first; a notify that
 * lands between a waiter's unlocking and its sleeping is not lost.
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * // consumer
 * using _ = await cond.hold();
 * await cond.waitFor(() => items.length > 0);
 * // producer
 * await cond.run(() => { items.push(1); cond.notify(); });
 * ```
 */
export class Condition implements WaitSubject {
  readonly #cells: Int32Array;
  readonly #lock: Lock | RLock;

  /**
   * @param lock the Lock or RLock to use; a new RLock when omitted.
   * @param options `name`: shown in thread dumps and `toString()`.
   * @throws TypeError when `lock` is not a skein Lock or RLock, or `name` not a string.
   */
  constructor(lock?: Lock | RLock, options?: LockOptions) {
    const revived = takeRevived<{ cells: SharedArrayBuffer; lock: Lock | RLock }>();
    if (revived) {
      this.#cells = new Int32Array(revived.cells);
      this.#lock = revived.lock;
      return;
    }
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new TypeError('Condition(lock): lock must be a skein Lock or RLock');
    }
    const name = checkName(options, 'Condition');
    this.#lock = lock ?? new RLock(name === undefined ? undefined : { name: `${name}.lock` });
    this.#cells = new Int32Array(new SharedArrayBuffer(4 * (ID + 1)));
    this.#cells[ID] = newObjectId(name);
  }

  /** @internal */
  get diagKind(): 'Condition' {
    return 'Condition';
  }

  /** @internal */
  get diagId(): number {
    return this.#cells[ID] as number;
  }

  /** The condition's name: the one it was created with, or `Condition#<id>` (the same in every thread). */
  get name(): string {
    return objectLabel('Condition', this.diagId);
  }

  /** `<Condition 'name' lock=<Lock …>>`. */
  toString(): string {
    return `<Condition '${this.name}' lock=${String(this.#lock)}>`;
  }

  get #mutex(): Mutex {
    return this.#lock;
  }

  /** The underlying lock. */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  /** Acquires the underlying lock; see `Lock.acquire`. */
  acquire(options?: AcquireArg): Promise<boolean> {
    return this.#lock.acquire(options);
  }
  /** Acquires the underlying lock, blocking; see `Lock.acquireSync` (DeadlockError included). */
  acquireSync(options?: AcquireArg): boolean {
    return this.#lock.acquireSync(options);
  }
  /** Releases the underlying lock. @throws RuntimeError when not held. */
  release(): void {
    this.#lock.release();
  }
  /** True while the underlying lock is held. */
  locked(): boolean {
    return this.#lock.locked();
  }
  /** `using _ = await cond.hold()`: Python's `with cond:`. */
  hold(options?: AcquireArg): Promise<Disposable> {
    return this.#lock.hold(options);
  }
  /** Blocking twin of {@link hold}. */
  holdSync(options?: AcquireArg): Disposable {
    return this.#lock.holdSync(options);
  }
  /** Runs `fn` holding the lock. */
  run<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    return this.#lock.run(fn);
  }

  /** How many threads or tasks are waiting now (a snapshot). */
  get nWaiting(): number {
    return Atomics.load(this.#cells, NWAITING);
  }

  /** The idents of the threads waiting now, oldest first (a snapshot; async tasks of one thread repeat its ident). */
  get waiters(): number[] {
    const c = this.#cells;
    const found: [number, number][] = [];
    for (let k = 0; k < CONDITION_CAPACITY; k++) {
      const at = SLOTS + 3 * k;
      if (Atomics.load(c, at) === WAITING) found.push([c[at + 1] as number, c[at + 2] as number]);
    }
    return found.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
  }

  #checkOwned(what: string): void {
    if (!this.#mutex[kIsOwned]()) {
      throw new RuntimeError(`cannot ${what} on un-acquired lock: acquire the Condition (or its lock) first`);
    }
  }

  /** Claims a slot (lock held). Returns the index of its STATE word. */
  #claim(): number {
    const c = this.#cells;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < CONDITION_CAPACITY; k++) {
        const at = SLOTS + 3 * k;
        if (Atomics.load(c, at) !== FREE) continue;
        const ticket = c[NEXT_TICKET] as number;
        c[NEXT_TICKET] = (ticket + 1) | 0;
        c[at + 1] = ticket;
        c[at + 2] = getIdent();
        // Counted in before the slot is taken: a stop between the two leaves NWAITING too high
        // (a needless scan by notify), never too low (a live waiter skipped).
        Atomics.add(c, NWAITING, 1);
        if (Atomics.compareExchange(c, at, FREE, WAITING) !== FREE) {
          Atomics.sub(c, NWAITING, 1);
          continue;
        }
        return at;
      }
      // Full: free the slots of waiters whose thread died, then look once more.
      this.#sweepDead();
    }
    throw new RuntimeError(`Condition: more than ${CONDITION_CAPACITY} waiters at once are not supported`);
  }

  /**
   * Frees the slots of waiters whose thread ended while waiting (or after being granted,
   * before leaving): they would otherwise hold their slot, and a WAITING one would swallow a
   * notify meant for a live waiter. Called with the lock held.
   */
  #sweepDead(): void {
    const c = this.#cells;
    for (let k = 0; k < CONDITION_CAPACITY; k++) {
      const at = SLOTS + 3 * k;
      const state = Atomics.load(c, at);
      if (state !== FREE) this.#freeIfDead(at, state);
    }
  }

  /** Frees slot `at` (in `state`) when its waiter's thread has ended; true when it did. */
  #freeIfDead(at: number, state: number): boolean {
    const c = this.#cells;
    if (isThreadAlive(c[at + 2] as number)) return false;
    if (Atomics.compareExchange(c, at, state, FREE) !== state) return false;
    Atomics.sub(c, NWAITING, 1);
    return true;
  }

  /** Frees a slot whose waiter leaves. Returns true when it had been granted. */
  #leave(at: number): boolean {
    const c = this.#cells;
    const granted = Atomics.compareExchange(c, at, WAITING, FREE) !== WAITING;
    if (granted) Atomics.store(c, at, FREE);
    Atomics.sub(c, NWAITING, 1);
    return granted;
  }

  #attempt(at: number): () => true | number {
    const c = this.#cells;
    return () => (Atomics.load(c, at) === GRANTED ? true : WAITING);
  }

  /**
   * Releases the lock, waits until notified (or the timeout, or an abort), and re-acquires it.
   * Python: `wait(timeout=None)`. Resolves true when notified, false on timeout; rejects with
   * the signal's reason on abort (the lock is held again either way).
   * @throws RuntimeError when the lock is not held by this thread; TypeError/RangeError for a bad argument.
   */
  async wait(options?: ConditionWaitArg): Promise<boolean> {
    const { timeout, signal } = parseWait(options, 'Condition.wait()', WAIT_KEYS);
    this.#checkOwned('wait');
    if (signal?.aborted) throw signal.reason;
    const at = this.#claim();
    const saved = this.#mutex[kReleaseSave]();
    let notified = false;
    let failure: { reason: unknown } | undefined;
    try {
      notified = await parkUntil(
        this.#cells,
        at,
        this.#attempt(at),
        timeout,
        signal,
        undefined,
        this,
        'wait',
      );
    } catch (reason) {
      failure = { reason };
    }
    const granted = this.#leave(at);
    await this.#mutex[kAcquireRestore](saved);
    if (failure) {
      if (granted) this.#grant(1);
      throw failure.reason;
    }
    return notified || granted;
  }

  /**
   * Blocking twin of {@link wait} (`Atomics.wait`). Returns true when notified, false on timeout.
   * @throws RuntimeError when the lock is not held; the signal's reason when already aborted.
   */
  waitSync(options?: ConditionWaitArg): boolean {
    const { timeout, signal } = parseWait(options, 'Condition.waitSync()', WAIT_KEYS);
    this.#checkOwned('wait');
    if (signal?.aborted) throw signal.reason;
    const at = this.#claim();
    const saved = this.#mutex[kReleaseSave]();
    const notified = parkUntilSync(this.#cells, at, this.#attempt(at), timeout, undefined, this, 'waitSync');
    const granted = this.#leave(at);
    this.#mutex[kAcquireRestoreSync](saved);
    return notified || granted;
  }

  /**
   * Waits until `predicate()` is truthy, re-checking after each notification; resolves with the
   * predicate's last value (falsy when the timeout ran out). Python: `wait_for(predicate, timeout)`.
   * @throws RuntimeError when the lock is not held; rejects with the signal's reason on abort.
   */
  async waitFor<T>(predicate: () => T | PromiseLike<T>, options?: ConditionWaitArg): Promise<T> {
    const { timeout, signal } = parseWait(options, 'Condition.waitFor()', WAIT_KEYS);
    const deadline = timeout === Number.POSITIVE_INFINITY ? timeout : performance.now() + timeout;
    let result = await predicate();
    while (!result) {
      const left = deadline === Number.POSITIVE_INFINITY ? undefined : deadline - performance.now();
      if (left !== undefined && left <= 0) break;
      await this.wait({ timeout: left, signal });
      result = await predicate();
    }
    return result;
  }

  /** Blocking twin of {@link waitFor}. */
  waitForSync<T>(predicate: () => T, options?: ConditionWaitArg): T {
    const { timeout, signal } = parseWait(options, 'Condition.waitForSync()', WAIT_KEYS);
    const deadline = timeout === Number.POSITIVE_INFINITY ? timeout : performance.now() + timeout;
    let result = predicate();
    while (!result) {
      const left = deadline === Number.POSITIVE_INFINITY ? undefined : deadline - performance.now();
      if (left !== undefined && left <= 0) break;
      this.waitSync({ timeout: left, signal });
      result = predicate();
    }
    return result;
  }

  /** Grants up to n of the oldest waiters. Returns how many were granted. */
  #grant(n: number): number {
    const c = this.#cells;
    let woken = 0;
    while (woken < n && Atomics.load(c, NWAITING) > 0) {
      let best = -1;
      let bestTicket = 0;
      for (let k = 0; k < CONDITION_CAPACITY; k++) {
        const at = SLOTS + 3 * k;
        if (Atomics.load(c, at) !== WAITING) continue;
        // A waiter whose thread died cannot take a notify: free its slot instead.
        if (this.#freeIfDead(at, WAITING)) continue;
        const t = c[at + 1] as number;
        if (best < 0 || t - bestTicket < 0) {
          best = at;
          bestTicket = t;
        }
      }
      if (best < 0) break;
      if (Atomics.compareExchange(c, best, WAITING, GRANTED) !== WAITING) continue;
      unpark(c, best);
      woken++;
    }
    return woken;
  }

  /**
   * Wakes at most `n` waiting threads or tasks, oldest first. Python: `notify(n=1)`. Never blocks.
   * @throws RuntimeError when the lock is not held by this thread; RangeError when n is negative.
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || Number.isNaN(n)) throw new TypeError('notify(n): n must be a number');
    if (n < 0) throw new RangeError(`notify(n): n must be non-negative, got ${n}`);
    this.#checkOwned('notify');
    this.#grant(n);
  }

  /** Wakes every waiting thread or task. Python: `notify_all()`. @throws RuntimeError when the lock is not held. */
  notifyAll(): void {
    this.#checkOwned('notify');
    this.#grant(Number.POSITIVE_INFINITY);
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(destination, 'a threading Condition', 'no shared memory there', 'manager.Condition()');
    return {
      tag: TAG,
      data: { cells: this.#cells.buffer, lock: this.#lock[kShare](destination) },
    };
  }
}

registerSharedType(TAG, (data) => {
  const d = data as { cells: SharedArrayBuffer; lock: SharedDescriptor };
  const lock =
    d.lock.tag === 'skein.Lock'
      ? reviving(d.lock.data, () => new Lock())
      : reviving(d.lock.data, () => new RLock());
  return reviving({ cells: d.cells, lock }, () => new Condition());
});
