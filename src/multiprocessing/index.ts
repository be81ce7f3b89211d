/**
 * `skein/multiprocessing`: Python's `multiprocessing` module for Node — functions running in
 * child processes.
 *
 * @module
 */
export { type TaskRef, task } from '../core/task.js';
export { Connection } from './connection.js';
export { cpuCount, currentProcess, type ProcessView } from './current.js';
export {
  type ConnectOptions,
  Manager,
  type ManagerAddress,
  type ManagerOptions,
  SyncManager,
} from './manager/manager.js';
export type {
  AcquireArg,
  ArrayOps,
  ArrayProxy,
  AsyncOps,
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
  SyncTwins,
  ValueOps,
  ValueProxy,
} from './manager/proxy.js';
export { Pipe } from './pipe.js';
export { activeChildren, Process, type ProcessOptions } from './process.js';
export { JoinableQueue, Queue, type QueueWaitOptions, SimpleQueue } from './process-queue.js';
