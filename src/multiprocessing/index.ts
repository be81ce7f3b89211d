/**
 * `skein/multiprocessing`: Python's `multiprocessing` module for Node — functions running in
 * child processes.
 *
 * @module
 */
export { type TaskRef, task } from '../core/task.js';
export { Connection } from './connection.js';
export { cpuCount, currentProcess, type ProcessView } from './current.js';
export { Pipe } from './pipe.js';
export { activeChildren, Process, type ProcessOptions } from './process.js';
export { JoinableQueue, Queue, type QueueWaitOptions, SimpleQueue } from './process-queue.js';
