/**
 * `Barrier`: Python's `threading.Barrier` on shared memory, following CPython's state machine.
 *
 * ## Memory layout (Int32Array over 24 + 4 × parties bytes)
 *
 * ```
 * word 0  STATE    FILLING 0 | DRAINING 1 | ACTION 2 | RESETTING -1 | BROKEN -2   (under LOCK)
 * word 1  COUNT    threads/tasks inside wait() of the current cycle                (under LOCK)
 * word 2  PARTIES  the constructor's parties (written once)
 * word 3  GEN      bumped (Atomics.add) under LOCK after every STATE change that waiters wait
 *                  for, then every waiter is woken; waiters park on it
 * word 4  SEEN     the process's count of ended threads when dead parties were last looked for
 *                  (under LOCK)
 * word 5  ID       object id for names and dumps (`core/wait-table.ts`; written once)
 * words 6 + i      the ident of the party that arrived with index i and has not left yet, or 0
 *                  (under LOCK)
 * ```
 * LOCK is an internal {@link Lock} (robust: a dead holder's hold is taken over, see `mutex.ts`).
 *
 * A cycle: waiters arrive while FILLING, each taking index COUNT++; the last one switches to
 * ACTION, runs the action, then switches to DRAINING, which releases the others; as each leaves,
 * COUNT--, and the last to leave switches back to FILLING (or finishes a RESETTING). Arrivals
 * during DRAINING/ACTION/RESETTING wait for the previous cycle to drain first. A timeout, abort,
 * failing action or `abort()` switches to BROKEN: every waiter then throws BrokenBarrierError,
 * until `reset()`.
 *
 * **No critical section spans an `await`.** Every section under LOCK is synchronous and short
 * (a few word updates), and every caller — async ones included — takes LOCK with `acquireSync`.
 * Waiting happens outside LOCK, parked on GEN with futex discipline: a waiter reads GEN, then
 * STATE, and parks expecting the GEN it read; a state change bumps GEN after writing STATE, so a
 * change between the read and the park makes the park return at once (no lost wake-up). The
 * action too runs outside LOCK (state ACTION keeps the cycle closed meanwhile). Hence `abort()`
 * and `reset()`, which take LOCK synchronously, never meet a LOCK held by an async task of their
 * own thread (which would be a DeadlockError) and never wait longer than another thread's short
 * section. An `abort()` or `reset()` during the action breaks that cycle: the action's caller
 * then gets BrokenBarrierError too.
 *
 * **A party stopped mid-wait** (a pool task's timeout, `terminate()`, a crash, out of memory):
 * LOCK is robust, and each party records its ident under its index in the same section that
 * counts it in COUNT, and clears it in the section that counts it out. Whoever takes LOCK next
 * — a party arriving, a party waiting out a previous cycle (it parks in slices of `POLL_MS`),
 * `reset()`, `abort()` — first looks for dead parties when the process's count of ended
 * threads changed since the last look (`core/identity.ts`): it clears their records and sets
 * COUNT to the live parties recorded. A party that died while the cycle was filling can never
 * arrive: the barrier breaks, as when a wait times out, and `reset()` makes it usable again.
 * One that died after the cycle was released simply no longer holds the drain up.
 *
 * The action runs in the last thread to arrive, so it is shipped like a thread's target: an
 * inline function (sent as source text, self-contained) or a module task. In the thread that
 * created the barrier the original function runs.
 *
 * @module
 */

import { BrokenBarrierError, ValueError } from '../core/errors.js';
import { currentIdent, endedCount, isThreadAlive } from '../core/identity.js';
import { checkOptions } from '../core/options.js';
import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  reviveSharedSync,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import type { AnyFunction, TaskRef, TaskSpec } from '../core/task.js';
import { toTaskSpec } from '../core/task.js';
import { loadTask } from '../core/task-loader.js';
import { checkTimeout, parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import { newObjectId, objectLabel } from '../core/wait-table.js';
import { Lock } from './lock.js';
import { checkName, POLL_MS } from './mutex.js';
import { parkUntil, parkUntilSync, unpark } from './park.js';
import { reviving, takeRevived } from './revive.js';
import type { WaitSubject } from './watch.js';

const TAG = 'skein.Barrier';
const STATE = 0;
const COUNT = 1;
const PARTIES = 2;
const GEN = 3;
const SEEN = 4;
const ID = 5;
const IDENTS = 6;
const FILLING = 0;
const DRAINING = 1;
const ACTION = 2;
const RESETTING = -1;
const BROKEN = -2;

/** Options of a {@link Barrier}. */
export interface BarrierOptions {
  /**
   * Called once per cycle, by the last thread to arrive, before the others are released.
   * An inline function (self-contained: it is sent as source text) or a module task.
   */
  action?: (() => unknown) | TaskRef<() => unknown> | undefined;
  /** Default timeout in ms of every `wait` that does not give its own (none by default). */
  timeout?: number | undefined;
  /** A name shown in thread dumps and `toString()` (default `Barrier#<id>`). */
  name?: string | undefined;
}

/** The keys of {@link BarrierOptions}. */
export const BARRIER_KEYS: readonly string[] = ['action', 'timeout', 'name'];

interface BarrierData {
  cells: SharedArrayBuffer;
  lock: SharedDescriptor;
  action: TaskSpec | undefined;
  timeout: number | undefined;
}

/**
 * A rendezvous for a fixed number of threads or tasks: each `wait()` blocks until `parties`
 * of them have called it, then all are released together. Python:
 * `threading.Barrier(parties, action=None, timeout=None)`.
 *
 * `wait()` resolves with an index from 0 to parties−1, distinct for each party of a cycle. If
 * a wait times out or is aborted, or the action throws, or `abort()` is called, the barrier is
 * broken: every current and future waiter gets {@link BrokenBarrierError} until `reset()`.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3, { timeout: 5000 });
 * const i = await barrier.wait();   // in each of three threads
 * ```
 */
export class Barrier implements WaitSubject {
  readonly #cells: Int32Array;
  readonly #lock: Lock;
  readonly #spec: TaskSpec | undefined;
  readonly #timeout: number | undefined;
  #action: AnyFunction | undefined;

  /**
   * @param parties how many must call `wait()` for it to release them (≥ 1).
   * @throws ValueError when parties < 1; TypeError for a bad action; RangeError for a bad timeout.
   */
  constructor(parties: number, options: BarrierOptions = {}) {
    const revived = takeRevived<{ data: BarrierData; lock: Lock }>();
    if (revived) {
      this.#cells = new Int32Array(revived.data.cells);
      this.#lock = revived.lock;
      this.#spec = revived.data.action;
      this.#timeout = revived.data.timeout;
      return;
    }
    if (typeof parties !== 'number' || !Number.isInteger(parties)) {
      throw new TypeError(`Barrier parties must be an integer, got ${String(parties)}`);
    }
    if (parties < 1) throw new ValueError(`Barrier parties must be >= 1, got ${parties}`);
    checkOptions('Barrier', options, BARRIER_KEYS);
    if (options.timeout !== undefined) checkTimeout(options.timeout);
    this.#timeout = options.timeout;
    if (options.action !== undefined) {
      this.#spec = toTaskSpec(options.action, 'Barrier action');
      if (typeof options.action === 'function') this.#action = options.action;
    }
    const name = checkName({ name: options.name }, 'Barrier');
    this.#cells = new Int32Array(new SharedArrayBuffer(4 * (IDENTS + parties)));
    this.#cells[PARTIES] = parties;
    this.#cells[SEEN] = endedCount();
    const id = newObjectId(name);
    this.#cells[ID] = id;
    this.#lock = new Lock({ name: `${name ?? `Barrier#${id}`}.lock` });
  }

  /** @internal */
  get diagKind(): 'Barrier' {
    return 'Barrier';
  }

  /** @internal */
  get diagId(): number {
    return this.#cells[ID] as number;
  }

  /** The barrier's name: the one it was created with, or `Barrier#<id>` (the same in every thread). */
  get name(): string {
    return objectLabel('Barrier', this.diagId);
  }

  /** `<Barrier 'name' parties=3 waiting=1>`. */
  toString(): string {
    return `<Barrier '${this.name}' parties=${this.parties} waiting=${this.nWaiting}${this.broken ? ' broken' : ''}>`;
  }

  /** How many must arrive to release a cycle. Python: `parties`. */
  get parties(): number {
    return this.#cells[PARTIES] as number;
  }

  /** How many are waiting in the current cycle (a snapshot). Python: `n_waiting`. */
  get nWaiting(): number {
    const st = Atomics.load(this.#cells, STATE);
    return st === FILLING || st === ACTION ? Atomics.load(this.#cells, COUNT) : 0;
  }

  /** True when the barrier is broken. Python: `broken`. */
  get broken(): boolean {
    return Atomics.load(this.#cells, STATE) === BROKEN;
  }

  #timeoutOf(options: number | WaitOptions | undefined): {
    timeout: number;
    signal: AbortSignal | undefined;
  } {
    const parsed = parseWait(options, 'Barrier.wait()', WAIT_KEYS);
    const given =
      typeof options === 'number' || (typeof options === 'object' && options.timeout !== undefined);
    if (!given && this.#timeout !== undefined) parsed.timeout = this.#timeout;
    return parsed;
  }

  #brokenError(): BrokenBarrierError {
    return new BrokenBarrierError(
      'the barrier is broken (a wait timed out or was aborted, the action failed, or abort() was called); reset() it to reuse',
    );
  }

  /**
   * Runs a critical section under LOCK. Synchronous by construction (see the module comment),
   * so no async task ever holds LOCK across an await and no caller waits longer than another
   * thread's few word updates.
   */
  #locked<T>(section: (c: Int32Array) => T): T {
    this.#lock.acquireSync();
    try {
      this.#sweep();
      return section(this.#cells);
    } finally {
      this.#lock.release();
    }
  }

  /** Under LOCK: publishes a STATE change to parked waiters. */
  #changed(state: number): void {
    const c = this.#cells;
    Atomics.store(c, STATE, state);
    Atomics.add(c, GEN, 1);
    unpark(c, GEN);
  }

  /** Under LOCK: party `index` leaves the cycle; the last to leave reopens the barrier. */
  #leave(c: Int32Array, index: number): void {
    c[IDENTS + index] = 0;
    const n = (c[COUNT] as number) - 1;
    Atomics.store(c, COUNT, n);
    this.#reopen(c);
  }

  /** Under LOCK: once the last party of a released cycle has left, the barrier fills again. */
  #reopen(c: Int32Array): void {
    if (c[COUNT] === 0 && (c[STATE] === RESETTING || c[STATE] === DRAINING)) this.#changed(FILLING);
  }

  /**
   * Under LOCK: forgets parties whose thread ended while inside `wait()` (see "A party stopped
   * mid-wait"); breaks a filling cycle that counted one. Cheap when nobody ended since.
   */
  #sweep(): void {
    const c = this.#cells;
    const ended = endedCount();
    if (c[SEEN] === ended) return;
    c[SEEN] = ended;
    const parties = c[PARTIES] as number;
    let live = 0;
    let dead = 0;
    for (let i = 0; i < parties; i++) {
      const id = c[IDENTS + i] as number;
      if (id === 0) continue;
      if (isThreadAlive(id)) live++;
      else {
        c[IDENTS + i] = 0;
        dead++;
      }
    }
    if (dead === 0) return;
    Atomics.store(c, COUNT, live);
    if (c[STATE] === FILLING || c[STATE] === ACTION) this.#changed(BROKEN);
    this.#reopen(c);
  }

  /**
   * A parking attempt that succeeds once `ready(state)`: reads GEN before STATE, and returns the
   * GEN it read to park on (see the module comment).
   */
  #until(ready: (state: number) => boolean): () => true | number {
    return () => {
      const c = this.#cells;
      const gen = Atomics.load(c, GEN);
      return ready(Atomics.load(c, STATE)) ? true : gen;
    };
  }

  readonly #open = this.#until((st) => st !== DRAINING && st !== RESETTING && st !== ACTION);
  readonly #released = this.#until((st) => st !== FILLING && st !== ACTION);

  /**
   * Under LOCK: a party arrives. Returns its index, `-1` when a previous cycle must drain first,
   * and throws BrokenBarrierError on a broken barrier. The last party switches to ACTION.
   */
  #arrive(c: Int32Array): number {
    const st = c[STATE];
    if (st === DRAINING || st === RESETTING || st === ACTION) return -1;
    if (st === BROKEN) throw this.#brokenError();
    const index = c[COUNT] as number;
    c[IDENTS + index] = currentIdent;
    Atomics.store(c, COUNT, index + 1);
    if (index + 1 === c[PARTIES]) Atomics.store(c, STATE, ACTION);
    return index;
  }

  /** Under LOCK, after the action ran (or failed): release the cycle, or report it broken. */
  #afterAction(c: Int32Array, index: number, error: { e: unknown } | undefined): void {
    if (error !== undefined) {
      if (c[STATE] === ACTION) this.#changed(BROKEN);
      this.#leave(c, index);
      throw error.e;
    }
    if (c[STATE] === ACTION) {
      this.#changed(DRAINING);
      this.#leave(c, index);
      return;
    }
    // abort() or reset() ran during the action: this cycle is broken for its caller too.
    this.#leave(c, index);
    throw this.#brokenError();
  }

  /**
   * Under LOCK, after a non-last party's park ended. Decided by STATE alone: once released
   * (DRAINING, RESETTING, BROKEN) a cycle cannot return to FILLING while this party is still
   * counted in it, so a timeout or abort that raced the release loses to it, as in CPython
   * (whose `wait_for` re-checks its predicate under the lock).
   */
  #afterWait(c: Int32Array, index: number, aborted: { e: unknown } | undefined): void {
    const st = c[STATE];
    if (st === FILLING || st === ACTION) {
      // Still not released: this party's timeout or abort breaks the barrier, as in Python.
      this.#changed(BROKEN);
      this.#leave(c, index);
      if (aborted) throw aborted.e;
      throw this.#brokenError();
    }
    this.#leave(c, index);
    if ((st as number) < 0) throw this.#brokenError();
  }

  #loadAction(): AnyFunction | Promise<AnyFunction> | undefined {
    if (this.#action || !this.#spec) return this.#action;
    const loaded = loadTask(this.#spec);
    if (loaded instanceof Promise) return loaded.then((f) => (this.#action = f));
    this.#action = loaded;
    return loaded;
  }

  /**
   * Waits until `parties` have called `wait()`; resolves with this caller's index (0…parties−1).
   * Python: `wait(timeout=None)` (the constructor's timeout applies when none is given).
   * @throws BrokenBarrierError (rejects) when the barrier is or becomes broken — including by this
   *   wait's own timeout or abort (an abort rejects with the signal's reason and breaks it);
   *   the action's error in the thread that ran it.
   */
  async wait(options?: number | WaitOptions): Promise<number> {
    const { timeout, signal } = this.#timeoutOf(options);
    if (signal?.aborted) throw signal.reason;
    const c = this.#cells;
    // Enter: wait out a previous cycle's draining, action or resetting (no timeout, as CPython's
    // `_enter`; an abort here leaves nothing behind: this caller is not a party yet).
    let index = this.#locked((cells) => this.#arrive(cells));
    while (index < 0) {
      // In slices: the previous cycle's last party may have died, which the sweep notices.
      await parkUntil(c, GEN, this.#open, POLL_MS, signal, undefined, this, 'wait');
      index = this.#locked((cells) => this.#arrive(cells));
    }
    if (index + 1 === c[PARTIES]) {
      let error: { e: unknown } | undefined;
      try {
        const action = await this.#loadAction();
        if (action) await action();
      } catch (e) {
        error = { e };
      }
      this.#locked((cells) => this.#afterAction(cells, index, error));
      return index;
    }
    let aborted: { e: unknown } | undefined;
    try {
      await parkUntil(c, GEN, this.#released, timeout, signal, undefined, this, 'wait');
    } catch (e) {
      aborted = { e };
    }
    this.#locked((cells) => this.#afterWait(cells, index, aborted));
    return index;
  }

  /**
   * Blocking twin of {@link wait} (`Atomics.wait`); returns the index.
   * @throws BrokenBarrierError as {@link wait}; TypeError when the action is a module task not
   *   yet loaded in this thread or returns a promise (await `wait()` instead).
   */
  waitSync(options?: number | WaitOptions): number {
    const { timeout, signal } = this.#timeoutOf(options);
    if (signal?.aborted) throw signal.reason;
    const c = this.#cells;
    let index = this.#locked((cells) => this.#arrive(cells));
    while (index < 0) {
      parkUntilSync(c, GEN, this.#open, POLL_MS, undefined, this, 'waitSync');
      index = this.#locked((cells) => this.#arrive(cells));
    }
    if (index + 1 === c[PARTIES]) {
      let error: { e: unknown } | undefined;
      try {
        const action = this.#loadAction();
        if (action instanceof Promise) {
          throw new TypeError(
            'Barrier.waitSync(): the action is a module task not loaded in this thread; use await wait()',
          );
        }
        if (action) {
          const r = action();
          if (r instanceof Promise)
            throw new TypeError('Barrier.waitSync(): the action returned a promise; use await wait()');
        }
      } catch (e) {
        error = { e };
      }
      this.#locked((cells) => this.#afterAction(cells, index, error));
      return index;
    }
    parkUntilSync(c, GEN, this.#released, timeout, undefined, this, 'waitSync');
    this.#locked((cells) => this.#afterWait(cells, index, undefined));
    return index;
  }

  /**
   * Returns the barrier to its empty state; current waiters get BrokenBarrierError. Python:
   * `reset()`. Never fails because a task of this thread is inside `wait()`; blocks at most
   * for another thread's short internal section.
   */
  reset(): void {
    this.#locked((c) => {
      if ((c[COUNT] as number) > 0) {
        const st = c[STATE];
        this.#changed(st === FILLING || st === BROKEN || st === ACTION ? RESETTING : (st as number));
      } else {
        this.#changed(FILLING);
      }
    });
  }

  /**
   * Breaks the barrier: current and future waiters get BrokenBarrierError until `reset()`.
   * Python: `abort()`. Never fails because a task of this thread is inside `wait()`.
   */
  abort(): void {
    this.#locked(() => this.#changed(BROKEN));
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(destination, 'a threading Barrier', 'no shared memory there', 'manager.Barrier()');
    const data: BarrierData = {
      cells: this.#cells.buffer as SharedArrayBuffer,
      lock: this.#lock[kShare](destination),
      action: this.#spec,
      timeout: this.#timeout,
    };
    return { tag: TAG, data };
  }
}

registerSharedType(TAG, (raw) => {
  const data = raw as BarrierData;
  const lock = reviveSharedSync(data.lock) as Lock;
  return reviving({ data, lock }, () => new Barrier(1));
});
