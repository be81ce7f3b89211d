/**
 * skein's error classes. Each failure a user may want to catch has its own class and a
 * stable `code` (`ERR_SKEIN_…`), so `err instanceof Full` and `err.code === 'ERR_SKEIN_FULL'`
 * both work — even for errors thrown in another thread or process, which the error
 * transport (`error-transport.ts`) rebuilds as the same class by looking up
 * {@link errorClasses}.
 *
 * @module
 */
import type { DeadlockLink } from './wait-graph.js';

/** Options accepted by every skein error constructor (as `Error`'s, plus extra own properties). */
export interface SkeinErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every skein error. Not thrown itself; catch it to catch any skein failure.
 */
export class SkeinError extends Error {
  /** A stable, machine-readable identifier of the failure (`ERR_SKEIN_…`). */
  readonly code: string = 'ERR_SKEIN';
  constructor(message?: string, options?: SkeinErrorOptions) {
    super(message, options);
    // Keep `name` an own, enumerable-free property so it survives `util.inspect` and the
    // error transport, and so subclasses need not repeat it.
    Object.defineProperty(this, 'name', { value: new.target.name, configurable: true, writable: true });
  }
}

function coded<C extends string>(code: C) {
  return class extends SkeinError {
    override readonly code: string = code;
  };
}

/** Raised by a non-blocking or timed-out `get` on an empty queue. Python: `queue.Empty`. */
export class Empty extends coded('ERR_SKEIN_EMPTY') {}
/** Raised by a non-blocking or timed-out `put` on a full queue. Python: `queue.Full`. */
export class Full extends coded('ERR_SKEIN_FULL') {}
/** Raised by `put`/`get` on a queue that was shut down. Python: `queue.ShutDown` (3.13). */
export class ShutDown extends coded('ERR_SKEIN_SHUTDOWN') {}
/**
 * A wait ran out of time. Python: `TimeoutError` (and `concurrent.futures.TimeoutError`).
 */
export class TimeoutError extends coded('ERR_SKEIN_TIMEOUT') {}
/** A future or task was cancelled. Python: `concurrent.futures.CancelledError`. */
export class CancelledError extends coded('ERR_SKEIN_CANCELLED') {}
/** An operation is not allowed in the object's current state. Python: `InvalidStateError`. */
export class InvalidStateError extends coded('ERR_SKEIN_INVALID_STATE') {}
/** The executor can no longer run tasks. Python: `concurrent.futures.BrokenExecutor`. */
export class BrokenExecutor extends coded('ERR_SKEIN_BROKEN_EXECUTOR') {}
/** A thread pool is broken (its initializer failed). Python: `BrokenThreadPool`. */
export class BrokenThreadPool extends BrokenExecutor {
  override readonly code: string = 'ERR_SKEIN_BROKEN_THREAD_POOL';
}
/** A process pool is broken. Python: `BrokenProcessPool`. */
export class BrokenProcessPool extends BrokenExecutor {
  override readonly code: string = 'ERR_SKEIN_BROKEN_PROCESS_POOL';
}
/** A barrier was reset, aborted or timed out under its waiters. Python: `BrokenBarrierError`. */
export class BrokenBarrierError extends coded('ERR_SKEIN_BROKEN_BARRIER') {}
/** Nothing more to receive: every other end of a pipe is closed. Python: `EOFError`. */
export class EOFError extends coded('ERR_SKEIN_EOF') {}
/**
 * A blocking wait could never be woken (for example `acquireSync()` without a timeout on a
 * lock the calling thread holds). Python would hang; skein throws instead.
 */
export class DeadlockError extends coded('ERR_SKEIN_DEADLOCK') {
  /**
   * When the deadlock detector failed this wait to break a cycle (`configureDiagnostics({
   * deadlock: 'raise' })`): every thread of the cycle, what it waited for and who held it.
   */
  cycle?: DeadlockLink[];
}
/** Remote connection refused: the authentication key did not match. Python: `AuthenticationError`. */
export class AuthenticationError extends coded('ERR_SKEIN_AUTHENTICATION') {}
/** Misuse Python answers with `RuntimeError` (start a thread twice, release an unlocked lock…). */
export class RuntimeError extends coded('ERR_SKEIN_RUNTIME') {}
/** Misuse Python answers with `ValueError` (over-release a BoundedSemaphore…). */
export class ValueError extends coded('ERR_SKEIN_VALUE') {}

/** How a worker thread or process ended, attached to {@link WorkerDiedError}. */
export interface WorkerExit {
  /** Process or thread exit code, when it exited. */
  exitCode?: number | null;
  /** The signal that killed a process (`'SIGKILL'`…). */
  signal?: string | null;
  /** Why it ended, when skein knows: out of memory, terminated on timeout or abort, crashed. */
  reason?: 'exit' | 'signal' | 'out-of-memory' | 'uncaught-error' | 'terminated';
}

/**
 * The worker thread or process running a task died before the task settled (it called
 * `process.exit`, crashed, ran out of memory, or was killed). Not a Python class: Python
 * breaks the whole pool instead; skein fails only the tasks that worker held.
 */
export class WorkerDiedError extends SkeinError {
  override readonly code: string = 'ERR_SKEIN_WORKER_DIED';
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: WorkerExit['reason'];
  constructor(message: string, exit: WorkerExit = {}, options?: SkeinErrorOptions) {
    super(message, options);
    this.exitCode = exit.exitCode ?? null;
    this.signal = exit.signal ?? null;
    this.reason = exit.reason;
  }
}

/**
 * Every error class skein exports, by name. The error transport uses it to rebuild an error
 * that crossed a thread or process boundary as the class it was thrown as.
 */
export const errorClasses: ReadonlyMap<string, new (message?: string) => Error> = new Map<
  string,
  new (
    message?: string,
  ) => Error
>(
  Object.entries({
    SkeinError,
    Empty,
    Full,
    ShutDown,
    TimeoutError,
    CancelledError,
    InvalidStateError,
    BrokenExecutor,
    BrokenThreadPool,
    BrokenProcessPool,
    BrokenBarrierError,
    EOFError,
    DeadlockError,
    AuthenticationError,
    RuntimeError,
    ValueError,
    WorkerDiedError: WorkerDiedError as unknown as new (message?: string) => Error,
  }),
);
