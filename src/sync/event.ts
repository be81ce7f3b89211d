/**
 * `Event`: Python's `threading.Event` on shared memory.
 *
 * Layout (Int32Array over 8 bytes): word 0 FLAG (0/1; stored by `set`/`clear`, parked on by
 * waiters with expected 0), word 1 WAITERS (waiters parked or about to park, Atomics.add ±1).
 * `set` stores 1 and then wakes every waiter; a waiter parks only while it reads 0, so a `set`
 * between its check and its sleep makes the park return at once (no lost wake-up).
 *
 * @module
 */
import {
  type Destination,
  kShare,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import { parkUntil, parkUntilSync, unpark } from './park.js';
import { reviving, takeRevived } from './revive.js';

const TAG = 'skein.Event';
const FLAG = 0;
const WAITERS = 1;

/**
 * A flag that threads and tasks can wait for. Python: `threading.Event`. `set()` wakes every
 * waiter; `clear()` resets the flag; `wait()` returns at once while it is set.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * new Thread({ target: async (e) => { …; e.set(); }, args: [ready] }).start();
 * if (!(await ready.wait(3000))) console.log('timed out');
 * ```
 */
export class Event {
  readonly #cells: Int32Array;

  /** Creates an event whose flag is false. */
  constructor() {
    this.#cells = new Int32Array(takeRevived<SharedArrayBuffer>() ?? new SharedArrayBuffer(8));
  }

  /** True when the flag is set. Python: `is_set()`. */
  isSet(): boolean {
    return Atomics.load(this.#cells, FLAG) !== 0;
  }

  /** Sets the flag and wakes every waiter. Python: `set()`. Never blocks. */
  set(): void {
    Atomics.store(this.#cells, FLAG, 1);
    if (Atomics.load(this.#cells, WAITERS) !== 0) unpark(this.#cells, FLAG);
  }

  /** Resets the flag to false. Python: `clear()`. */
  clear(): void {
    Atomics.store(this.#cells, FLAG, 0);
  }

  /** How many threads or tasks are waiting now (a snapshot). */
  get waiting(): number {
    return Atomics.load(this.#cells, WAITERS);
  }

  readonly #attempt = (): true | number => (Atomics.load(this.#cells, FLAG) !== 0 ? true : 0);

  /**
   * Waits until the flag is set, without blocking the event loop. Python: `wait(timeout=None)`.
   * Resolves with the flag: true once set, false when the timeout ran out first; rejects with the
   * signal's reason on abort (already aborted: at once, even when set).
   * @throws TypeError / RangeError for a bad argument.
   */
  async wait(options?: number | WaitOptions): Promise<boolean> {
    const { timeout, signal } = parseWait(options, 'Event.wait()', WAIT_KEYS);
    if (signal?.aborted) throw signal.reason;
    if (this.#attempt() === true) return true;
    if (timeout === 0) return false;
    Atomics.add(this.#cells, WAITERS, 1);
    try {
      return await parkUntil(this.#cells, FLAG, this.#attempt, timeout, signal);
    } finally {
      Atomics.sub(this.#cells, WAITERS, 1);
    }
  }

  /** Blocking twin of {@link wait} (`Atomics.wait`): returns the flag. */
  waitSync(options?: number | WaitOptions): boolean {
    const { timeout, signal } = parseWait(options, 'Event.waitSync()', WAIT_KEYS);
    if (signal?.aborted) throw signal.reason;
    if (this.#attempt() === true) return true;
    if (timeout === 0) return false;
    Atomics.add(this.#cells, WAITERS, 1);
    try {
      return parkUntilSync(this.#cells, FLAG, this.#attempt, timeout);
    } finally {
      Atomics.sub(this.#cells, WAITERS, 1);
    }
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    if (destination === 'process') {
      throw new TypeError(
        'a threading Event cannot be sent to a process (no shared memory there); use manager.Event()',
      );
    }
    return { tag: TAG, module: import.meta.url, data: this.#cells.buffer };
  }
}

registerSharedType(TAG, (data) => reviving(data, () => new Event()));
