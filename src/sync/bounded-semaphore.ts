/**
 * `BoundedSemaphore`: a {@link Semaphore} whose `release` checks the ceiling (its initial
 * value) against the count that the compare-exchange adding the permits replaces, so an
 * over-release changes nothing. Dead holders' permits are reclaimed as Semaphore's are; they
 * were taken from the semaphore, so giving them back never passes the ceiling.
 *
 * @module
 */
import { ValueError } from '../core/errors.js';
import { registerSharedType } from '../core/shared-registry.js';
import { reviving } from './revive.js';
import { INITIAL_WORD as INITIAL, Semaphore } from './semaphore.js';

/**
 * A semaphore that refuses to be released above its initial value. Python:
 * `threading.BoundedSemaphore(value=1)`. Same waits as {@link Semaphore}.
 *
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(2);
 * pool.release(); // throws ValueError: released too many times
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Refuses, before anything changes, a release that would take the count past the initial
   * value. @throws ValueError when released too many times.
   */
  protected override checkRoom(v: number, n: number): void {
    const max = this.cells[INITIAL] as number;
    if (v + n > max) {
      throw new ValueError(
        `Semaphore released too many times: ${v} + ${n} permits would exceed the initial value ${max}`,
      );
    }
  }

  protected override get tag(): 'skein.BoundedSemaphore' {
    return 'skein.BoundedSemaphore';
  }
}

registerSharedType('skein.BoundedSemaphore', (data) => reviving(data, () => new BoundedSemaphore()));
