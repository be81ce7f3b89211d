/**
 * The `Executor` interface (Python's `concurrent.futures.Executor`) and the base class that
 * gives every executor the same `map` and `[Symbol.asyncDispose]`.
 *
 * `map` follows Python: the items of a synchronous iterable are all submitted at the call
 * (unless `buffersize` bounds how many are in flight, as in Python 3.14), results come lazily in
 * input order, an item's error is thrown when the consumer reaches it, and stopping early
 * (`break`, an error, a timeout, an abort) cancels every item not yet started. With `chunksize`,
 * executors that support it send that many items per message (one task per chunk).
 *
 * @module
 */
import { RuntimeError, TimeoutError } from '../core/errors.js';
import { checkOptions, positiveInt } from '../core/options.js';
import type { AnyFunction, TaskRef } from '../core/task.js';
import { checkTimeout, deadlineOf, remaining } from '../core/wait-options.js';
import { Future } from './future.js';

/** A task an executor can run: an inline function, or a module task from `task(url, name)`. */
export type Task<F extends AnyFunction> = F | TaskRef<F>;

/** The value a task's future resolves to: its return value, awaited. */
export type TaskResult<F extends AnyFunction> = Awaited<ReturnType<F>>;

/** Per-task options of {@link Executor.submitWith}. */
export interface SubmitOptions {
  /**
   * Aborting the signal stops the task: a queued task is removed, a running one is stopped by
   * replacing its worker (pool executors). The future fails with the signal's reason. An
   * already-aborted signal fails the future at once (nothing runs).
   */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds the task may run (counted from when a worker takes it); then it is stopped as
   * by `signal` and its future fails with `TimeoutError` (`ERR_SKEIN_TIMEOUT`).
   */
  timeout?: number | undefined;
  /** ArrayBuffers among the arguments to move to the worker thread instead of copying (threads only). */
  transfer?: readonly ArrayBuffer[] | undefined;
}

/** The keys of {@link SubmitOptions}. */
export const SUBMIT_KEYS: readonly string[] = ['signal', 'timeout', 'transfer'];

/** Options of {@link Executor.map}. */
export interface MapOptions {
  /**
   * Milliseconds, counted from the `map` call, within which every result must be available;
   * past it the iteration throws `TimeoutError` and the remaining items are cancelled.
   */
  timeout?: number | undefined;
  /** Items per message (pool executors): fewer, larger messages for many tiny items. Default 1. */
  chunksize?: number | undefined;
  /**
   * Most chunks submitted and not yet consumed; the iterable is then read lazily as results are
   * taken (Python 3.14). Default: all of a synchronous iterable at once; `maxWorkers * 2` chunks
   * for an async iterable.
   */
  buffersize?: number | undefined;
  /** Aborting stops the iteration (it throws the signal's reason) and cancels the rest. */
  signal?: AbortSignal | undefined;
}

/** The keys of {@link MapOptions}. */
export const MAP_KEYS: readonly string[] = ['timeout', 'chunksize', 'buffersize', 'signal'];

/** Options of {@link Executor.shutdown}. */
export interface ShutdownOptions {
  /** Wait for every pending task to finish and the workers to exit. Default `true`. */
  wait?: boolean | undefined;
  /** Cancel the tasks no worker has started yet. Default `false`. */
  cancelFutures?: boolean | undefined;
}

/** The keys of {@link ShutdownOptions}. */
export const SHUTDOWN_KEYS: readonly string[] = ['wait', 'cancelFutures'];

/**
 * Runs tasks asynchronously and gives their results as {@link Future}s. Python:
 * `concurrent.futures.Executor`.
 */
export interface Executor extends AsyncDisposable {
  /**
   * Schedules `fn(...args)` and returns its future. Argument and result types are inferred from
   * `fn`: `submit((n: number) => String(n), 7)` is a `Future<string>`. Python: `submit(fn, *args)`.
   * @throws RuntimeError (`ERR_SKEIN_RUNTIME`) after `shutdown()`; the pool's `Broken…` error
   *   when it is broken; TypeError for an argument that cannot be sent (naming its path).
   */
  submit<F extends AnyFunction>(fn: Task<F>, ...args: Parameters<F>): Future<TaskResult<F>>;
  /** `submit` with per-task options (`signal`, `timeout`, `transfer`). Not in Python. */
  submitWith<F extends AnyFunction>(
    options: SubmitOptions,
    fn: Task<F>,
    ...args: Parameters<F>
  ): Future<TaskResult<F>>;
  /**
   * Calls `fn(item)` for every item, concurrently; results come in input order. Python:
   * `map(fn, iterable, timeout=None, chunksize=1, buffersize=None)` (one iterable). The third
   * argument is {@link MapOptions} or, as with the Pool's methods, the chunksize itself.
   */
  map<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    options?: MapOptions | number,
  ): AsyncIterable<TaskResult<F>>;
  /**
   * Accepts no more tasks and frees the workers once pending tasks are done. Python:
   * `shutdown(wait=True, *, cancel_futures=False)`. Calling it again is harmless.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/** The result of one chunk of `map`: each item's value, and the items that failed. Not exported from skein's entries. */
export interface ChunkResult {
  values: unknown[];
  errors: Map<number, Error> | undefined;
}

/**
 * What every executor shares: `submit` through `submitWith`, `map` through `submitChunk`, and
 * disposal through `shutdown`.
 */
export abstract class BaseExecutor implements Executor {
  /** True once `shutdown()` was called. */
  protected shutdownCalled = false;

  abstract submitWith<F extends AnyFunction>(
    options: SubmitOptions,
    fn: Task<F>,
    ...args: Parameters<F>
  ): Future<TaskResult<F>>;
  abstract shutdown(options?: ShutdownOptions): Promise<void>;
  /** Default number of chunks in flight for an async iterable. */
  protected abstract get mapBuffer(): number;

  /**
   * Submits one chunk of `map` (items are single arguments). The default submits each item
   * alone and gathers them; pool executors send the chunk as one message.
   */
  protected submitChunk(fn: Task<AnyFunction>, items: unknown[], _firstIndex: number): Future<ChunkResult> {
    const fs = items.map((item) => this.submitWith({}, fn as Task<(x: unknown) => unknown>, item));
    const out = new Future<ChunkResult>();
    out.setRunningOrNotifyCancel();
    let left = fs.length;
    const values: unknown[] = new Array(fs.length);
    let errors: Map<number, Error> | undefined;
    const cancelAll = () => {
      for (const f of fs) f.cancel();
    };
    (out as Future<ChunkResult> & { cancelChunk?: () => void }).cancelChunk = cancelAll;
    fs.forEach((f, i) => {
      f.then(
        (v) => {
          values[i] = v;
        },
        (e: unknown) => {
          errors ??= new Map();
          errors.set(i, e as Error);
        },
      ).finally(() => {
        if (--left === 0 && !out.done()) out.setResult({ values, errors });
      });
    });
    if (fs.length === 0) out.setResult({ values, errors });
    return out;
  }

  /** Python's `submit(fn, *args)`. See {@link Executor.submit}. */
  submit<F extends AnyFunction>(fn: Task<F>, ...args: Parameters<F>): Future<TaskResult<F>> {
    return this.submitWith({}, fn, ...args);
  }

  /**
   * Python's `map`. See {@link Executor.map} and {@link MapOptions}; a number as the third
   * argument is the chunksize.
   * @throws TypeError for an unknown option key or a bad option; RuntimeError after shutdown.
   */
  map<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    chunksizeOrOptions: MapOptions | number = {},
  ): AsyncIterable<TaskResult<F>> {
    const options: MapOptions =
      typeof chunksizeOrOptions === 'number' ? { chunksize: chunksizeOrOptions } : chunksizeOrOptions;
    if (typeof options !== 'object' || options === null)
      throw new TypeError('map(fn, iterable, options): options must be a chunksize or an options object');
    checkOptions('map()', options, MAP_KEYS);
    if (this.shutdownCalled) throw new RuntimeError('cannot schedule new futures after shutdown');
    const timeout = checkTimeout(options.timeout);
    const deadline = deadlineOf(timeout);
    const chunksize = positiveInt(options.chunksize, 'chunksize', 1);
    const isSync = typeof (iterable as Iterable<unknown>)[Symbol.iterator] === 'function';
    if (!isSync && typeof (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
      throw new TypeError('map(fn, iterable): iterable must be iterable or async iterable');
    }
    const buffersize = positiveInt(
      options.buffersize,
      'buffersize',
      isSync ? Number.POSITIVE_INFINITY : this.mapBuffer,
    );
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new TypeError('signal must be an AbortSignal');

    const chunks: Future<ChunkResult>[] = [];
    let index = 0;
    let exhausted = false;
    const syncIt = isSync ? (iterable as Iterable<unknown>)[Symbol.iterator]() : undefined;
    const asyncIt = isSync ? undefined : (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]();

    const submitFrom = (items: unknown[]) => {
      chunks.push(this.submitChunk(fn as Task<AnyFunction>, items, index));
      index += items.length;
    };
    /** Submits chunks from a sync iterable until `limit` are in flight. */
    // An array is cut into chunks with `slice` (much cheaper than the iterator protocol per item).
    const array = Array.isArray(iterable) ? (iterable as unknown[]) : undefined;
    const fillSync = (limit: number) => {
      while (array !== undefined && !exhausted && chunks.length < limit) {
        const items = array.slice(index, index + chunksize);
        if (index + items.length >= array.length) exhausted = true;
        if (items.length > 0) submitFrom(items);
      }
      while (!exhausted && chunks.length < limit) {
        const items: unknown[] = [];
        while (items.length < chunksize) {
          const r = syncIt!.next();
          if (r.done) {
            exhausted = true;
            break;
          }
          items.push(r.value);
        }
        if (items.length > 0) submitFrom(items);
      }
    };
    const fillAsync = async (limit: number) => {
      while (!exhausted && chunks.length < limit) {
        const items: unknown[] = [];
        while (items.length < chunksize) {
          const r = await asyncIt!.next();
          if (r.done) {
            exhausted = true;
            break;
          }
          items.push(r.value);
        }
        if (items.length > 0) submitFrom(items);
      }
    };
    // Python submits every item at the call; so do we for a sync iterable (bounded by buffersize).
    if (isSync) fillSync(buffersize);

    const cancelRest = () => {
      for (const c of chunks) cancelChunk(c);
      chunks.length = 0;
    };
    // A hand-written iterator rather than an async generator: results already received are
    // handed out with one resolved promise each, without the generator's extra turns.
    let current: ChunkResult | undefined;
    let pos = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      current = undefined;
      cancelRest();
      if (!exhausted && asyncIt?.return) await asyncIt.return();
    };
    const done: IteratorReturnResult<undefined> = { value: undefined, done: true };
    const slow = async (): Promise<IteratorResult<TaskResult<F>>> => {
      try {
        for (;;) {
          if (closed) return done;
          if (current !== undefined && pos < current.values.length) return step();
          if (isSync) fillSync(buffersize);
          else await fillAsync(buffersize);
          const c = chunks.shift();
          if (c === undefined) {
            await close();
            return done;
          }
          try {
            current = await awaitChunk(c, remaining(deadline), signal);
          } catch (err) {
            // The chunk is not done, so it was the wait (bounded by what was left of map's
            // timeout) that ended, not the task: say so in map's terms.
            if (err instanceof TimeoutError && !c.done())
              throw new TimeoutError(`map() timed out after ${timeout} ms`, { cause: err });
            throw err;
          }
          pos = 0;
        }
      } catch (err) {
        await close();
        throw err;
      }
    };
    const step = (): IteratorResult<TaskResult<F>> => {
      const i = pos++;
      const e = current!.errors?.get(i);
      if (e !== undefined) {
        void close();
        throw e;
      }
      return { value: current!.values[i] as TaskResult<F>, done: false };
    };
    const iterator: AsyncIterator<TaskResult<F>> = {
      next: () => {
        if (closed || current === undefined || pos >= current.values.length) return slow();
        try {
          return Promise.resolve(step());
        } catch (err) {
          return Promise.reject(err);
        }
      },
      return: async () => {
        await close();
        return done;
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  /** Python's `with executor:` as `await using`: `shutdown({ wait: true })`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }
}

/** Cancels a chunk's future (and, for a gathered chunk, its items). */
function cancelChunk(c: Future<ChunkResult>): void {
  const extra = (c as Future<ChunkResult> & { cancelChunk?: () => void }).cancelChunk;
  if (extra) extra();
  c.cancel();
}

/** Waits for a chunk within `ms`, or until `signal` aborts. */
function awaitChunk(
  c: Future<ChunkResult>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<ChunkResult> {
  if (signal === undefined) return c.result({ timeout: Number.isFinite(ms) ? ms : undefined });
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<ChunkResult>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    c.result({ timeout: Number.isFinite(ms) ? ms : undefined }).then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
