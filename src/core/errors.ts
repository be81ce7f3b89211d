/**
 * skein's error classes. Each failure a user may want to catch has its own class and a
 * stable `code` (`ERR_SKEIN_…`), so `err instanceof Full` and `err.code === 'ERR_SKEIN_FULL'`
 * both work — even for errors thrown in another thread or process, which the error
 * transport rebuilds as the same class.
 *
 * @module
 */
import type { DeadlockLink } from './wait-graph.js';

/** Options accepted by every skein error constructor (as `Error`'s, plus extra own properties). */
export interface SkeinErrorOptions {
  /** The error that caused this one (as `Error`'s `cause`). */
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

/**
 * Raised by a non-blocking or timed-out `get` on an empty queue. Python: `queue.Empty`.
 * Its `code` is `ERR_SKEIN_EMPTY`.
 */
export class Empty extends coded('ERR_SKEIN_EMPTY') {}
/**
 * Raised by a non-blocking or timed-out `put` on a full queue. Python: `queue.Full`.
 * Its `code` is `ERR_SKEIN_FULL`.
 */
export class Full extends coded('ERR_SKEIN_FULL') {}
/**
 * Raised by `put`/`get` on a queue that was shut down. Python: `queue.ShutDown` (3.13).
 * Its `code` is `ERR_SKEIN_SHUTDOWN`.
 */
export class ShutDown extends coded('ERR_SKEIN_SHUTDOWN') {}
/**
 * A wait ran out of time. Python: `TimeoutError` (and `concurrent.futures.TimeoutError`).
 * Its `code` is `ERR_SKEIN_TIMEOUT`.
 */
export class TimeoutError extends coded('ERR_SKEIN_TIMEOUT') {}
/**
 * A future or task was cancelled. Python: `concurrent.futures.CancelledError`.
 * Its `code` is `ERR_SKEIN_CANCELLED`.
 */
export class CancelledError extends coded('ERR_SKEIN_CANCELLED') {}
/**
 * An operation is not allowed in the object's current state. Python: `InvalidStateError`.
 * Its `code` is `ERR_SKEIN_INVALID_STATE`.
 */
export class InvalidStateError extends coded('ERR_SKEIN_INVALID_STATE') {}
/**
 * The executor can no longer run tasks. Python: `concurrent.futures.BrokenExecutor`.
 * Its `code` is `ERR_SKEIN_BROKEN_EXECUTOR`.
 */
export class BrokenExecutor extends coded('ERR_SKEIN_BROKEN_EXECUTOR') {}
/** A thread pool is broken (its initializer failed). Python: `BrokenThreadPool`. */
export class BrokenThreadPool extends BrokenExecutor {
  /** Always `'ERR_SKEIN_BROKEN_THREAD_POOL'`. */
  override readonly code: string = 'ERR_SKEIN_BROKEN_THREAD_POOL';
}
/** A process pool is broken. Python: `BrokenProcessPool`. */
export class BrokenProcessPool extends BrokenExecutor {
  /** Always `'ERR_SKEIN_BROKEN_PROCESS_POOL'`. */
  override readonly code: string = 'ERR_SKEIN_BROKEN_PROCESS_POOL';
}
/**
 * A barrier was reset, aborted or timed out under its waiters. Python: `BrokenBarrierError`.
 * Its `code` is `ERR_SKEIN_BROKEN_BARRIER`.
 */
export class BrokenBarrierError extends coded('ERR_SKEIN_BROKEN_BARRIER') {}
/**
 * Nothing more to receive: every other end of a pipe is closed. Python: `EOFError`.
 * Its `code` is `ERR_SKEIN_EOF`.
 */
export class EOFError extends coded('ERR_SKEIN_EOF') {}
/**
 * A blocking wait could never be woken (for example `acquireSync()` without a timeout on a
 * lock the calling thread holds). Python would hang; skein throws instead.
 * Its `code` is `ERR_SKEIN_DEADLOCK`.
 */
export class DeadlockError extends coded('ERR_SKEIN_DEADLOCK') {
  /**
   * When the deadlock detector failed this wait to break a cycle (`configureDiagnostics({
   * deadlock: 'raise' })`): every thread of the cycle, what it waited for and who held it.
   */
  cycle?: DeadlockLink[];
}
/**
 * Remote connection refused: the authentication key did not match. Python: `AuthenticationError`.
 * Its `code` is `ERR_SKEIN_AUTHENTICATION`.
 */
export class AuthenticationError extends coded('ERR_SKEIN_AUTHENTICATION') {}
/**
 * A server could not be reached: nothing listens at the address, or nothing answered the
 * handshake in time (`Manager.connect`). The system error, if any, is the `cause`.
 * Python: `ConnectionError` (`ConnectionRefusedError`…). Its `code` is `ERR_SKEIN_CONNECTION`.
 */
export class ConnectionError extends coded('ERR_SKEIN_CONNECTION') {}
/**
 * Misuse Python answers with `RuntimeError` (start a thread twice, release an unlocked lock…).
 * Its `code` is `ERR_SKEIN_RUNTIME`.
 */
export class RuntimeError extends coded('ERR_SKEIN_RUNTIME') {}
/**
 * Misuse Python answers with `ValueError` (over-release a BoundedSemaphore…).
 * Its `code` is `ERR_SKEIN_VALUE`.
 */
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
  /** Always `'ERR_SKEIN_WORKER_DIED'`. */
  override readonly code: string = 'ERR_SKEIN_WORKER_DIED';
  /** The exit code the thread or process ended with, or `null` when a signal or skein stopped it. */
  readonly exitCode: number | null;
  /** The signal that killed the process (`'SIGKILL'`, `'SIGTERM'`…), or `null`. */
  readonly signal: string | null;
  /**
   * Why it ended, when skein knows: `'exit'` (it exited, see {@link exitCode}), `'signal'`
   * (see {@link signal}), `'out-of-memory'`, `'uncaught-error'` (an error escaped outside the
   * task), `'terminated'` (skein stopped it: a timeout, an abort, `terminate()`); `undefined`
   * otherwise.
   */
  readonly reason: WorkerExit['reason'];
  constructor(message: string, exit: WorkerExit = {}, options?: SkeinErrorOptions) {
    super(message, options);
    this.exitCode = exit.exitCode ?? null;
    this.signal = exit.signal ?? null;
    this.reason = exit.reason;
  }
}

/**
 * @internal Every error class skein exports, by name (not itself exported from skein's entries).
 * The error transport uses it to rebuild an error
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
    ConnectionError,
    RuntimeError,
    ValueError,
    WorkerDiedError: WorkerDiedError as unknown as new (message?: string) => Error,
  }),
);
