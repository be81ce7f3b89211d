/**
 * `RLock`: Python's `threading.RLock` on shared memory. The mechanism (layout, invariants,
 * dead holders) is described in `./mutex.ts`.
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
import { type LockOptions, Mutex } from './mutex.js';
import { reviving } from './revive.js';

const TAG = 'skein.RLock';

/**
 * A re-entrant lock, shared by async tasks, worker threads, or both. Python: `threading.RLock`.
 * It is owned by a thread: the owner may acquire it again (each `acquire` needs its `release`),
 * and the async tasks of one thread share that ownership, as coroutines of one Python thread
 * would. Releasing it from a thread that does not own it throws RuntimeError.
 *
 * Waits: `acquire()` resolves true once held, false on timeout or `blocking: false`, and
 * rejects with the signal's reason on abort; a woken waiter re-checks, so a release is never
 * lost. If the holding thread ends without releasing, a waiter takes the lock over (at
 * recursion level 1) and {@link RLock.ownerDied} names the dead thread.
 *
 * Crosses into threads as an argument or result and is the same lock there; passing it to a
 * process throws a TypeError (use `manager.RLock()`).
 *
 * @example
 * ```ts
 * const lock = new RLock();
 * using _ = await lock.hold();   // Python: with lock:
 * counter.value += 1;
 * ```
 */
export class RLock extends Mutex {
  /**
   * Creates an unlocked lock. `name` shows in thread dumps, deadlock reports and `toString()`.
   * @throws TypeError when `options` is not an object or `name` not a string.
   */
  constructor(options?: LockOptions) {
    super(true, options);
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(destination, 'a threading RLock', 'no shared memory there', 'manager.RLock()');
    return { tag: TAG, data: this.buffer };
  }

  /** The recursion level of the current hold (0 when free; meaningful to the owner). */
  get count(): number {
    return this.locked() ? (this.cells[2] as number) : 0;
  }

  /** `RLock locked by <thread>` or `RLock unlocked`, shown by `util.inspect`. */
  get [Symbol.toStringTag](): string {
    return `RLock ${this.locked() ? `locked by ${this.owner}` : 'unlocked'}`;
  }
}

registerSharedType(TAG, (data) => reviving(data, () => new RLock()));
