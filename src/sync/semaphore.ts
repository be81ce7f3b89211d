/**
 * `Semaphore` (and the base of `BoundedSemaphore`, in `./bounded-semaphore.ts`): Python's counting semaphore on shared memory.
 *
 * ## Memory layout (Int32Array over a 416-byte SharedArrayBuffer)
 *
 * ```
 * word 0  VALUE      permits << 6 | XFER (the word waiters park on):
 *                    bits 6–30  permits available (CAS by acquirers and releasers)
 *                    bits 0–5   XFER: 0, or k + 1 while holder slot k moves a permit
 *                               between VALUE and its COUNT (see "Dead holders")
 * word 1  WAITERS    acquirers parked or about to park (Atomics.add ±1)
 * word 2  INITIAL    the constructor's value (written once; BoundedSemaphore's ceiling)
 * word 3  TRACKED    holder slots in use (Atomics.add ±1; may read high, never low)
 * word 4  RECLAIMED  permits given back on behalf of dead holders, in total (Atomics.add)
 * words 8 + 3k…      holder slot k of HOLDER_SLOTS:
 *   +0 IDENT   0 free, -1 being reclaimed, else the holding thread's ident (CAS)
 *   +1 COUNT   permits that thread holds via hold/holdSync/run (written by it, or by the
 *              reclaimer once it is dead)
 *   +2 TARGET  what COUNT becomes when the slot's transfer in progress completes
 * word 5  ID         object id for names and dumps (`core/wait-table.ts`; written once)
 * ```
 *
 * Invariants: permits ≥ 0 always; a permit moves only by one successful CAS on VALUE, so none
 * is lost or granted twice. A waiter increments WAITERS before it re-reads VALUE and parks
 * expecting the value it read; a releaser changes VALUE before reading WAITERS (both seq-cst),
 * so the releaser sees the waiter or the waiter sees the permit. `release(n)` wakes n
 * waiters; a woken waiter always retries before giving up on a timeout, and an aborted async
 * waiter wakes every waiter (park.ts), so a wake-up is never swallowed by a leaving waiter.
 *
 * Orderings: all accesses to VALUE, WAITERS, IDENT and COUNT are atomic (seq-cst, the only
 * kind JS has); TARGET is written plainly by its holder before the CAS that publishes XFER, and
 * read only after that XFER was seen. INITIAL is written once before the semaphore is shared
 * (the `postMessage` that shares it orders that write) and read plainly.
 *
 * ## Dead holders
 * As in Python, a permit taken with `acquire()` is not owned — any thread may `release()` it
 * (a Semaphore(0) is often a signal: one thread releases, another acquires and keeps it), so
 * such permits are never reclaimed. Permits taken with **`hold()`, `holdSync()` or `run()`**
 * are scoped to the taking thread and recorded in its holder slot. If that thread ends while
 * holding them — however it ends: its target threw, `process.exit`, a pool task's timeout,
 * `terminate()`, out of memory; the thread host marks it ended in `core/identity.ts` — the
 * next thread that looks (a waiter, which parks in slices of at most `POLL_MS`, a non-blocking
 * acquire, the `value` and `locked()` snapshots) gives them back (one reclaimer per slot, by
 * CAS IDENT: dead ident → -1), counted in {@link Semaphore.reclaimed}.
 *
 * A permit must move between VALUE and a holder's COUNT as one step, whatever instant the
 * holder is stopped at — and JavaScript has no two-word atomic. So the move is a *transfer*:
 * the holder writes TARGET = COUNT ± 1, then one CAS both moves the permit in VALUE and sets
 * XFER = k + 1; then it stores COUNT = TARGET and clears XFER. While XFER is set no other
 * transfer starts (plain acquires and releases go on: they leave XFER as it is). If the holder
 * dies with XFER naming its slot, its reclaimer stores COUNT = TARGET — the same store the
 * holder may or may not have made, so doing it again is harmless — clears XFER and gives back
 * COUNT. So a stop at any instant leaves the permit counted exactly once: in VALUE, or in the
 * dead holder's COUNT (and so given back). TRACKED is counted in before a slot is taken (a
 * stop between leaves it high: a needless scan, never a skipped slot). A thread keeps its slot
 * from its first hold until it ends (then it is reclaimed like any dead holder's), so a hold
 * finds its slot at once. Limits: a table of {@link HOLDER_SLOTS} threads (holders beyond it
 * are not tracked: their permits are not recovered). A `hold()` must be ended by
 * disposing it (or by `run` returning), not by a bare `release()`.
 *
 * Fast-path cost: a hold or its disposal is one CAS, one plain and one atomic store and one
 * atomic subtract, where an untracked acquire or release is one CAS.
 *
 * ## Counts that do not fit
 * The permits share their word with XFER, so a semaphore holds at most 2²⁵ − 1
 * (2²⁵ − 1 = 33,554,431) permits: a larger initial value, or a `release(n)` that would pass it,
 * throws RangeError at the call and changes nothing — never a wrapped, negative count.
 * (Python's are unbounded.)
 *
 * @module
 */
import { RuntimeError, ValueError } from '../core/errors.js';
import { currentIdent, isThreadAlive } from '../core/identity.js';
import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { parseWait } from '../core/wait-options.js';
import { newObjectId, objectLabel } from '../core/wait-table.js';
import { type AcquireArg, checkName, type LockOptions, POLL_MS } from './mutex.js';
import { parkSync, parkUntil, parkUntilSync, unpark } from './park.js';
import { reviving, takeRevived } from './revive.js';
import type { WaitSubject } from './watch.js';

const VALUE = 0;
const WAITERS = 1;
/** @internal */
export const VALUE_WORD = 0;
/** @internal */
export const INITIAL_WORD = 2;
const INITIAL = 2;
const TRACKED = 3;
const RECLAIMED = 4;
const ID = 5;
const SLOTS = 8;
/** How many holder threads a Semaphore tracks for dead-holder recovery. */
export const HOLDER_SLOTS = 32;
/** Words per holder slot: IDENT, COUNT, TARGET. */
const SLOT_WORDS = 3;
/** VALUE holds permits << SHIFT | XFER. */
const SHIFT = 6;
/** One permit in VALUE. @internal */
export const ONE = 1 << SHIFT;
const XFER_MASK = ONE - 1;
const SPIN = 20;
/** The most permits a semaphore can hold: 2²⁵ − 1 (they share one int32 word with a transfer mark). */
export const MAX_PERMITS = 0x7fffffff >> SHIFT;
const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);

/** The permits in a VALUE word. @internal */
export function permitsOf(word: number): number {
  return word >> SHIFT;
}

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
export class Semaphore implements WaitSubject {
  /** @internal */
  protected readonly cells: Int32Array;
  readonly #disposable: Disposable;

  /**
   * @param value the initial number of permits, at most 2²⁵ − 1 (33,554,431).
   * @throws ValueError when `value` is negative (Python raises ValueError); TypeError when it is
   *   not an integer; RangeError when it exceeds 2²⁵ − 1.
   * @param options `name`: shown in thread dumps, deadlock reports and `toString()`.
   */
  constructor(value = 1, options?: LockOptions) {
    const revived = takeRevived<SharedArrayBuffer>();
    this.#disposable = { [Symbol.dispose]: () => this.#giveBack() };
    if (revived) {
      this.cells = new Int32Array(revived);
      return;
    }
    const name = checkName(options, this.diagKind);
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new TypeError(`semaphore initial value must be an integer, got ${String(value)}`);
    }
    if (value < 0) throw new ValueError(`semaphore initial value must be >= 0, got ${value}`);
    if (value > MAX_PERMITS) {
      throw new RangeError(
        `semaphore initial value must be at most ${MAX_PERMITS} (the count lives in part of one shared int32 word), got ${value}`,
      );
    }
    this.cells = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + SLOT_WORDS * HOLDER_SLOTS)));
    this.cells[VALUE] = value << SHIFT;
    this.cells[INITIAL] = value;
    this.cells[ID] = newObjectId(name);
  }

  /** @internal */
  get diagKind(): 'Semaphore' | 'BoundedSemaphore' {
    return this.tag === 'skein.BoundedSemaphore' ? 'BoundedSemaphore' : 'Semaphore';
  }

  /** @internal */
  get diagId(): number {
    return this.cells[ID] as number;
  }

  /** @internal The threads holding permits through hold()/run(), while none is free. */
  diagOwners(): readonly number[] {
    const c = this.cells;
    if (Atomics.load(c, VALUE) >= ONE) return [];
    const owners: number[] = [];
    for (let k = 0; k < HOLDER_SLOTS; k++) {
      const ident = Atomics.load(c, SLOTS + SLOT_WORDS * k);
      if (ident > 0 && Atomics.load(c, SLOTS + SLOT_WORDS * k + 1) > 0) owners.push(ident);
    }
    return owners;
  }

  /** The semaphore's name: the one it was created with, or `Semaphore#<id>` (the same in every thread). */
  get name(): string {
    return objectLabel(this.diagKind, this.diagId);
  }

  /** `<Semaphore 'name' value=2>`. */
  toString(): string {
    return `<${this.diagKind} '${this.name}' value=${Atomics.load(this.cells, VALUE) >> SHIFT}>`;
  }

  #slot = -1;
  #slotIdent = 0;

  /**
   * This thread's holder slot (the word index of its IDENT), taken now if it has none; -1 when
   * the table is full (the holder is then not tracked).
   */
  #slotFor(): number {
    const c = this.cells;
    const me = currentIdent;
    if (this.#slotIdent === me && Atomics.load(c, this.#slot) === me) return this.#slot;
    let at = -1;
    for (let k = 0; k < HOLDER_SLOTS && at < 0; k++)
      if (Atomics.load(c, SLOTS + SLOT_WORDS * k) === me) at = SLOTS + SLOT_WORDS * k;
    if (at < 0) {
      // Counted in before the slot is taken: a thread stopped between the two leaves TRACKED one
      // too high (a needless scan), never too low (a dead holder's slot skipped).
      Atomics.add(c, TRACKED, 1);
      for (let k = 0; k < HOLDER_SLOTS && at < 0; k++) {
        if (Atomics.compareExchange(c, SLOTS + SLOT_WORDS * k, 0, me) === 0) at = SLOTS + SLOT_WORDS * k;
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

  /** Gives up this thread's slot `at` when it holds no permit. */
  #dropIfEmpty(at: number): void {
    const c = this.cells;
    const me = currentIdent;
    if (Atomics.load(c, at + 1) === 0 && Atomics.compareExchange(c, at, me, 0) === me)
      Atomics.sub(c, TRACKED, 1);
  }

  /**
   * VALUE is `v` with XFER set: if the transfer's holder died, reclaims its slot (which
   * completes the transfer); else lets the live holder finish (a few instructions; parks a
   * moment if it was descheduled). Returns VALUE re-read.
   */
  #awaitTransfer(v: number, spins: number): number {
    const c = this.cells;
    const at = SLOTS + SLOT_WORDS * ((v & XFER_MASK) - 1);
    const id = Atomics.load(c, at);
    if (id > 0 && !isThreadAlive(id)) this.#reclaimSlot(at, id);
    else if (spins > SPIN) parkSync(c, VALUE, v, 1);
    return Atomics.load(c, VALUE);
  }

  /**
   * Moves one permit between VALUE and holder slot `at` as a transfer (see "Dead holders"):
   * `dir` −1 takes a permit (fails, returning the VALUE word, when none is free), +1 gives one
   * back (throws, changing nothing, when the count would pass the limit).
   */
  #transfer(at: number, dir: 1 | -1): true | number {
    const c = this.cells;
    const mark = (at - SLOTS) / SLOT_WORDS + 1;
    let v = Atomics.load(c, VALUE);
    for (let spins = 0; ; spins++) {
      if ((v & XFER_MASK) !== 0) {
        v = this.#awaitTransfer(v, spins);
        continue;
      }
      if (dir < 0 && v < ONE) return v;
      if (dir > 0) this.checkRoom(v >> SHIFT, 1);
      // TARGET first: whoever completes this transfer (we, or our reclaimer) stores it in COUNT.
      c[at + 2] = Atomics.load(c, at + 1) - dir;
      const prev = Atomics.compareExchange(c, VALUE, v, v + dir * ONE + mark);
      if (prev === v) {
        Atomics.store(c, at + 1, c[at + 2] as number);
        Atomics.sub(c, VALUE, mark);
        return true;
      }
      v = prev;
    }
  }

  /** The disposal of a hold: gives the permit back as a transfer (untracked: a plain release). */
  #giveBack(): void {
    const c = this.cells;
    const me = currentIdent;
    const at = this.#slotIdent === me && Atomics.load(c, this.#slot) === me ? this.#slot : this.#find(me);
    if (at < 0 || Atomics.load(c, at + 1) === 0) {
      this.release();
      return;
    }
    this.#transfer(at, 1);
    if (Atomics.load(c, WAITERS) !== 0) unpark(c, VALUE, 1);
    // The slot stays this thread's (COUNT 0) for its next hold; reclaimed once the thread ends.
  }

  #find(ident: number): number {
    for (let k = 0; k < HOLDER_SLOTS; k++)
      if (Atomics.load(this.cells, SLOTS + SLOT_WORDS * k) === ident) return SLOTS + SLOT_WORDS * k;
    return -1;
  }

  /** Gives back the permits of holders whose thread has ended. */
  #reclaim(): void {
    const c = this.cells;
    if (Atomics.load(c, TRACKED) === 0) return;
    for (let k = 0; k < HOLDER_SLOTS; k++) {
      const at = SLOTS + SLOT_WORDS * k;
      const id = Atomics.load(c, at);
      if (id > 0 && !isThreadAlive(id)) this.#reclaimSlot(at, id);
    }
  }

  /**
   * Reclaims the slot `at` of the dead thread `id`: completes its transfer in progress (if
   * XFER names it), gives its COUNT back to VALUE and frees the slot. One reclaimer wins the
   * slot (CAS IDENT id → -1); others return at once.
   */
  #reclaimSlot(at: number, id: number): void {
    const c = this.cells;
    if (Atomics.compareExchange(c, at, id, -1) !== id) return;
    const mark = (at - SLOTS) / SLOT_WORDS + 1;
    let v = Atomics.load(c, VALUE);
    while ((v & XFER_MASK) === mark) {
      // The holder died mid-transfer: its COUNT becomes TARGET (perhaps again), then clear XFER.
      Atomics.store(c, at + 1, c[at + 2] as number);
      const prev = Atomics.compareExchange(c, VALUE, v, v - mark);
      if (prev === v) break;
      v = prev;
    }
    const n = Atomics.exchange(c, at + 1, 0);
    Atomics.store(c, at, 0);
    Atomics.sub(c, TRACKED, 1);
    if (n > 0) {
      Atomics.add(c, RECLAIMED, n);
      // Given back even past a BoundedSemaphore's ceiling? Never: these permits were taken from it.
      Atomics.add(c, VALUE, n * ONE);
      unpark(c, VALUE, n);
    }
  }

  /** A waiter's attempt: take a permit, or reclaim dead holders' permits and try again. */
  readonly #attempt = (): true | number => this.#attemptAt(-1);

  /** As {@link #attempt}, for a hold recorded in slot `at` (≥ 0). */
  #attemptAt(at: number): true | number {
    if (this.#try(at) === true) return true;
    this.#reclaim();
    return this.#try(at);
  }

  /**
   * Takes a permit if one is free: for a hold (`at` ≥ 0) by a transfer into its slot, else by
   * one CAS. Returns true, or the VALUE word to park on.
   */
  #try(at = -1): true | number {
    const c = this.cells;
    if (at >= 0) {
      // Another task of this thread may have given the slot up while this one waited.
      if (Atomics.load(c, at) !== currentIdent) at = this.#slotFor();
      if (at >= 0) return this.#transfer(at, -1);
    }
    let v = Atomics.load(c, VALUE);
    while (v >= ONE) {
      const prev = Atomics.compareExchange(c, VALUE, v, v - ONE);
      if (prev === v) return true;
      v = prev;
    }
    return v;
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
    const { timeout, signal } = parseWait(options, 'Semaphore.acquire()');
    if (signal?.aborted) throw signal.reason;
    if (this.#attemptAt(at) === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    Atomics.add(c, WAITERS, 1);
    try {
      return await parkUntil(
        c,
        VALUE,
        at < 0 ? this.#attempt : () => this.#attemptAt(at),
        timeout,
        signal,
        POLL_MS,
        this,
        'acquire',
      );
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

  /** The blocking acquire, for a hold recorded in slot `at` when ≥ 0. */
  #acquireSyncAt(options: AcquireArg, at: number): boolean {
    const { timeout, signal } = parseWait(options, 'Semaphore.acquireSync()');
    if (signal?.aborted) throw signal.reason;
    if (this.#attemptAt(at) === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    for (let i = 0; i < SPIN; i++) if (Atomics.load(c, VALUE) >= ONE && this.#try(at) === true) return true;
    Atomics.add(c, WAITERS, 1);
    try {
      return parkUntilSync(
        c,
        VALUE,
        at < 0 ? this.#attempt : () => this.#attemptAt(at),
        timeout,
        POLL_MS,
        this,
        'acquireSync',
      );
    } finally {
      Atomics.sub(c, WAITERS, 1);
    }
  }

  /** Checks a release count; returns it. */
  protected checkN(n: number): number {
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new TypeError(`release(n): n must be an integer, got ${String(n)}`);
    if (n < 1) throw new ValueError(`release(n): n must be one or more, got ${n}`);
    this.checkRoom(0, n);
    return n;
  }

  /**
   * Throws, before anything changes, when `v` permits plus `n` more would pass what the
   * semaphore may hold: 2²⁵ − 1 (RangeError); BoundedSemaphore: its initial value.
   */
  protected checkRoom(v: number, n: number): void {
    if (n > MAX_PERMITS - v) {
      throw new RangeError(
        `release(${n}): ${v} + ${n} permits would exceed ${MAX_PERMITS}, the most a semaphore holds ` +
          '(its count lives in part of one shared int32 word); nothing was released',
      );
    }
  }

  /**
   * Adds `n` permits in one compare-exchange, after {@link checkRoom} on the count it replaces,
   * so a release that does not fit changes nothing.
   */
  #addPermits(n: number): void {
    const c = this.cells;
    let v = Atomics.load(c, VALUE);
    for (;;) {
      this.checkRoom(v >> SHIFT, n);
      const prev = Atomics.compareExchange(c, VALUE, v, v + n * ONE);
      if (prev === v) return;
      v = prev;
    }
  }

  /**
   * Returns `n` permits and wakes up to `n` waiters. Python: `release(n=1)`. Never blocks.
   * @throws ValueError when n < 1 (BoundedSemaphore: also when it would exceed the initial value);
   *   RangeError when the count would exceed 2²⁵ − 1 (nothing is released then).
   */
  release(n = 1): void {
    this.#addPermits(this.checkN(n));
    const c = this.cells;
    if (Atomics.load(c, WAITERS) !== 0) unpark(c, VALUE, n);
  }

  /**
   * Permits available now (a snapshot), after giving back those of holders whose thread ended
   * (see "dead holders"). Python's private `_value`.
   */
  get value(): number {
    this.#reclaim();
    return Atomics.load(this.cells, VALUE) >> SHIFT;
  }

  /** How many acquirers are waiting now (a snapshot). */
  get waiting(): number {
    return Atomics.load(this.cells, WAITERS);
  }

  /** True when no permit is free (so `acquire` would wait), after reclaiming dead holders' permits. */
  locked(): boolean {
    this.#reclaim();
    return Atomics.load(this.cells, VALUE) < ONE;
  }

  /**
   * Takes a permit and returns a Disposable that gives it back: `using _ = await sem.hold()` is
   * Python's `with sem:`. The permit is recorded as this thread's, so it is recovered if the
   * thread dies holding it.
   * @throws RuntimeError (rejects) when a timeout ran out or `blocking: false` found no permit.
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

  /**
   * Blocking twin of {@link hold}: `using _ = sem.holdSync()`.
   * @throws RuntimeError when a timeout ran out or `blocking: false` found no permit.
   */
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
  protected get tag(): 'skein.Semaphore' | 'skein.BoundedSemaphore' {
    return 'skein.Semaphore';
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    const name = this.tag.slice(6);
    refuseProcess(destination, `a threading ${name}`, 'no shared memory there', `manager.${name}()`);
    return { tag: this.tag, data: this.cells.buffer };
  }
}

registerSharedType('skein.Semaphore', (data) => reviving(data, () => new Semaphore()));
