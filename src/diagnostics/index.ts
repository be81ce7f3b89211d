/**
 * skein/diagnostics — who holds what, and who waits for whom: thread dumps (Java's `jstack`,
 * Python's `faulthandler`), a deadlock detector that names the cycle (PostgreSQL's
 * `deadlock_timeout` model), and a warning when a `…Sync` wait freezes the main thread.
 *
 * Everything here reads the process's wait table (shared memory), so a thread blocked in
 * `Atomics.wait` shows correctly without its cooperation.
 *
 * @module
 */
export { configureDiagnostics, type DiagnosticsOptions, diagnosticsConfig } from './configure.js';
export {
  type Deadlock,
  type DeadlockLink,
  findDeadlocks,
  type ObjectRef,
  type ThreadRef,
} from './deadlocks.js';
export {
  dumpThreads,
  dumpThreadsOnSignal,
  formatThreadDump,
  type ThreadInfo,
  type WaitInfo,
} from './dump.js';
