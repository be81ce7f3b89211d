/**
 * `ThreadPoolExecutor`: an executor whose workers are worker threads. Python:
 * `concurrent.futures.ThreadPoolExecutor`.
 *
 * @module
 */
import type { ResourceLimits } from 'node:worker_threads';
import { BrokenThreadPool } from '../core/errors.js';
import type { AnyFunction } from '../core/task.js';
import { POOL_EXECUTOR_KEYS, PoolExecutorBase, type PoolExecutorOptions } from './pool-executor.js';

/** Options of {@link ThreadPoolExecutor}. */
export interface ThreadPoolExecutorOptions<I extends AnyFunction = AnyFunction>
  extends PoolExecutorOptions<I> {
  /**
   * Prefix of the workers' thread names: `currentThread().name` in a task is `PREFIX_N`.
   * Default `ThreadPoolExecutor-K` (K counts executors). Python: `thread_name_prefix`.
   */
  threadNamePrefix?: string | undefined;
  /** Heap limits of each worker thread; a worker exceeding them dies (its tasks fail with `WorkerDiedError`, reason `'out-of-memory'`) and is replaced. */
  resourceLimits?: ResourceLimits | undefined;
}

/** The keys of {@link ThreadPoolExecutorOptions}. */
export const THREAD_POOL_EXECUTOR_KEYS: readonly string[] = [
  ...POOL_EXECUTOR_KEYS,
  'threadNamePrefix',
  'resourceLimits',
];

let counter = 0;

/**
 * Runs tasks on a pool of worker threads — real parallelism, one isolate per worker. Python:
 * `concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix, initializer, initargs)`.
 *
 * Tasks are inline functions (self-contained: sent as source) or module tasks (`task(url, name)`);
 * arguments and results are copied (structured clone) or, for ArrayBuffers listed in
 * `submitWith({ transfer })`, moved; skein's shared objects (locks, queues, values) are shared.
 *
 * Differences from Python: workers are started together at the first submission (or at
 * construction with `prestart`) rather than one per submission; `maxWorkers` defaults to
 * `os.availableParallelism()`; done callbacks run on the submitting thread; a worker that dies
 * (`process.exit`, an uncaught error in a timer, out of memory, `terminate`) fails only the tasks
 * it held, with `WorkerDiedError`, and is replaced (Python has no such case: its threads cannot
 * die alone). An initializer that throws breaks the pool with {@link BrokenThreadPool}
 * (`ERR_SKEIN_BROKEN_THREAD_POOL`), as in Python.
 *
 * @example
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 4 });
 * const f = pool.submit((n: number) => n * n, 7); // Future<number>
 * console.log(await f.result());                   // 49
 * for await (const r of pool.map((x: number) => x + 1, [1, 2, 3], { chunksize: 2 })) console.log(r);
 */
export class ThreadPoolExecutor extends PoolExecutorBase {
  /** The workers' name prefix. */
  readonly threadNamePrefix: string;

  constructor(options: ThreadPoolExecutorOptions = {}) {
    const prefix = options.threadNamePrefix || `ThreadPoolExecutor-${counter++}`;
    super('thread', options, {
      what: 'ThreadPoolExecutor',
      keys: THREAD_POOL_EXECUTOR_KEYS,
      workerName: (n) => `${prefix}_${n}`,
      broken: (message, cause) =>
        new BrokenThreadPool(
          `A thread initializer failed, the thread pool is not usable anymore (${message})`,
          { cause },
        ),
      resourceLimits: options.resourceLimits,
    });
    this.threadNamePrefix = prefix;
  }
}
