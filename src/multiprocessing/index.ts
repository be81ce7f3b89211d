/**
 * `skein/multiprocessing`: Python's `multiprocessing` module for Node — functions running in
 * child processes, and pools of processes (`Pool`) or threads (`ThreadPool`).
 *
 * @module
 */
export {
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  TimeoutError,
  ValueError,
  WorkerDiedError,
} from '../core/errors.js';
export { type TaskRef, task } from '../core/task.js';
export { AsyncResult, type AsyncResultCallbacks } from './async-result.js';
export { cpuCount, currentProcess, type ProcessView } from './current.js';
export { IMapIterator } from './imap.js';
export {
  defaultChunksize,
  type MapAsyncOptions,
  Pool,
  type PoolOptions,
  type PoolState,
  type Task,
  type TaskResult,
} from './pool.js';
export { activeChildren, Process, type ProcessOptions } from './process.js';
export { ThreadPool } from './thread-pool.js';
