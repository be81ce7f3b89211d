/**
 * `ProcessPoolExecutor`: an executor whose workers are child processes. Python:
 * `concurrent.futures.ProcessPoolExecutor`.
 *
 * @module
 */
import { BrokenProcessPool } from '../core/errors.js';
import { positiveInt } from '../core/options.js';
import type { AnyFunction } from '../core/task.js';
import { POOL_EXECUTOR_KEYS, PoolExecutorBase, type PoolExecutorOptions } from './pool-executor.js';

/** Options of {@link ProcessPoolExecutor}. */
export interface ProcessPoolExecutorOptions<I extends AnyFunction = AnyFunction>
  extends PoolExecutorOptions<I> {
  /**
   * A worker process exits after this many tasks and a fresh one replaces it (a `map` chunk
   * counts as one task). Python: `max_tasks_per_child`.
   */
  maxTasksPerChild?: number | undefined;
}

/** The keys of {@link ProcessPoolExecutorOptions}. */
export const PROCESS_POOL_EXECUTOR_KEYS: readonly string[] = [...POOL_EXECUTOR_KEYS, 'maxTasksPerChild'];

let counter = 0;

/**
 * Runs tasks in a pool of child processes (`child_process.fork`, V8 serialization). Python:
 * `concurrent.futures.ProcessPoolExecutor(max_workers, initializer, initargs, max_tasks_per_child)`.
 *
 * Use it for isolation (a native crash or a leak stays in the child) or where threads do not
 * suffice; for CPU-bound JavaScript, {@link ThreadPoolExecutor} is cheaper. SharedArrayBuffers
 * and thread primitives cannot cross (a `TypeError` at `submit` names the alternative).
 *
 * Differences from Python: a worker that dies fails only the tasks it held, with
 * `WorkerDiedError` (exit code, signal), and the pool replaces it and goes on — Python breaks the
 * whole pool (`BrokenProcessPool`). An initializer that throws does break it, with
 * {@link BrokenProcessPool} (`ERR_SKEIN_BROKEN_PROCESS_POOL`), as in Python. Done callbacks run
 * in the parent.
 *
 * @example
 * await using pool = new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: 100 });
 * const pid = await pool.submit(() => process.pid);
 */
export class ProcessPoolExecutor extends PoolExecutorBase {
  constructor(options: ProcessPoolExecutorOptions = {}) {
    const id = counter++;
    super('process', options, {
      what: 'ProcessPoolExecutor',
      keys: PROCESS_POOL_EXECUTOR_KEYS,
      workerName: (n) => `ProcessPoolExecutor-${id}_${n}`,
      broken: (message, cause) =>
        new BrokenProcessPool(
          `A process in the process pool was terminated abruptly or failed to start (${message})`,
          {
            cause,
          },
        ),
      maxTasksPerWorker:
        options.maxTasksPerChild === undefined
          ? undefined
          : positiveInt(options.maxTasksPerChild, 'maxTasksPerChild', 1),
    });
  }
}
