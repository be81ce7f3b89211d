/**
 * `skein`: Python's concurrency model — `threading`, `queue`, `concurrent.futures`,
 * `multiprocessing` — for TypeScript on Node.js, with real parallel threads and real shared
 * memory. This root entry re-exports the names of `skein/threading`, `skein/queue`,
 * `skein/futures`, `skein/multiprocessing` and `skein/diagnostics`, `task`, and every error class. Where two entries
 * share a name (`Queue`, `SimpleQueue`), the root has the thread one from `skein/queue`; the
 * process-safe ones come from `skein/multiprocessing`.
 *
 * @module
 */
export {
  AuthenticationError,
  BrokenBarrierError,
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  DeadlockError,
  Empty,
  EOFError,
  Full,
  InvalidStateError,
  RuntimeError,
  ShutDown,
  SkeinError,
  type SkeinErrorOptions,
  TimeoutError,
  ValueError,
  WorkerDiedError,
  type WorkerExit,
} from './core/errors.js';
export { type TaskRef, task } from './core/task.js';
export type { BlockingWaitOptions, WaitOptions } from './core/wait-options.js';
export * from './diagnostics/index.js';
// Two option types share a name too: the root's ShutdownOptions is the executors'.
export type { ShutdownOptions } from './futures/index.js';
export * from './futures/index.js';
export * from './multiprocessing/index.js';
export type { QueueWaitOptions, ShutdownOptions as QueueShutdownOptions } from './queue/index.js';
export * from './queue/index.js';
// Both skein/queue and skein/multiprocessing have a Queue and a SimpleQueue: the root has the
// thread ones (explicit exports win over the ambiguous star exports, which are dropped).
export { Queue, SimpleQueue } from './queue/index.js';
export type { AcquireArg } from './threading/index.js';
export * from './threading/index.js';
