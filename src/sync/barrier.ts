/**
 * `Barrier`: Python's `threading.Barrier` on shared memory, following CPython's state machine.
 *
 * ## Memory layout (Int32Array over 16 bytes), all words guarded by the internal Condition's Lock
 *
 * ```
 * word 0  STATE    FILLING 0 | DRAINING 1 | RESETTING -1 | BROKEN -2
 * word 1  COUNT    threads/tasks inside wait() of the current cycle
 * word 2  PARTIES  the constructor's parties (written once)
 * ```
 *
 * A cycle: waiters arrive while FILLING, each taking index COUNT++; the last one runs the
 * action and switches to DRAINING, which releases the others; as each leaves, COUNT--, and
 * the last to leave switches back to FILLING (or finishes a RESETTING). Arrivals during
 * DRAINING/RESETTING wait for the previous cycle to drain first. A timeout, abort, failing
 * action or `abort()` switches to BROKEN: every waiter then throws BrokenBarrierError, until
 * `reset()`. All words are plain reads/writes made while holding the internal lock; waiting
 * is the Condition's (see `./condition.ts` for its no-lost-wake-up protocol).
 *
 * The action runs in the last thread to arrive, so it is shipped like a thread's target: an
 * inline function (sent as source text, self-contained) or a module task. In the thread that
 * created the barrier the original function runs.
 *
 * @module
 */

import { BrokenBarrierError, ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import {
  type Destination,
  kShare,
  registerSharedType,
  reviveSharedSync,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import type { AnyFunction, TaskRef, TaskSpec } from '../core/task.js';
import { toTaskSpec } from '../core/task.js';
import { loadTask } from '../core/task-loader.js';
import { checkTimeout, parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import { Condition } from './condition.js';
import { Lock } from './lock.js';
import { reviving, takeRevived } from './revive.js';

const TAG = 'skein.Barrier';
const STATE = 0;
const COUNT = 1;
const PARTIES = 2;
const FILLING = 0;
const DRAINING = 1;
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
}

/** The keys of {@link BarrierOptions}. */
export const BARRIER_KEYS: readonly string[] = ['action', 'timeout'];

interface BarrierData {
  cells: SharedArrayBuffer;
  cond: SharedDescriptor;
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
export class Barrier {
  readonly #cells: Int32Array;
  readonly #cond: Condition;
  readonly #spec: TaskSpec | undefined;
  readonly #timeout: number | undefined;
  #action: AnyFunction | undefined;

  /**
   * @param parties how many must call `wait()` for it to release them (≥ 1).
   * @throws ValueError when parties < 1; TypeError for a bad action; RangeError for a bad timeout.
   */
  constructor(parties: number, options: BarrierOptions = {}) {
    const revived = takeRevived<{ data: BarrierData; cond: Condition }>();
    if (revived) {
      this.#cells = new Int32Array(revived.data.cells);
      this.#cond = revived.cond;
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
    this.#cells = new Int32Array(new SharedArrayBuffer(16));
    this.#cells[PARTIES] = parties;
    this.#cond = new Condition(new Lock());
  }

  /** How many must arrive to release a cycle. Python: `parties`. */
  get parties(): number {
    return this.#cells[PARTIES] as number;
  }

  /** How many are waiting in the current cycle (a snapshot). Python: `n_waiting`. */
  get nWaiting(): number {
    return Atomics.load(this.#cells, STATE) === FILLING ? Atomics.load(this.#cells, COUNT) : 0;
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

  #break(): void {
    Atomics.store(this.#cells, STATE, BROKEN);
    this.#cond.notifyAll();
  }

  #exit(): void {
    const c = this.#cells;
    if (c[COUNT] === 0 && (c[STATE] === RESETTING || c[STATE] === DRAINING)) {
      Atomics.store(c, STATE, FILLING);
      this.#cond.notifyAll();
    }
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
    const cond = this.#cond;
    await cond.acquire();
    try {
      // Enter: wait out a previous cycle's draining or resetting.
      while (c[STATE] === DRAINING || c[STATE] === RESETTING) await cond.wait();
      if (c[STATE] === BROKEN) throw this.#brokenError();
      const index = c[COUNT] as number;
      Atomics.store(c, COUNT, index + 1);
      try {
        if (index + 1 === c[PARTIES]) {
          try {
            const action = await this.#loadAction();
            if (action) await action();
            Atomics.store(c, STATE, DRAINING);
            cond.notifyAll();
          } catch (err) {
            this.#break();
            throw err;
          }
        } else {
          let ok: unknown;
          try {
            ok = await cond.waitFor(() => c[STATE] !== FILLING, { timeout, signal });
          } catch (err) {
            this.#break();
            throw err;
          }
          if (!ok) {
            this.#break();
            throw this.#brokenError();
          }
          if ((c[STATE] as number) < 0) throw this.#brokenError();
        }
        return index;
      } finally {
        Atomics.store(c, COUNT, (c[COUNT] as number) - 1);
        this.#exit();
      }
    } finally {
      cond.release();
    }
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
    const cond = this.#cond;
    cond.acquireSync();
    try {
      while (c[STATE] === DRAINING || c[STATE] === RESETTING) cond.waitSync();
      if (c[STATE] === BROKEN) throw this.#brokenError();
      const index = c[COUNT] as number;
      Atomics.store(c, COUNT, index + 1);
      try {
        if (index + 1 === c[PARTIES]) {
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
            Atomics.store(c, STATE, DRAINING);
            cond.notifyAll();
          } catch (err) {
            this.#break();
            throw err;
          }
        } else {
          const ok = cond.waitForSync(() => c[STATE] !== FILLING, { timeout, signal });
          if (!ok) {
            this.#break();
            throw this.#brokenError();
          }
          if ((c[STATE] as number) < 0) throw this.#brokenError();
        }
        return index;
      } finally {
        Atomics.store(c, COUNT, (c[COUNT] as number) - 1);
        this.#exit();
      }
    } finally {
      cond.release();
    }
  }

  /**
   * Returns the barrier to its empty state; current waiters get BrokenBarrierError. Python:
   * `reset()`. Blocks only briefly (takes the internal lock).
   */
  reset(): void {
    const c = this.#cells;
    this.#cond.acquireSync();
    try {
      if ((c[COUNT] as number) > 0) {
        if (c[STATE] === FILLING || c[STATE] === BROKEN) Atomics.store(c, STATE, RESETTING);
      } else {
        Atomics.store(c, STATE, FILLING);
      }
      this.#cond.notifyAll();
    } finally {
      this.#cond.release();
    }
  }

  /** Breaks the barrier: current and future waiters get BrokenBarrierError until `reset()`. Python: `abort()`. */
  abort(): void {
    this.#cond.acquireSync();
    try {
      this.#break();
    } finally {
      this.#cond.release();
    }
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    if (destination === 'process') {
      throw new TypeError(
        'a threading Barrier cannot be sent to a process (no shared memory there); use manager.Barrier()',
      );
    }
    const data: BarrierData = {
      cells: this.#cells.buffer as SharedArrayBuffer,
      cond: this.#cond[kShare](destination),
      action: this.#spec,
      timeout: this.#timeout,
    };
    return { tag: TAG, module: import.meta.url, data };
  }
}

registerSharedType(TAG, (raw) => {
  const data = raw as BarrierData;
  const cond = reviveSharedSync(data.cond) as Condition;
  return reviving({ data, cond }, () => new Barrier(1));
});
