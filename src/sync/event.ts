/**
 * `Event`: Python's `threading.Event` on shared memory.
 *
 * Layout (Int32Array over 12 bytes): word 0 FLAG (0/1; stored by `set`/`clear`, parked on by
 * waiters with expected 0), word 1 WAITERS (waiters parked or about to park, Atomics.add ±1),
 * word 2 ID (object id for names and dumps, `core/wait-table.ts`; written once).
 * `set` stores 1 and then wakes every waiter; a waiter parks only while it reads 0, so a `set`
 * between its check and its sleep makes the park return at once (no lost wake-up).
 *
 * **A thread stopped at any instant** (timeout, `terminate()`, crash, out of memory) leaves
 * the event whole by construction: every operation changes one word in one atomic step (the
 * flag by `set`/`clear`, the count by a waiter), there is no lock and no multi-word state. A
 * waiter stopped while parked leaves WAITERS one too high, which only makes later `set`s call
 * `Atomics.notify` when no one sleeps — never a missed wake-up.
 *
 * @module
 */
import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import { newObjectId, objectLabel } from '../core/wait-table.js';
import { checkName, type LockOptions } from './mutex.js';
import { parkUntil, parkUntilSync, unpark } from './park.js';
import { reviving, takeRevived } from './revive.js';
import type { WaitSubject } from './watch.js';

const TAG = 'skein.Event';
const FLAG = 0;
const WAITERS = 1;
const ID = 2;

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
export class Event implements WaitSubject {
  readonly #cells: Int32Array;

  /**
   * Creates an event whose flag is false. `name` shows in thread dumps and `toString()`.
   * @throws TypeError when `options` is not an object or `name` not a string.
   */
  constructor(options?: LockOptions) {
    const revived = takeRevived<SharedArrayBuffer>();
    this.#cells = new Int32Array(revived ?? new SharedArrayBuffer(12));
    if (revived === undefined) this.#cells[ID] = newObjectId(checkName(options, 'Event'));
  }

  /** @internal */
  get diagKind(): 'Event' {
    return 'Event';
  }

  /** @internal */
  get diagId(): number {
    return this.#cells[ID] as number;
  }

  /** The event's name: the one it was created with, or `Event#<id>` (the same in every thread). */
  get name(): string {
    return objectLabel('Event', this.diagId);
  }

  /** `<Event 'name' set>` or `<Event 'name' unset>`. */
  toString(): string {
    return `<Event '${this.name}' ${this.isSet() ? 'set' : 'unset'}>`;
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
      return await parkUntil(this.#cells, FLAG, this.#attempt, timeout, signal, undefined, this, 'wait');
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
      return parkUntilSync(this.#cells, FLAG, this.#attempt, timeout, undefined, this, 'waitSync');
    } finally {
      Atomics.sub(this.#cells, WAITERS, 1);
    }
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(destination, 'a threading Event', 'no shared memory there', 'manager.Event()');
    return { tag: TAG, data: this.#cells.buffer };
  }
}

registerSharedType(TAG, (data) => reviving(data, () => new Event()));
