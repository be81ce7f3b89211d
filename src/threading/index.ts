/**
 * `skein/threading`: Python's `threading` module for Node — threads that run in parallel in
 * their own isolates, and the synchronization primitives that work across them.
 *
 * @module
 */
export { getIdent } from '../core/identity.js';
export { type TaskRef, task } from '../core/task.js';
export type { WaitOptions } from '../core/wait-options.js';
export { activeCount, currentThread, enumerate, mainThread } from './current.js';
export {
  defaultExcepthook,
  type ExceptHook,
  type ExceptHookArgs,
  excepthook,
  setExcepthook,
} from './excepthook.js';
export { local } from './local.js';
export { Thread, type ThreadOptions } from './thread.js';
export { releaseIdleThreads } from './thread-host.js';
export { Timer } from './timer.js';
