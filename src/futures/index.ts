/**
 * `skein/futures`: Python's `concurrent.futures` for Node — futures, thread and process pool
 * executors on one pool engine, an in-thread executor for I/O, `wait` and `asCompleted`.
 *
 * @module
 */
export {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  InvalidStateError,
  RuntimeError,
  TimeoutError,
  WorkerDiedError,
} from '../core/errors.js';
export type { PoolMetrics, TimeSummary } from '../core/pool/metrics.js';
export { type TaskRef, task } from '../core/task.js';
export type { Executor, MapOptions, ShutdownOptions, SubmitOptions, Task, TaskResult } from './executor.js';
export { Future, type FutureState, type FutureWaitOptions } from './future.js';
export { LocalExecutor, type LocalExecutorOptions } from './local-executor.js';
export type { PoolExecutorOptions } from './pool-executor.js';
export { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from './process-pool-executor.js';
export { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from './thread-pool-executor.js';
export {
  ALL_COMPLETED,
  type AsCompletedOptions,
  asCompleted,
  type CompletedFuture,
  type DoneAndNotDone,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  type WaitForOptions,
  wait,
} from './wait.js';
