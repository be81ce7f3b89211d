/**
 * `skein/multiprocessing`: Python's `multiprocessing` module for Node — functions running in
 * child processes, and pools of processes (`Pool`) or threads (`ThreadPool`).
 *
 * @module
 */
export {
  AuthenticationError,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  ConnectionError,
  TimeoutError,
  ValueError,
  WorkerDiedError,
} from '../core/errors.js';
export { type TaskRef, task } from '../core/task.js';
export { AsyncResult, type AsyncResultCallbacks } from './async-result.js';
export { Connection } from './connection.js';
export { cpuCount, currentProcess, type ProcessView } from './current.js';
export { IMapIterator } from './imap.js';
export {
  type ConnectOptions,
  Manager,
  type ManagerAddress,
  type ManagerOptions,
  type ManagerStats,
  SyncManager,
} from './manager/manager.js';
export type {
  AcquireArg,
  ArrayOps,
  ArrayProxy,
  BarrierOps,
  BarrierProxy,
  BaseProxy,
  ConditionOps,
  ConditionProxy,
  DictOps,
  DictProxy,
  EventOps,
  EventProxy,
  Holdable,
  ListOps,
  ListProxy,
  LockOps,
  LockProxy,
  NamespaceOps,
  NamespaceProxy,
  ProxyKind,
  SemaphoreOps,
  SemaphoreProxy,
  ValueOps,
  ValueProxy,
} from './manager/proxy.js';
export { Pipe } from './pipe.js';
export {
  type ChunksizeOptions,
  type MapAsyncOptions,
  Pool,
  type PoolOptions,
  type PoolState,
  type Task,
  type TaskResult,
} from './pool.js';
export { activeChildren, Process, type ProcessOptions } from './process.js';
export { JoinableQueue, Queue, type QueueWaitOptions, SimpleQueue } from './process-queue.js';
export { ThreadPool } from './thread-pool.js';
