/**
 * The target a {@link Timer} runs in its thread: wait for the interval unless cancelled, then
 * run the user's function. A module task, so it can close over skein's own loader.
 *
 * The cancel cell is one Int32 in a SharedArrayBuffer: 0 = waiting, 1 = cancelled, 2 = fired.
 * Both sides move it only away from 0 with compareExchange, so exactly one of "cancelled" and
 * "fired" wins, and `cancel()` after firing is a no-op, as in Python.
 *
 * @module
 */
import type { TaskSpec } from '../core/task.js';
import { explainInlineError, loadTask } from '../core/task-loader.js';

export const WAITING = 0;
export const CANCELLED = 1;
export const FIRED = 2;

/** Waits `interval` ms (unless cancelled), then calls the task with `args`. */
export async function runTimer(
  cell: SharedArrayBuffer,
  interval: number,
  spec: TaskSpec,
  args: unknown[],
): Promise<unknown> {
  const flag = new Int32Array(cell);
  const w = Atomics.waitAsync(flag, 0, WAITING, interval);
  if (w.async) await w.value;
  if (Atomics.compareExchange(flag, 0, WAITING, FIRED) !== WAITING) return undefined;
  const fn = await loadTask(spec);
  try {
    return await fn(...args);
  } catch (err) {
    throw spec.kind === 'inline' ? explainInlineError(err) : err;
  }
}
