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
 * by CAS IDENT: dead ident → -1), counted in {@link Semaphore.reclaimed}. So do the
 * non-blocking paths (`acquire({ blocking: false })`, `acquireSync(0)`), and the `value` and
 * `locked()` snapshots, so that a permit of a dead holder is never reported as taken.
 * Every word a holder writes is written so that a stop between any two of its steps errs on the
 * safe side: TRACKED is counted in before a slot is taken (too high costs a scan), a slot's
 * COUNT is decremented before the slot is freed. Limits: a table of {@link HOLDER_SLOTS}
 * threads (holders beyond it are not tracked), and one window no ordering can close — a thread
 * stopped between the compare-exchange that takes a permit and the `Atomics.add` that records
 * it (the holder's slot is found before it waits, so only a load and a compare separate the
 * two) loses that permit (recording it
 * first would instead *create* one when the stop falls before the take: JavaScript has no
 * two-word atomic). A `hold()` must be ended by disposing it (or by `run` returning), not by a
 * bare `release()`.
 *
 * ## Counts that do not fit
 * The count is one int32 word, so a semaphore holds at most {@link MAX_PERMITS} (2³¹ − 1)
 * permits: a larger initial value, or a `release(n)` that would pass it, throws RangeError at the
 * call and changes nothing — never a wrapped, negative count. (Python's are unbounded.)
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
/** The most permits a semaphore can hold: its count is one shared int32 word (2³¹ − 1). */
export const MAX_PERMITS = 0x7fffffff;
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
   * @param value the initial number of permits, at most {@link MAX_PERMITS} (2³¹ − 1).
   * @throws ValueError when `value` is negative (Python raises ValueError); TypeError when it is
   *   not an integer; RangeError when it exceeds {@link MAX_PERMITS} (the count is one int32 word).
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
    if (value > MAX_PERMITS) {
      throw new RangeError(
        `semaphore initial value must be at most ${MAX_PERMITS} (the permits live in one shared int32 word), got ${value}`,
      );
    }
    this.cells = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 2 * HOLDER_SLOTS)));
    this.cells[VALUE] = value;
    this.cells[INITIAL] = value;
  }

  #slot = -1;
  #slotIdent = 0;

  /**
   * This thread's holder slot (the word index of its IDENT), taken now if it has none; -1 when
   * the table is full (the holder is then not tracked). Taken *before* a hold waits, so that the
   * permit can be recorded in the statement right after the compare-exchange that takes it.
   */
  #slotFor(): number {
    const c = this.cells;
    const me = currentIdent;
    let at = this.#slotIdent === me && Atomics.load(c, this.#slot) === me ? this.#slot : this.#find(me);
    if (at < 0) {
      // Counted in before the slot is taken: a thread stopped between the two leaves TRACKED one
      // too high (a needless scan), never too low (a dead holder's slot skipped).
      Atomics.add(c, TRACKED, 1);
      for (let k = 0; k < HOLDER_SLOTS && at < 0; k++) {
        if (Atomics.compareExchange(c, SLOTS + 2 * k, 0, me) === 0) at = SLOTS + 2 * k;
      }
      if (at < 0) {
        Atomics.sub(c, TRACKED, 1);
        return -1;
      }
    }
    this.#slot = at;
    this.#slotIdent = me;
    return at;
  }

  /** Records one permit just taken in the holder slot `at` (if it is still this thread's). */
  #record(at: number): void {
    const c = this.cells;
    if (Atomics.load(c, at) === currentIdent) {
      Atomics.add(c, at + 1, 1);
      return;
    }
    // Another task of this thread gave the slot up while this one waited: take one again.
    const again = this.#slotFor();
    if (again >= 0) Atomics.add(c, again + 1, 1);
  }

  /** Gives up this thread's slot `at` when it holds no permit (a hold that failed). */
  #dropIfEmpty(at: number): void {
    const c = this.cells;
    const me = currentIdent;
    if (Atomics.load(c, at + 1) === 0 && Atomics.compareExchange(c, at, me, 0) === me) Atomics.sub(c, TRACKED, 1);
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
  readonly #attempt = (): true | number => this.#attemptAt(-1);

  /** As {@link #attempt}, recording the permit in holder slot `at` (≥ 0) at once. */
  #attemptAt(at: number): true | number {
    if (this.#try(at) === true) return true;
    this.#reclaim();
    return this.#try(at);
  }

  /** Takes a permit if one is free; for a hold (`at` ≥ 0), records it in the very next statement. */
  #try(at = -1): true | number {
    const c = this.cells;
    let v = Atomics.load(c, VALUE);
    while (v > 0) {
      const prev = Atomics.compareExchange(c, VALUE, v, v - 1);
      if (prev === v) {
        if (at >= 0) this.#record(at);
        return true;
      }
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

  async #acquireSlow(options: AcquireArg, at = -1): Promise<boolean> {
    const { timeout, signal } = parseWait(options);
    if (signal?.aborted) throw signal.reason;
    if (this.#attemptAt(at) === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    Atomics.add(c, WAITERS, 1);
    try {
      return await parkUntil(c, VALUE, at < 0 ? this.#attempt : () => this.#attemptAt(at), timeout, signal, POLL_MS);
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
    return this.#acquireSyncAt(options, -1);
  }

  /** The blocking acquire, recording the permit in holder slot `at` when ≥ 0. */
  #acquireSyncAt(options: AcquireArg, at: number): boolean {
    const { timeout, signal } = parseWait(options);
    if (signal?.aborted) throw signal.reason;
    if (this.#attemptAt(at) === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    for (let i = 0; i < SPIN; i++) if (Atomics.load(c, VALUE) > 0 && this.#try(at) === true) return true;
    Atomics.add(c, WAITERS, 1);
    try {
      return parkUntilSync(c, VALUE, at < 0 ? this.#attempt : () => this.#attemptAt(at), timeout, POLL_MS);
    } finally {
      Atomics.sub(c, WAITERS, 1);
    }
  }

  /** Checks a release count; returns it. */
  protected checkN(n: number): number {
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new TypeError(`release(n): n must be an integer, got ${String(n)}`);
    if (n < 1) throw new ValueError(`release(n): n must be one or more, got ${n}`);
    if (n > MAX_PERMITS) throw this.overflow(0, n);
    return n;
  }

  /** The error of a release that would take the count past {@link MAX_PERMITS}. @internal */
  protected overflow(v: number, n: number): RangeError {
    return new RangeError(
      `release(${n}): ${v} + ${n} permits would exceed ${MAX_PERMITS}, the most a semaphore holds ` +
        '(one shared int32 word); nothing was released',
    );
  }

  /**
   * Adds the permits in one compare-exchange that first checks the sum fits the word, so an
   * over-large release changes nothing (BoundedSemaphore also checks its ceiling here).
   * @throws RangeError when the count would exceed {@link MAX_PERMITS}.
   */
  protected addPermits(n: number): void {
    const c = this.cells;
    let v = Atomics.load(c, VALUE);
    for (;;) {
      if (v > MAX_PERMITS - n) throw this.overflow(v, n);
      const prev = Atomics.compareExchange(c, VALUE, v, v + n);
      if (prev === v) return;
      v = prev;
    }
  }

  /**
   * Returns `n` permits and wakes up to `n` waiters. Python: `release(n=1)`. Never blocks.
   * @throws ValueError when n < 1 (BoundedSemaphore: also when it would exceed the initial value);
   *   RangeError when the count would exceed {@link MAX_PERMITS} (nothing is released then).
   */
  release(n = 1): void {
    this.addPermits(this.checkN(n));
    const c = this.cells;
    if (Atomics.load(c, WAITERS) !== 0) unpark(c, VALUE, n);
  }

  /**
   * Permits available now (a snapshot), after giving back those of holders whose thread ended
   * (see "dead holders"). Python's private `_value`.
   */
  get value(): number {
    this.#reclaim();
    return Atomics.load(this.cells, VALUE);
  }

  /** How many acquirers are waiting now (a snapshot). */
  get waiting(): number {
    return Atomics.load(this.cells, WAITERS);
  }

  /** True when no permit is free (so `acquire` would wait), after reclaiming dead holders' permits. */
  locked(): boolean {
    this.#reclaim();
    return Atomics.load(this.cells, VALUE) === 0;
  }

  /**
   * Takes a permit and returns a Disposable that gives it back: `using _ = await sem.hold()` is
   * Python's `with sem:`. The permit is recorded as this thread's, so it is recovered if the
   * thread dies holding it. @throws RuntimeError (rejects) when a timeout ran out.
   */
  async hold(options?: AcquireArg): Promise<Disposable> {
    const at = this.#slotFor();
    if (options === undefined && this.#try(at) === true) return this.#disposable;
    if (!(await this.#acquireSlow(options, at))) {
      if (at >= 0) this.#dropIfEmpty(at);
      throw new RuntimeError('hold(): no permit could be acquired (timed out or not blocking)');
    }
    return this.#disposable;
  }

  /** Blocking twin of {@link hold}. */
  holdSync(options?: AcquireArg): Disposable {
    const at = this.#slotFor();
    if (options === undefined && this.#try(at) === true) return this.#disposable;
    if (!this.#acquireSyncAt(options, at)) {
      if (at >= 0) this.#dropIfEmpty(at);
      throw new RuntimeError('holdSync(): no permit could be acquired (timed out or not blocking)');
    }
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
