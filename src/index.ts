/**
 * `skein`: Python's concurrency model — `threading`, `queue`, `concurrent.futures`,
 * `multiprocessing` — for TypeScript on Node.js, with real parallel threads and real shared
 * memory. This root entry re-exports the thread-side names and every error class; the
 * process-side names come from `skein/multiprocessing`.
 *
 * @module
 */
export * from './core/errors.js';
export { type TaskRef, task } from './core/task.js';
export type { BlockingWaitOptions, WaitOptions } from './core/wait-options.js';
export * from './threading/index.js';
