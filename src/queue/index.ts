/**
 * `skein/queue`: Python's `queue` module for threads — `Queue`, `LifoQueue`, `PriorityQueue`
 * and `SimpleQueue` in shared memory, used at once by any number of producers and consumers in
 * async tasks of one thread, in worker threads, or both. Pass a queue to a `Thread` and it
 * arrives there as the same queue. For queues between processes, see `skein/multiprocessing`.
 *
 * @module
 */
export { Empty, Full, ShutDown } from '../core/errors.js';
export { LifoQueue } from './lifo-queue.js';
export type { PriorityKey } from './priority-key.js';
export { PriorityQueue } from './priority-queue.js';
export {
  DEFAULT_CAPACITY,
  Queue,
  type QueueOptions,
  type QueueSyncWaitOptions,
  type QueueWaitOptions,
  type ShutdownOptions,
} from './queue.js';
export { SimpleQueue } from './simple-queue.js';
