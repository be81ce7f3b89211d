/**
 * `Semaphore` (and the base of `BoundedSemaphore`, in `./bounded-semaphore.ts`): Python's counting semaphore on shared memory.
 *
 * ## Memory layout (Int32Array over a 288-byte SharedArrayBuffer)
 *
 * ```
 * word 0  VALUE      permits available (CAS by acquirers, Atomics.add / CAS by releasers;
 *                    the word waiters park on, always with expected 0)
 * word 1  WAITERS    acquirers parked or about to park (Atomics.add ±1)
 * word 2  INITIAL    the constructor's value (written once; BoundedSemaphore's ceiling)
 * word 3  TRACKED    holder slots in use (Atomics.add ±1)
 * word 4  RECLAIMED  permits given back on behalf of dead holders, in total (Atomics.add)
 * words 8 + 2k…      holder slot k of HOLDER_SLOTS: IDENT (0 free, -1 being reclaimed, else a
 *                    thread ident; CAS) and COUNT (permits that thread holds via hold/run; add/sub)
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
 * ## Dead holders
 * As in Python, a permit taken with `acquire()` is not owned — any thread may `release()` it
 * (a Semaphore(0) is often a signal: one thread releases, another acquires and keeps it), so
 * such permits are never reclaimed. Permits taken with **`hold()`, `holdSync()` or `run()`**
 * are scoped to the taking thread, and are recorded in the holder table under its ident. If
 * that thread ends while holding them (its target threw, it called `process.exit`, it was
 * terminated — the thread host marks it ended in `core/identity.ts`), waiters, which park in
 * slices of at most `POLL_MS`, notice it and give its permits back (one reclaimer per slot,
 * by CAS IDENT: dead ident → -1), counted in {@link Semaphore.reclaimed}. Limits: a table of
 * {@link HOLDER_SLOTS} threads (holders beyond it are not tracked), and a thread killed in the
 * instant between taking a permit and recording it loses that permit. A `hold()` must be
 * ended by disposing it (or by `run` returning), not by a bare `release()`.
 *
 * @module
 */
import { RuntimeError, ValueError } from '../core/errors.js';
import { currentIdent, isThreadAlive } from '../core/identity.js';
import {
  type Destination,
  kShare,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { parseWait } from '../core/wait-options.js';
import { type AcquireArg, POLL_MS } from './mutex.js';
import { parkUntil, parkUntilSync, unpark } from './park.js';
import { reviving, takeRevived } from './revive.js';

const VALUE = 0;
const WAITERS = 1;
/** @internal */
export const VALUE_WORD = 0;
/** @internal */
export const INITIAL_WORD = 2;
const INITIAL = 2;
const TRACKED = 3;
const RECLAIMED = 4;
const SLOTS = 8;
/** How many holder threads a Semaphore tracks for dead-holder recovery. */
export const HOLDER_SLOTS = 32;
const SPIN = 20;
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
    this.#disposable = {
      [Symbol.dispose]: () => {
        this.#unrecord();
        this.release();
      },
    };
    if (revived) {
      this.cells = new Int32Array(revived);
      return;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new TypeError(`semaphore initial value must be an integer, got ${String(value)}`);
    }
    if (value < 0) throw new ValueError(`semaphore initial value must be >= 0, got ${value}`);
    this.cells = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 2 * HOLDER_SLOTS)));
    this.cells[VALUE] = value;
    this.cells[INITIAL] = value;
  }

  #slot = -1;
  #slotIdent = 0;

  /** Records a permit taken through hold/holdSync/run under this thread's ident. */
  #record(): void {
    const c = this.cells;
    const me = currentIdent;
    let at = this.#slotIdent === me && Atomics.load(c, this.#slot) === me ? this.#slot : this.#find(me);
    if (at < 0) {
      for (let k = 0; k < HOLDER_SLOTS && at < 0; k++) {
        if (Atomics.compareExchange(c, SLOTS + 2 * k, 0, me) === 0) {
          at = SLOTS + 2 * k;
          Atomics.add(c, TRACKED, 1);
        }
      }
      if (at < 0) return; // table full: this holder is not tracked
    }
    this.#slot = at;
    this.#slotIdent = me;
    Atomics.add(c, at + 1, 1);
  }

  /** Forgets one recorded permit of this thread (before giving it back). */
  #unrecord(): void {
    const c = this.cells;
    const me = currentIdent;
    const at = this.#slotIdent === me && Atomics.load(c, this.#slot) === me ? this.#slot : this.#find(me);
    if (at < 0) return;
    // Synchronous, so no other task of this thread interleaves between these two steps.
    if (Atomics.sub(c, at + 1, 1) === 1 && Atomics.compareExchange(c, at, me, 0) === me)
      Atomics.sub(c, TRACKED, 1);
  }

  #find(ident: number): number {
    for (let k = 0; k < HOLDER_SLOTS; k++)
      if (Atomics.load(this.cells, SLOTS + 2 * k) === ident) return SLOTS + 2 * k;
    return -1;
  }

  /** Gives back the permits of holders whose thread has ended. */
  #reclaim(): void {
    const c = this.cells;
    if (Atomics.load(c, TRACKED) === 0) return;
    for (let k = 0; k < HOLDER_SLOTS; k++) {
      const at = SLOTS + 2 * k;
      const id = Atomics.load(c, at);
      if (id <= 0 || isThreadAlive(id) || Atomics.compareExchange(c, at, id, -1) !== id) continue;
      const n = Atomics.exchange(c, at + 1, 0);
      Atomics.store(c, at, 0);
      Atomics.sub(c, TRACKED, 1);
      if (n > 0) {
        Atomics.add(c, RECLAIMED, n);
        Atomics.add(c, VALUE, n);
        unpark(c, VALUE, n);
      }
    }
  }

  /** A waiter's attempt: take a permit, or reclaim dead holders' permits and try again. */
  readonly #attempt = (): true | number => {
    if (this.#try() === true) return true;
    this.#reclaim();
    return this.#try();
  };

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
    const { timeout, signal } = parseWait(options, 'Semaphore.acquire()');
    if (signal?.aborted) throw signal.reason;
    if (this.#try() === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    Atomics.add(c, WAITERS, 1);
    try {
      return await parkUntil(c, VALUE, this.#attempt, timeout, signal, POLL_MS);
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
    const { timeout, signal } = parseWait(options, 'Semaphore.acquireSync()');
    if (signal?.aborted) throw signal.reason;
    if (this.#try() === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    for (let i = 0; i < SPIN; i++) if (Atomics.load(c, VALUE) > 0 && this.#try() === true) return true;
    Atomics.add(c, WAITERS, 1);
    try {
      return parkUntilSync(c, VALUE, this.#attempt, timeout, POLL_MS);
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

  /**
   * Takes a permit and returns a Disposable that gives it back: `using _ = await sem.hold()` is
   * Python's `with sem:`. The permit is recorded as this thread's, so it is recovered if the
   * thread dies holding it. @throws RuntimeError (rejects) when a timeout ran out.
   */
  async hold(options?: AcquireArg): Promise<Disposable> {
    if (!(await this.acquire(options)))
      throw new RuntimeError('hold(): no permit could be acquired (timed out or not blocking)');
    this.#record();
    return this.#disposable;
  }

  /** Blocking twin of {@link hold}. */
  holdSync(options?: AcquireArg): Disposable {
    if (!this.acquireSync(options))
      throw new RuntimeError('holdSync(): no permit could be acquired (timed out or not blocking)');
    this.#record();
    return this.#disposable;
  }

  /** Runs `fn` holding a permit; resolves with its result. */
  async run<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    using _ = await this.hold();
    return await fn();
  }

  /** Permits given back so far on behalf of holders whose thread ended (see "dead holders"). */
  get reclaimed(): number {
    return Atomics.load(this.cells, RECLAIMED);
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
