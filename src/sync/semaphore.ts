/**
 * `Semaphore` (and the base of `BoundedSemaphore`, in `./bounded-semaphore.ts`): Python's counting semaphore on shared memory.
 *
 * ## Memory layout (Int32Array over a 12-byte SharedArrayBuffer)
 *
 * ```
 * word 0  VALUE    permits available (CAS by acquirers, Atomics.add / CAS by releasers;
 *                  the word waiters park on, always with expected 0)
 * word 1  WAITERS  acquirers parked or about to park (Atomics.add ±1)
 * word 2  INITIAL  the constructor's value (written once; BoundedSemaphore's ceiling)
 * ```
 *
 * Invariants: VALUE ≥ 0 always; a permit moves only by one successful CAS (acquire) or one
 * add (release), so none is lost or granted twice. A waiter increments WAITERS before it
 * re-reads VALUE and parks expecting 0; a releaser adds to VALUE before reading WAITERS (both
 * seq-cst), so the releaser sees the waiter or the waiter sees the permit. `release(n)` wakes
 * n waiters; a woken waiter always retries before giving up on a timeout, and an aborted async
 * waiter wakes every waiter (park.ts), so a wake-up is never swallowed by a leaving waiter.
 *
 * Orderings: all accesses to VALUE and WAITERS are atomic (seq-cst, the only kind JS has),
 * because every thread reads and writes both; INITIAL is written once before the semaphore
 * is shared (the `postMessage` that shares it orders that write) and read plainly.
 *
 * Dead holders: as in Python, permits are not owned (any thread may release), so a permit
 * taken by a thread that dies stays taken. Use a `Lock`/`RLock` when abandonment must be
 * detected.
 *
 * @module
 */
import { RuntimeError, ValueError } from '../core/errors.js';
import {
  type Destination,
  kShare,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { parseWait } from '../core/wait-options.js';
import type { AcquireArg } from './mutex.js';
import { parkUntil, parkUntilSync, unpark } from './park.js';
import { reviving, takeRevived } from './revive.js';

const VALUE = 0;
const WAITERS = 1;
/** @internal */
export const VALUE_WORD = 0;
/** @internal */
export const INITIAL_WORD = 2;
const INITIAL = 2;
const SPIN = 100;
const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);

/**
 * A counting semaphore shared by async tasks, worker threads, or both. Python:
 * `threading.Semaphore(value=1)`. `acquire()` takes a permit, waiting while there is none;
 * `release(n)` returns n permits and wakes up to n waiters.
 *
 * Waits resolve true once a permit is taken, false on timeout or `blocking: false`, and reject
 * with the signal's reason on abort (no permit is taken then).
 *
 * @example
 * ```ts
 * const sem = new Semaphore(5);      // at most five at once
 * await sem.run(() => fetchOne(url));
 * ```
 */
export class Semaphore {
  /** @internal */
  protected readonly cells: Int32Array;
  readonly #disposable: Disposable;

  /**
   * @param value the initial number of permits.
   * @throws ValueError when `value` is negative (Python raises ValueError); TypeError when it is not an integer.
   */
  constructor(value = 1) {
    const revived = takeRevived<SharedArrayBuffer>();
    this.#disposable = { [Symbol.dispose]: () => this.release() };
    if (revived) {
      this.cells = new Int32Array(revived);
      return;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new TypeError(`semaphore initial value must be an integer, got ${String(value)}`);
    }
    if (value < 0) throw new ValueError(`semaphore initial value must be >= 0, got ${value}`);
    this.cells = new Int32Array(new SharedArrayBuffer(12));
    this.cells[VALUE] = value;
    this.cells[INITIAL] = value;
  }

  #try(): true | number {
    const c = this.cells;
    let v = Atomics.load(c, VALUE);
    while (v > 0) {
      const prev = Atomics.compareExchange(c, VALUE, v, v - 1);
      if (prev === v) return true;
      v = prev;
    }
    return 0;
  }

  /**
   * Takes a permit, waiting without blocking the event loop. Python: `acquire()`.
   * Resolves true once taken; false on timeout or `blocking: false`; rejects with the signal's
   * reason on abort (already aborted: at once).
   * @throws TypeError / RangeError for a bad argument.
   */
  acquire(options?: AcquireArg): Promise<boolean> {
    if (options === undefined && this.#try() === true) return RESOLVED_TRUE;
    return this.#acquireSlow(options);
  }

  async #acquireSlow(options: AcquireArg): Promise<boolean> {
    const { timeout, signal } = parseWait(options);
    if (signal?.aborted) throw signal.reason;
    if (this.#try() === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    Atomics.add(c, WAITERS, 1);
    try {
      return await parkUntil(c, VALUE, () => this.#try(), timeout, signal);
    } finally {
      Atomics.sub(c, WAITERS, 1);
    }
  }

  /**
   * Takes a permit, blocking this thread until one is free. Returns true once taken, false on
   * timeout or `blocking: false`.
   * @throws the signal's reason when already aborted; TypeError / RangeError for a bad argument.
   */
  acquireSync(options?: AcquireArg): boolean {
    if (options === undefined && this.#try() === true) return true;
    const { timeout, signal } = parseWait(options);
    if (signal?.aborted) throw signal.reason;
    if (this.#try() === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    for (let i = 0; i < SPIN; i++) if (Atomics.load(c, VALUE) > 0 && this.#try() === true) return true;
    Atomics.add(c, WAITERS, 1);
    try {
      return parkUntilSync(c, VALUE, () => this.#try(), timeout);
    } finally {
      Atomics.sub(c, WAITERS, 1);
    }
  }

  /** Checks a release count; returns it. */
  protected checkN(n: number): number {
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new TypeError(`release(n): n must be an integer, got ${String(n)}`);
    if (n < 1) throw new ValueError(`release(n): n must be one or more, got ${n}`);
    return n;
  }

  /** Adds the permits (BoundedSemaphore checks its ceiling here). */
  protected addPermits(n: number): void {
    Atomics.add(this.cells, VALUE, n);
  }

  /**
   * Returns `n` permits and wakes up to `n` waiters. Python: `release(n=1)`. Never blocks.
   * @throws ValueError when n < 1 (BoundedSemaphore: also when it would exceed the initial value).
   */
  release(n = 1): void {
    this.addPermits(this.checkN(n));
    const c = this.cells;
    if (Atomics.load(c, WAITERS) !== 0) unpark(c, VALUE, n);
  }

  /** Permits available now (a snapshot). Python's private `_value`. */
  get value(): number {
    return Atomics.load(this.cells, VALUE);
  }

  /** How many acquirers are waiting now (a snapshot). */
  get waiting(): number {
    return Atomics.load(this.cells, WAITERS);
  }

  /** True when no permit is free (so `acquire` would wait). */
  locked(): boolean {
    return Atomics.load(this.cells, VALUE) === 0;
  }

  /** `using _ = await sem.hold()`: Python's `with sem:`. @throws RuntimeError when a timeout ran out. */
  async hold(options?: AcquireArg): Promise<Disposable> {
    if (!(await this.acquire(options)))
      throw new RuntimeError('hold(): no permit could be acquired (timed out or not blocking)');
    return this.#disposable;
  }

  /** Blocking twin of {@link hold}. */
  holdSync(options?: AcquireArg): Disposable {
    if (!this.acquireSync(options))
      throw new RuntimeError('holdSync(): no permit could be acquired (timed out or not blocking)');
    return this.#disposable;
  }

  /** Runs `fn` holding a permit; resolves with its result. */
  async run<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** The registry tag of this class. @internal */
  protected get tag(): string {
    return 'skein.Semaphore';
  }

  /** The module that registers {@link tag}. @internal */
  protected get moduleUrl(): string {
    return import.meta.url;
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    const name = this.tag.slice(6);
    if (destination === 'process') {
      throw new TypeError(
        `a threading ${name} cannot be sent to a process (no shared memory there); use manager.${name}()`,
      );
    }
    return { tag: this.tag, module: this.moduleUrl, data: this.cells.buffer };
  }
}

registerSharedType('skein.Semaphore', (data) => reviving(data, () => new Semaphore()));
