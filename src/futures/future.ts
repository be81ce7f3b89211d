/**
 * `Future`: the eventual outcome of a task. Python's `concurrent.futures.Future`.
 *
 * States, as in CPython's `_base.py`:
 *
 * ```
 *   PENDING ──setRunningOrNotifyCancel()──► RUNNING ──setResult/setException──► FINISHED
 *      │                                                                          ▲
 *      ├──cancel()──► CANCELLED ──setRunningOrNotifyCancel()──► CANCELLED_AND_NOTIFIED
 *      └──setResult/setException (an executor may settle a task it never started) ─┘
 * ```
 *
 * Everything happens on the thread that owns the future (JavaScript has no shared objects
 * between isolates), so no lock is needed: a state change and its notifications run in one
 * synchronous stretch. Waiters installed by `wait()`/`asCompleted()` are notified before the
 * done callbacks, as Python does.
 *
 * @module
 */
import { CancelledError, InvalidStateError, TimeoutError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { checkTimeout } from '../core/wait-options.js';

/** A future's state. Python: the `_STATE` strings of `concurrent.futures._base`. */
export type FutureState = 'PENDING' | 'RUNNING' | 'CANCELLED' | 'CANCELLED_AND_NOTIFIED' | 'FINISHED';

/** Options of {@link Future.result} and {@link Future.exception}. */
export interface FutureWaitOptions {
  /** Milliseconds to wait at most; `undefined` waits forever, `0` does not wait. */
  timeout?: number | undefined;
}

/** The keys of {@link FutureWaitOptions}. */
export const FUTURE_WAIT_KEYS: readonly string[] = ['timeout'];

/** A waiter installed by `wait()` / `asCompleted()`: told when a future completes. @internal */
export type FutureWaiter = (future: Future<unknown>) => void;

/**
 * The eventual result of a task submitted to an executor. Python: `concurrent.futures.Future`.
 *
 * A Future is awaitable (`await future` is `await future.result()`). It is created by an
 * executor's `submit`; create one yourself only when writing an executor (then use the
 * implementer methods {@link setRunningOrNotifyCancel}, {@link setResult}, {@link setException}).
 *
 * Difference from Python: done callbacks run on the thread that created the future (the
 * submitting thread), never in a pool worker; a callback added to a finished future runs at
 * once, synchronously, in both.
 *
 * @example
 * const f = pool.submit((n: number) => n * n, 7);
 * f.addDoneCallback((fut) => console.log('done', fut.done()));
 * console.log(await f); // 49
 */
export class Future<T = unknown> implements PromiseLike<T> {
  private _state: FutureState = 'PENDING';
  private _value: T | undefined;
  private _error: Error | undefined;
  private _callbacks: ((f: Future<T>) => void)[] = [];
  private _resolvers: (() => void)[] = [];
  /** @internal waiters of `wait()` / `asCompleted()`. */
  _waiters: Set<FutureWaiter> | undefined;
  private _promise: Promise<T> | undefined;

  /** The current state (`'PENDING'`, `'RUNNING'`, `'CANCELLED'`, `'FINISHED'`…). Python: `_state`. */
  get state(): FutureState {
    return this._state;
  }

  /**
   * Attempts to cancel the task. Python: `cancel()`.
   * @returns `false` when the task is running or finished (it cannot be cancelled then);
   *   otherwise the future becomes cancelled (waiters and callbacks are told) and `true` is returned.
   */
  cancel(): boolean {
    if (this._state === 'RUNNING' || this._state === 'FINISHED') return false;
    if (this._state === 'CANCELLED' || this._state === 'CANCELLED_AND_NOTIFIED') return true;
    this._state = 'CANCELLED';
    this.complete();
    return true;
  }

  /** True if the future was cancelled. Python: `cancelled()`. */
  cancelled(): boolean {
    return this._state === 'CANCELLED' || this._state === 'CANCELLED_AND_NOTIFIED';
  }

  /** True while the task runs (and cannot be cancelled). Python: `running()`. */
  running(): boolean {
    return this._state === 'RUNNING';
  }

  /** True once the future is cancelled or finished. Python: `done()`. */
  done(): boolean {
    return (
      this._state === 'CANCELLED' || this._state === 'CANCELLED_AND_NOTIFIED' || this._state === 'FINISHED'
    );
  }

  /**
   * Waits for the task's result. Python: `result(timeout=None)`.
   * @param options `{ timeout }` in milliseconds (or the number itself); omitted waits forever.
   * @returns a promise of the value the task returned.
   * @throws (rejects with) `CancelledError` if the future was cancelled, `TimeoutError`
   *   (`ERR_SKEIN_TIMEOUT`) if it did not finish in time, or the task's own error.
   * @throws RangeError at once for a negative timeout.
   */
  result(options?: FutureWaitOptions | number): Promise<T> {
    // Bad arguments throw at the call (as documented), not in the promise.
    if (typeof options === 'object') checkOptions('result()', options, FUTURE_WAIT_KEYS);
    const timeout = checkTimeout(typeof options === 'number' ? options : options?.timeout);
    if (!this.done() && timeout === Number.POSITIVE_INFINITY) return this.outcome();
    return this.waitDone(timeout, 'result()').then(() => this.outcome());
  }

  /** The settled outcome as a promise (one per future, created on first use). */
  private outcome(): Promise<T> {
    if (this._promise === undefined) {
      if (this.done()) {
        this._promise = this.cancelled()
          ? Promise.reject(new CancelledError('the future was cancelled'))
          : this._error !== undefined
            ? Promise.reject(this._error)
            : Promise.resolve(this._value as T);
      } else {
        this._promise = new Promise<T>((resolve, reject) => {
          this._resolvers.push(() => {
            if (this.cancelled()) reject(new CancelledError('the future was cancelled'));
            else if (this._error !== undefined) reject(this._error);
            else resolve(this._value as T);
          });
        });
      }
    }
    return this._promise;
  }

  /**
   * Waits for the task and returns the error it failed with, or `undefined` if it succeeded.
   * Python: `exception(timeout=None)`.
   * @throws (rejects with) `CancelledError` if the future was cancelled, `TimeoutError` if it did
   *   not finish in time.
   */
  async exception(options?: FutureWaitOptions | number): Promise<Error | undefined> {
    if (typeof options === 'object') checkOptions('exception()', options, FUTURE_WAIT_KEYS);
    await this.waitDone(
      checkTimeout(typeof options === 'number' ? options : options?.timeout),
      'exception()',
    );
    if (this.cancelled()) throw new CancelledError('the future was cancelled');
    return this._error;
  }

  /**
   * Calls `fn(future)` when the future is done (finished or cancelled) — at once, synchronously,
   * if it already is. Callbacks run in the order added, on the submitting thread. An error a
   * callback throws is reported (`process.emitWarning`, printed to stderr by default) and never
   * reaches the executor or the other callbacks. Python: `add_done_callback(fn)`.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== 'function') throw new TypeError('addDoneCallback(fn): fn must be a function');
    if (this.done()) invokeCallback(fn, this);
    else this._callbacks.push(fn);
  }

  /** True when the future finished with an error (synchronously; no wait). @internal */
  failed(): boolean {
    return this._state === 'FINISHED' && this._error !== undefined;
  }

  /** `await future` — same as `await future.result()`. */
  // biome-ignore lint/suspicious/noThenProperty: a Future is awaitable by design (PromiseLike), so `await future` works.
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.outcome().then(onfulfilled, onrejected);
  }

  // ── implementer methods (for executors) ────────────────────────────────────────────────

  /**
   * Marks the future running, or acknowledges its cancellation. Executors call it just before
   * running the task. Python: `set_running_or_notify_cancel()`.
   * @returns `false` if the future was cancelled (do not run the task), `true` if it is now running.
   * @throws InvalidStateError if it is already running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this._state === 'CANCELLED') {
      this._state = 'CANCELLED_AND_NOTIFIED';
      return false;
    }
    if (this._state === 'PENDING') {
      this._state = 'RUNNING';
      return true;
    }
    throw new InvalidStateError(`setRunningOrNotifyCancel() on a future in state ${this._state}`);
  }

  /**
   * Sets the result and completes the future. Python: `set_result(result)`.
   * @throws InvalidStateError if the future is already cancelled or finished.
   */
  setResult(value: T): void {
    this.checkSettable('setResult');
    this._value = value;
    this._state = 'FINISHED';
    this.complete();
  }

  /**
   * Sets the error and completes the future. Python: `set_exception(exception)`.
   * @throws InvalidStateError if the future is already cancelled or finished.
   */
  setException(error: Error): void {
    this.checkSettable('setException');
    this._error = error;
    this._state = 'FINISHED';
    this.complete();
  }

  private checkSettable(what: string): void {
    if (this.done())
      throw new InvalidStateError(`${what}() on a future that is already ${this._state.toLowerCase()}`);
  }

  private complete(): void {
    const resolvers = this._resolvers;
    this._resolvers = [];
    for (const r of resolvers) r();
    if (this._waiters) for (const w of [...this._waiters]) w(this as Future<unknown>);
    const cbs = this._callbacks;
    this._callbacks = [];
    for (const cb of cbs) invokeCallback(cb, this);
  }

  private waitDone(timeout: number, what: string): Promise<void> {
    if (this.done()) return Promise.resolve();
    if (timeout === 0)
      return Promise.reject(new TimeoutError(`${what} timed out after 0 ms: the future is not done`));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this._resolvers.push(done);
      if (Number.isFinite(timeout)) {
        timer = setTimeout(() => {
          const i = this._resolvers.indexOf(done);
          if (i >= 0) this._resolvers.splice(i, 1);
          reject(new TimeoutError(`${what} timed out after ${timeout} ms: the future is not done`));
        }, timeout);
      }
    });
  }

  /** A readable summary: `Future<FINISHED>`. */
  toString(): string {
    return `Future<${this._state}>`;
  }
}

function invokeCallback<T>(fn: (f: Future<T>) => void, f: Future<T>): void {
  try {
    fn(f);
  } catch (err) {
    // Python logs "exception calling callback for <Future>" and carries on.
    const e = err instanceof Error ? err : new Error(String(err));
    process.emitWarning(`exception calling callback for ${f}: ${e.stack ?? e.message}`, {
      type: 'FutureCallbackWarning',
      code: 'ERR_SKEIN_CALLBACK',
    });
  }
}
