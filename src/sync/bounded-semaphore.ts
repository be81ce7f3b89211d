/**
 * `BoundedSemaphore`: a {@link Semaphore} whose `release` checks the ceiling (its initial
 * value) in the same compare-exchange that adds the permits, so an over-release changes nothing.
 *
 * @module
 */
import { ValueError } from '../core/errors.js';
import { registerSharedType } from '../core/shared-registry.js';
import { reviving } from './revive.js';
import { INITIAL_WORD as INITIAL, Semaphore, VALUE_WORD as VALUE } from './semaphore.js';

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
   * Adds the permits, or throws without changing anything when that would exceed the initial value.
   * @throws ValueError when released too many times.
   */
  protected override addPermits(n: number): void {
    const c = this.cells;
    const max = c[INITIAL] as number;
    let v = Atomics.load(c, VALUE);
    for (;;) {
      if (v + n > max) {
        throw new ValueError(
          `Semaphore released too many times: ${v} + ${n} permits would exceed the initial value ${max}`,
        );
      }
      const prev = Atomics.compareExchange(c, VALUE, v, v + n);
      if (prev === v) return;
      v = prev;
    }
  }

  protected override get tag(): 'skein.BoundedSemaphore' {
    return 'skein.BoundedSemaphore';
  }
}

registerSharedType('skein.BoundedSemaphore', (data) => reviving(data, () => new BoundedSemaphore()));
