/**
 * `Timer`: a thread that runs a function after a delay unless cancelled first. Python:
 * `threading.Timer`.
 *
 * @module
 */
import { nextThreadNumber } from '../core/identity.js';
import { type AnyFunction, type TaskRef, task, toTaskSpec } from '../core/task.js';
import { Thread } from './thread.js';
import { CANCELLED, WAITING } from './timer-task.js';

const timerTask = task(
  new URL(`./timer-task${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url),
  'runTimer',
);

/**
 * A thread that calls `fn(...args)` after `interval` milliseconds, unless `cancel()` is called
 * first. Python's `threading.Timer` (whose interval is in seconds; skein's, like all of Node's
 * times, is in milliseconds).
 *
 * @example
 * const t = new Timer(3000, () => console.log('in func'));
 * t.start();
 */
export class Timer<F extends AnyFunction = AnyFunction> extends Thread {
  readonly #cell: Int32Array;

  /**
   * @param interval milliseconds to wait before calling `fn`.
   * @param fn a self-contained function or a module task.
   * @param args its arguments.
   * @throws TypeError when `fn` is not a function or module task, or `args` not an array;
   *   RangeError when `interval` is negative or NaN.
   */
  constructor(interval: number, fn: F | TaskRef<F>, args: Parameters<F> | [] = []) {
    if (typeof interval !== 'number') throw new TypeError('Timer interval must be a number of milliseconds');
    if (Number.isNaN(interval) || interval < 0)
      throw new RangeError(`Timer interval must be >= 0, got ${interval}`);
    if (!Array.isArray(args)) throw new TypeError('Timer args must be an array');
    const spec = toTaskSpec(fn, 'Timer function');
    const cell = new SharedArrayBuffer(4);
    super({ target: timerTask, args: [cell, interval, spec, args], name: `Thread-${nextThreadNumber()}` });
    this.#cell = new Int32Array(cell);
  }

  /**
   * Stops the timer if it is still waiting (Python's `cancel()`); does nothing once the
   * function has started.
   */
  cancel(): void {
    if (Atomics.compareExchange(this.#cell, 0, WAITING, CANCELLED) === WAITING) Atomics.notify(this.#cell, 0);
  }
}
