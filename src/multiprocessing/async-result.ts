/**
 * `AsyncResult`: the eventual result of `Pool.applyAsync`, `mapAsync` and `starmapAsync`.
 * Python: `multiprocessing.pool.AsyncResult` (and its subclass `MapResult`).
 *
 * An AsyncResult is settled exactly once, by the pool, on the thread that created it. As in
 * CPython's `AsyncResult._set`, the callback (or error callback) runs first and the result becomes
 * ready after it: a `get()` that resolves has seen the callback run.
 *
 * @module
 */
import { TimeoutError, ValueError } from '../core/errors.js';
import { parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';

/** Callbacks of `applyAsync`/`mapAsync`/`starmapAsync`. Python: `callback`, `error_callback`. */
export interface AsyncResultCallbacks<T> {
  /**
   * Called in the parent (the thread that called the pool) with the result, as soon as it is
   * available — so callbacks of several tasks run in completion order. A callback that throws is
   * reported with `process.emitWarning` (code `ERR_SKEIN_CALLBACK`), never propagated.
   */
  callback?: ((result: T) => void) | undefined;
  /** Called in the parent with the error when the task fails (for a map: the first error). */
  errorCallback?: ((error: Error) => void) | undefined;
}

const kCreate: unique symbol = Symbol('AsyncResult.create');

/** The pool's handle to settle an AsyncResult. @internal */
export interface AsyncResultSettler<T> {
  readonly result: AsyncResult<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * The eventual result of a task submitted with `applyAsync` (or of a whole `mapAsync`). Python:
 * `multiprocessing.pool.AsyncResult`. Created by the pool only.
 *
 * `get(timeout?)` waits for the result and resolves with it, or rejects with the task's error
 * (for a map: the first error); past `timeout` milliseconds it rejects with
 * {@link TimeoutError} (`ERR_SKEIN_TIMEOUT`) and the task goes on — a later `get` may succeed.
 * `wait(timeout?)` waits the same way without returning anything and never rejects for a timeout.
 *
 * @example
 * const r = pool.applyAsync((a: number, b: number) => a + b, [1, 2], { callback: (v) => console.log(v) });
 * console.log(await r.get(1000)); // 3
 * console.log(r.ready(), r.successful()); // true true
 */
export class AsyncResult<T> {
  private state: 'pending' | 'ok' | 'error' = 'pending';
  private value: T | undefined;
  private error: Error | undefined;
  private readonly promise: Promise<void>;
  private markDone!: () => void;

  /** @internal Created by the pool: use `pool.applyAsync`/`mapAsync`. */
  constructor(
    key: typeof kCreate,
    private readonly callbacks: AsyncResultCallbacks<T>,
  ) {
    if (key !== kCreate) throw new TypeError('AsyncResult is created by a pool (pool.applyAsync, mapAsync)');
    this.promise = new Promise<void>((resolve) => {
      this.markDone = resolve;
    });
  }

  /** @internal Creates a pending AsyncResult and the handle that settles it. */
  static create<T>(callbacks: AsyncResultCallbacks<T> = {}): AsyncResultSettler<T> {
    const result = new AsyncResult<T>(kCreate, callbacks);
    return {
      result,
      resolve: (v) => result.settle(true, v, undefined),
      reject: (e) => result.settle(false, undefined, e),
    };
  }

  private settle(ok: boolean, value: T | undefined, error: Error | undefined): void {
    if (this.state !== 'pending') return;
    if (ok) {
      this.value = value;
      invoke(this.callbacks.callback, value as T);
    } else {
      this.error = error;
      invoke(this.callbacks.errorCallback, error as Error);
    }
    this.state = ok ? 'ok' : 'error';
    this.markDone();
  }

  /** Whether the task has finished (successfully or not). Python: `ready()`. */
  ready(): boolean {
    return this.state !== 'pending';
  }

  /**
   * Whether the task finished without error. Python: `successful()`.
   * @throws ValueError (`ERR_SKEIN_VALUE`) when the result is not ready yet, as Python does.
   */
  successful(): boolean {
    if (this.state === 'pending')
      throw new ValueError('the result is not ready: await wait() or get() first');
    return this.state === 'ok';
  }

  /**
   * Waits until the result is ready, or until `timeout` ms have passed (then it resolves all the
   * same: check {@link ready}), or until `signal` aborts (it rejects with the signal's reason).
   * Python: `wait(timeout=None)`.
   * @throws TypeError/RangeError for a bad timeout.
   */
  async wait(timeout?: number | WaitOptions): Promise<void> {
    await this.waitFor(timeout);
  }

  /**
   * Resolves with the result when it arrives; rejects with the task's error (for a map, the
   * first error), or with {@link TimeoutError} (`ERR_SKEIN_TIMEOUT`) when it is not ready within
   * `timeout` ms (the task goes on), or with the signal's reason. Python: `get(timeout=None)`.
   * @throws TypeError/RangeError for a bad timeout.
   */
  async get(timeout?: number | WaitOptions): Promise<T> {
    if (!(await this.waitFor(timeout))) {
      throw new TimeoutError(
        `get() timed out after ${parseWait(timeout).timeout} ms: the result is not ready`,
      );
    }
    if (this.state === 'error') throw this.error as Error;
    return this.value as T;
  }

  /** True once ready; false when the wait timed out. */
  private waitFor(arg: number | WaitOptions | undefined): Promise<boolean> {
    let parsed: ReturnType<typeof parseWait>;
    try {
      parsed = parseWait(arg, 'AsyncResult.wait()', WAIT_KEYS);
    } catch (err) {
      return Promise.reject(err);
    }
    const { timeout, signal } = parsed;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.state !== 'pending') return Promise.resolve(true);
    if (timeout === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      if (Number.isFinite(timeout)) {
        timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve(false);
        }, timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.promise.then(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** `AsyncResult <pending|fulfilled|rejected>`. */
  toString(): string {
    return `AsyncResult <${this.state === 'pending' ? 'pending' : this.state === 'ok' ? 'fulfilled' : 'rejected'}>`;
  }
}

/** Runs a user callback; a throw is reported, never propagated (it would break the pool's bookkeeping). */
function invoke<A>(fn: ((a: A) => void) | undefined, arg: A): void {
  if (fn === undefined) return;
  try {
    fn(arg);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    process.emitWarning(`exception in a pool callback: ${e.stack ?? e.message}`, {
      type: 'PoolCallbackWarning',
      code: 'ERR_SKEIN_CALLBACK',
    });
  }
}
