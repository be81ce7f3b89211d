/**
 * `skein/threading`: Python's `threading` module for Node — threads that run in parallel in
 * their own isolates, and the synchronization primitives that work across them.
 *
 * @module
 */
// The errors the primitives throw (Python's `threading.BrokenBarrierError` lives here too).
export { BrokenBarrierError, DeadlockError, RuntimeError, ValueError } from '../core/errors.js';
export { getIdent } from '../core/identity.js';
export { type TaskRef, task } from '../core/task.js';
export type { WaitOptions } from '../core/wait-options.js';
export { Barrier, type BarrierOptions } from '../sync/barrier.js';
export { BoundedSemaphore } from '../sync/bounded-semaphore.js';
export { Condition, type ConditionWaitArg } from '../sync/condition.js';
export { Event } from '../sync/event.js';
export { Lock } from '../sync/lock.js';
export type { AcquireArg, LockOptions } from '../sync/mutex.js';
export { RLock } from '../sync/rlock.js';
export { Semaphore } from '../sync/semaphore.js';
export { SharedArray, type SharedArrayConstructor, type SharedArrayExtras } from '../sync/shared-array.js';
export type { ElementOf, PythonTypecode, TypeCode, TypeName } from '../sync/typecode.js';
export { Value } from '../sync/value.js';
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
