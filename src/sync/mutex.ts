/**
 * The mechanism under {@link Lock} and {@link RLock}: a mutex on one SharedArrayBuffer whose
 * lock word *is* the owner's ident, parked on with `src/sync/park.ts`.
 *
 * ## Memory layout (Int32Array over a 128-byte SharedArrayBuffer)
 *
 * ```
 * word 0  OWNER    0 = free, else  ident | CONTENDED?               (CAS by acquirers and waiters,
 *                  bits 0–29: the holder's ident                      exchange with 0 by the releaser;
 *                  bit 30 CONTENDED: someone may be parked            also the word waiters park on)
 * word 2  COUNT    recursion level (RLock only; plain reads/writes, by the owner only)
 * word 3  DIED     ident of the dead thread this hold was taken over from, else 0
 *                  (plain write by the new owner right after it acquired)
 * word 4  ID       object id for names and dumps (`core/wait-table.ts`; written once, before
 *                  the lock is shared)
 * word 16 WAITERS  acquirers parked or about to park (Atomics.add ±1 by each waiter; read only
 *                  by observers, `lock.waiting`). On its own cache line, so that waiters
 *                  counting themselves do not slow down the lock word.
 * ```
 *
 * ## Invariants
 * - OWNER ≠ 0 exactly while someone holds the lock; one compare-exchange both takes the lock and
 *   records who took it, so `lock.owner` is never stale relative to `locked()`.
 * - The CONTENDED bit (Drepper's "locked, maybe waiters" state, in the same word as the owner):
 *   a waiter sets it with a CAS before it parks, and a woken waiter that takes the lock takes it
 *   with the bit set (others may still sleep). The releaser exchanges the word with 0 and wakes
 *   one waiter only when the old value had the bit — so an uncontended release is one atomic op,
 *   like a raw futex lock's.
 * - No lost wake-up: a waiter parks with the exact value it CASed in (`ident | CONTENDED`) as
 *   `expected`; a release between that CAS and the park changes the word, so the park returns
 *   at once. A woken waiter always makes one more attempt (which either takes the lock or sets
 *   the bit again) before it may give up on a timeout, and an aborted async waiter wakes all
 *   (park.ts), so a wake-up is never swallowed by a leaving waiter.
 * - COUNT and DIED belong to the holder: written only between its acquiring CAS and its
 *   releasing exchange. Those are sequentially consistent atomics, which order the plain
 *   writes for the next owner.
 *
 * ## Orderings
 * JavaScript's `Atomics` operations are all sequentially consistent; the choice per access is
 * between an atomic op and a plain one. Atomic: every access to OWNER by a thread that does
 * not (yet) own the lock, the releasing exchange, and WAITERS. Plain: COUNT and DIED (owner-only,
 * ordered for the next owner by the CAS and exchange that bracket each hold) and RLock's
 * ownership check in `release` (a thread reads its own last write coherently, so it can never
 * see its own ident in a word it does not own). Plain accesses matter: `Atomics.load` costs
 * several ns in V8 where a plain read costs one, and a plain *store* just before the releasing
 * exchange makes the CPU drain its store buffer — so stores are skipped when the value is unchanged.
 *
 * ## Spinning
 * A `…Sync` acquirer re-reads the word a bounded {@link SPIN} times before parking (well under
 * a microsecond). Measured on 2 busy cores, longer spinning only made two workers fight over
 * the cache line (2 workers × 1M increments got slower with 100 spins than with none), so the
 * spin is short. An async acquirer does not spin: it would block its event loop.
 *
 * ## Dead holders (the robustness model)
 * Threads end when their target settles or their isolate dies (a throw, `process.exit`,
 * `terminate`); the thread host then marks the ident ended in the process-wide liveness
 * bitmap (`core/identity.ts`). A lock still held by an ended thread is **abandoned**. Waiters
 * park in slices of at most {@link POLL_MS} ms and, on each turn, check whether OWNER names an
 * ended thread; if so one of them takes the lock over with a CAS from the dead ident to its
 * own — the acquisition succeeds (returns true), as a pthread robust mutex returns
 * `EOWNERDEAD`, and the new holder can tell from {@link Mutex.ownerDied} (the dead ident) that
 * the data the lock protects may be half-updated. For an RLock the recursion level restarts
 * at 1. Consequence (documented difference from Python): handing a `Lock` over by acquiring
 * it in one thread and releasing it in another only works while the acquiring thread runs.
 *
 * @module
 */
import { DeadlockError, RuntimeError } from '../core/errors.js';
import { currentIdent, isThreadAlive } from '../core/identity.js';
import { checkOptions } from '../core/options.js';
import type { BlockingWaitOptions } from '../core/wait-options.js';
import { parseWait } from '../core/wait-options.js';
import { newObjectId, objectLabel, threadName } from '../core/wait-table.js';
import { parkUntil, parkUntilSync, unpark } from './park.js';
import { takeRevived } from './revive.js';
import type { WaitSubject } from './watch.js';

/** Options of the Lock and RLock constructors. */
export interface LockOptions {
  /** A name shown in thread dumps, deadlock reports and `toString()` (default `Lock#<id>`). */
  name?: string;
}

/** Word indexes, see the module comment. */
export const OWNER = 0;
export const WAITERS = 16;
export const COUNT = 2;
export const DIED = 3;
export const ID = 4;
/** The CONTENDED bit of the OWNER word, and the mask of its ident bits. */
export const CONTENDED = 0x40000000;
export const IDENT_MASK = 0x3fffffff;

/** Bounded spin of a `…Sync` acquirer before it parks. */
export const SPIN = 20;
/** Longest park slice of a waiter, so it notices a dead holder within this many ms. */
export const POLL_MS = 50;

/** What a wait argument can be: a timeout in ms, or `{ blocking, timeout, signal }`. */
export type AcquireArg = number | BlockingWaitOptions | undefined;

/** The saved state of a fully released mutex (Python's `_release_save`), for Condition. */
export type SavedState = number;

const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);

/**
 * Condition's hooks into a lock (Python's `_is_owned`, `_release_save`, `_acquire_restore`),
 * keyed by symbols so they stay off the public surface. @internal
 */
export const kIsOwned: unique symbol = Symbol('skein.isOwned');
/** @internal */
export const kReleaseSave: unique symbol = Symbol('skein.releaseSave');
/** @internal */
export const kAcquireRestore: unique symbol = Symbol('skein.acquireRestore');
/** @internal */
export const kAcquireRestoreSync: unique symbol = Symbol('skein.acquireRestoreSync');

/** What `hold()`/`holdSync()` return: disposing it releases the lock (one per lock, reused). */
class Held implements Disposable {
  readonly #mutex: { release(): void };
  constructor(mutex: { release(): void }) {
    this.#mutex = mutex;
  }
  [Symbol.dispose](): void {
    this.#mutex.release();
  }
}

/**
 * The common face of Lock and RLock. Not exported from skein's entries (its subclasses are);
 * see {@link Lock} and {@link RLock}.
 */
export abstract class Mutex implements WaitSubject {
  /** The shared words; see the module comment. */
  protected readonly cells: Int32Array;
  /** True for RLock. */
  protected readonly reentrant: boolean;
  readonly #disposable: Disposable;
  /** @internal */
  readonly diagId: number;

  /** @param reentrant true for RLock (set here, first, so Lock and RLock objects share one layout). */
  protected constructor(reentrant: boolean, options?: LockOptions) {
    this.reentrant = reentrant;
    const revived = takeRevived<SharedArrayBuffer>();
    this.cells = new Int32Array(revived ?? new SharedArrayBuffer(128));
    if (revived === undefined) {
      const name = checkName(options, reentrant ? 'RLock' : 'Lock');
      this.cells[ID] = newObjectId(name);
    }
    this.diagId = this.cells[ID] as number;
    this.#disposable = new Held(this);
  }

  /** @internal */
  get diagKind(): 'Lock' | 'RLock' {
    return this.reentrant ? 'RLock' : 'Lock';
  }

  /** @internal The holder, for deadlock detection. */
  diagOwners(): readonly number[] {
    const o = Atomics.load(this.cells, OWNER) & IDENT_MASK;
    return o === 0 ? [] : [o];
  }

  /** The lock's name: the one it was created with, or `Lock#<id>` (the same in every thread). */
  get name(): string {
    return objectLabel(this.diagKind, this.diagId);
  }

  /** `<Lock 'name' unlocked>` or `<Lock 'name' locked by Thread-2 (ident 3)>`. */
  toString(): string {
    const o = this.owner;
    return `<${this.diagKind} '${this.name}' ${o === null ? 'unlocked' : `locked by ${threadName(o)} (ident ${o})`}>`;
  }

  /** The shared memory of this lock (what crosses into other threads). */
  protected get buffer(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  /** Bookkeeping of the new holder right after its acquiring CAS. */
  #acquired(died: number): void {
    const c = this.cells;
    // Plain stores only when the value changes: a store followed by the next atomic
    // read-modify-write makes the CPU drain its store buffer (measurably slower on x86).
    if (this.reentrant && c[COUNT] !== 1) c[COUNT] = 1;
    if (c[DIED] !== died) c[DIED] = died;
  }

  /** First attempt (not yet a waiter): take a free lock, or recurse into an RLock we own. */
  #try(me: number): true | number {
    const c = this.cells;
    const cur = Atomics.compareExchange(c, OWNER, 0, me);
    if (cur === 0) {
      this.#acquired(0);
      return true;
    }
    if (this.reentrant && (cur & IDENT_MASK) === me) {
      c[COUNT] = (c[COUNT] as number) + 1;
      return true;
    }
    return cur;
  }

  /**
   * A waiter's attempt: take the lock (marked CONTENDED: others may sleep), recurse, take over a
   * dead holder's, or mark the word CONTENDED; returns the word's value to park on.
   */
  #tryAsWaiter(me: number): true | number {
    const c = this.cells;
    for (;;) {
      const cur = Atomics.load(c, OWNER);
      if (cur === 0) {
        if (Atomics.compareExchange(c, OWNER, 0, me | CONTENDED) === 0) {
          this.#acquired(0);
          return true;
        }
        continue;
      }
      const who = cur & IDENT_MASK;
      if (who === me) {
        if (this.reentrant) {
          c[COUNT] = (c[COUNT] as number) + 1;
          return true;
        }
      } else if (!isThreadAlive(who)) {
        if (Atomics.compareExchange(c, OWNER, cur, me | CONTENDED) === cur) {
          this.#acquired(who);
          return true;
        }
        continue;
      }
      if ((cur & CONTENDED) === 0 && Atomics.compareExchange(c, OWNER, cur, cur | CONTENDED) !== cur)
        continue;
      return cur | CONTENDED;
    }
  }

  /**
   * Acquires the lock, waiting if needed without blocking the event loop. Python: `acquire()`.
   * Resolves true once held; false when `blocking: false` or the timeout ran out first.
   * Rejects with the signal's reason when aborted (already aborted: at once, even if free).
   * @throws TypeError for a wrong argument; RangeError for a negative or NaN timeout.
   */
  acquire(options?: AcquireArg): Promise<boolean> {
    if (options === undefined && Atomics.compareExchange(this.cells, OWNER, 0, currentIdent) === 0) {
      this.#acquired(0);
      return RESOLVED_TRUE;
    }
    return this.#acquireSlow(options);
  }

  async #acquireSlow(options: AcquireArg): Promise<boolean> {
    const { timeout, signal } = parseWait(options, 'acquire()');
    if (signal?.aborted) throw signal.reason;
    const me = currentIdent;
    if (this.#try(me) === true) return true;
    if (timeout === 0) return false;
    const c = this.cells;
    Atomics.add(c, WAITERS, 1);
    try {
      return await parkUntil(
        c,
        OWNER,
        () => this.#tryAsWaiter(me),
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
   * Acquires the lock, blocking this thread (`Atomics.wait`) until it is free. Python's
   * blocking `acquire()`, for worker code in straight-line style. Returns true once held;
   * false when `blocking: false` or the timeout ran out.
   * @throws DeadlockError when waiting without a timeout on a Lock this thread holds itself
   *   (nothing could ever release it); the signal's reason when it is already aborted;
   *   TypeError / RangeError for a bad argument.
   */
  acquireSync(options?: AcquireArg): boolean {
    const c = this.cells;
    const me = currentIdent;
    if (options === undefined && Atomics.compareExchange(c, OWNER, 0, me) === 0) {
      this.#acquired(0);
      return true;
    }
    const { timeout, signal } = parseWait(options, 'acquireSync()');
    if (signal?.aborted) throw signal.reason;
    let seen = this.#try(me);
    if (seen === true) return true;
    if (timeout === 0) return false;
    if ((seen & IDENT_MASK) === me && timeout === Number.POSITIVE_INFINITY) {
      throw new DeadlockError(
        `acquireSync() would wait forever: this thread (ident ${me}) already holds this Lock. ` +
          'Release it first, use an RLock to re-enter, or pass a timeout.',
      );
    }
    for (let i = 0; i < SPIN && (seen & IDENT_MASK) !== me; i++) {
      if (Atomics.load(c, OWNER) === 0) {
        seen = this.#try(me);
        if (seen === true) return true;
      }
    }
    Atomics.add(c, WAITERS, 1);
    try {
      return parkUntilSync(c, OWNER, () => this.#tryAsWaiter(me), timeout, POLL_MS, this, 'acquireSync');
    } finally {
      Atomics.sub(c, WAITERS, 1);
    }
  }

  /**
   * Releases the lock and wakes one waiter. Python: `release()`. Never blocks.
   * @throws RuntimeError when the lock is not held (RLock: not held by this thread).
   */
  release(): void {
    const c = this.cells;
    let prev: number;
    if (this.reentrant) {
      const me = currentIdent;
      // A plain read suffices: if we own the lock only we change its ident bits, and if we
      // do not, our own last write (the release) is what we read, never our ident.
      if (((c[OWNER] as number) & IDENT_MASK) !== me) {
        throw new RuntimeError(
          'cannot release un-acquired RLock: this thread does not hold it (an RLock is released by the thread that acquired it)',
        );
      }
      const n = (c[COUNT] as number) - 1;
      if (n > 0) {
        c[COUNT] = n;
        return;
      }
      // COUNT stays 1 on a free lock (meaningless then; see the plain-store note in #acquired).
      prev = Atomics.exchange(c, OWNER, 0);
    } else {
      prev = Atomics.exchange(c, OWNER, 0);
      if (prev === 0) {
        throw new RuntimeError(
          'release unlocked lock: this Lock is not held; release it only after acquiring it',
        );
      }
    }
    if ((prev & CONTENDED) !== 0) unpark(c, OWNER, 1);
  }

  /** True while some thread holds the lock. Python: `locked()`. */
  locked(): boolean {
    return Atomics.load(this.cells, OWNER) !== 0;
  }

  /** The ident of the thread holding the lock, or null when it is free (a snapshot). */
  get owner(): number | null {
    return Atomics.load(this.cells, OWNER) & IDENT_MASK || null;
  }

  /** How many acquirers are waiting for the lock now (a snapshot). */
  get waiting(): number {
    return Atomics.load(this.cells, WAITERS);
  }

  /**
   * For the current holder: the ident of the dead thread whose abandoned hold this acquisition
   * took over (the protected data may be inconsistent), or null after an ordinary acquisition.
   * See "dead holders" in the module overview.
   */
  get ownerDied(): number | null {
    return this.cells[DIED] || null;
  }

  /**
   * Acquires the lock and returns a Disposable that releases it: `using _ = await lock.hold()`
   * is Python's `with lock:`. Takes the same argument as {@link acquire}.
   * @throws RuntimeError (rejects) when a timeout ran out or `blocking: false` found it taken.
   */
  async hold(options?: AcquireArg): Promise<Disposable> {
    if (!(await this.acquire(options))) {
      throw new RuntimeError('hold(): the lock could not be acquired (timed out or not blocking)');
    }
    return this.#disposable;
  }

  /**
   * Blocking twin of {@link hold}: `using _ = lock.holdSync()`.
   * @throws DeadlockError as {@link acquireSync}; RuntimeError when the timeout ran out.
   */
  holdSync(options?: AcquireArg): Disposable {
    if (options === undefined && Atomics.compareExchange(this.cells, OWNER, 0, currentIdent) === 0) {
      this.#acquired(0);
      return this.#disposable;
    }
    if (!this.acquireSync(options)) {
      throw new RuntimeError('holdSync(): the lock could not be acquired (timed out or not blocking)');
    }
    return this.#disposable;
  }

  /** Runs `fn` while holding the lock, releasing it however `fn` ends; resolves with its result. */
  async run<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** True when this thread holds the lock (Python's `_is_owned`). @internal */
  [kIsOwned](): boolean {
    return (Atomics.load(this.cells, OWNER) & IDENT_MASK) === currentIdent;
  }

  /** Fully releases the lock, returning what `kAcquireRestore…` needs. @internal */
  [kReleaseSave](): SavedState {
    const saved = this.reentrant ? (this.cells[COUNT] as number) : 1;
    if (this.reentrant) this.cells[COUNT] = 1;
    this.release();
    return saved;
  }

  /** Re-acquires after `kReleaseSave` (blocking). @internal */
  [kAcquireRestoreSync](saved: SavedState): void {
    const c = this.cells;
    const me = currentIdent;
    Atomics.add(c, WAITERS, 1);
    try {
      parkUntilSync(
        c,
        OWNER,
        () => this.#tryAsWaiter(me),
        Number.POSITIVE_INFINITY,
        POLL_MS,
        this,
        'Condition.waitSync (re-acquiring its lock)',
      );
    } finally {
      Atomics.sub(c, WAITERS, 1);
    }
    if (this.reentrant) c[COUNT] = saved;
  }

  /** Re-acquires after `kReleaseSave` (async, not abortable). @internal */
  async [kAcquireRestore](saved: SavedState): Promise<void> {
    await this.acquire();
    if (this.reentrant) this.cells[COUNT] = saved;
  }
}

/** The keys of {@link LockOptions}. */
export const NAME_KEYS: readonly string[] = ['name'];

/**
 * Checks a constructor's `{ name }` option; returns the name.
 * @throws TypeError when the options are not an object or the name not a string.
 * @internal
 */
export function checkName(options: unknown, cls: string): string | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `new ${cls}(options): options must be an object like { name: 'fork' }, got ${String(options)}`,
    );
  }
  checkOptions(`new ${cls}()`, options, NAME_KEYS);
  const name = (options as { name?: unknown }).name;
  if (name !== undefined && typeof name !== 'string') {
    throw new TypeError(`new ${cls}({ name }): name must be a string, got ${typeof name}`);
  }
  return name;
}
