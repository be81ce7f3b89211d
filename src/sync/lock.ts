/**
 * `Lock`: Python's `threading.Lock` on shared memory. The mechanism (layout, invariants,
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

const TAG = 'skein.Lock';

/**
 * A mutual-exclusion lock shared by async tasks, worker threads, or both. Python:
 * `threading.Lock`. Not re-entrant: a second `acquire` by the same thread waits (and
 * `acquireSync()` without a timeout throws `DeadlockError` instead of hanging). Any thread may
 * release it, as in Python.
 *
 * Waits: `acquire()` resolves true once held, false on timeout or `blocking: false`, and
 * rejects with the signal's reason on abort; a woken waiter re-checks, so a release is never
 * lost. If the holding thread ends without releasing, a waiter takes the lock over and
 * {@link Lock.ownerDied} names the dead thread.
 *
 * Crosses into threads as an argument or result and is the same lock there; passing it to a
 * process throws a TypeError (use `manager.Lock()`).
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * using _ = await lock.hold();   // Python: with lock:
 * counter.value += 1;
 * ```
 */
export class Lock extends Mutex {
  /**
   * Creates an unlocked lock. `name` shows in thread dumps, deadlock reports and `toString()`.
   * @throws TypeError when `options` is not an object or `name` not a string.
   */
  constructor(options?: LockOptions) {
    super(false, options);
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(destination, 'a threading Lock', 'no shared memory there', 'manager.Lock()');
    return { tag: TAG, data: this.buffer };
  }

  /** `Lock locked by <thread>` or `Lock unlocked`, shown by `util.inspect`. */
  get [Symbol.toStringTag](): string {
    return `Lock ${this.locked() ? `locked by ${this.owner}` : 'unlocked'}`;
  }
}

registerSharedType(TAG, (data) => reviving(data, () => new Lock()));
