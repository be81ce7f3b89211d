/**
 * `Pool`: Python's `multiprocessing.Pool` — a fixed set of worker processes that run tasks given
 * with `apply`, `map` and their variants. `ThreadPool` (`thread-pool.ts`) is the same face on
 * worker threads: as in CPython, it subclasses `Pool` and differs only in the transport.
 *
 * ## Implementer's overview
 *
 * The face owns no dispatch: every task is a {@link UnitTask} handed to the pool engine
 * (`core/pool/engine.ts`), which queues, pipelines, batches and replaces dead workers. A unit is
 * either one call (`apply`, and `map` items with `chunksize` 1) or a `chunk` of items answered in
 * one reply (`map` with a larger chunksize, as CPython's `mapstar`). Every unit reports per-item
 * values and errors ({@link UnitResult}); `mapAsync` gathers them into one list, the imap
 * iterators (`imap.ts`) hand them out as they come.
 *
 * States, as CPython's `RUN → CLOSE | TERMINATE`:
 *
 * ```
 *   run ──close()──► close ──join()──► (lazy imaps end) → engine.shutdown(): workers exit
 *    └──terminate()──► terminate ──► engine.terminate(): workers killed, pending units fail
 * ```
 *
 * `close()` does not close the engine at once: an `imap` started before it still reads its
 * iterable lazily and must be able to submit. The engine is shut down by `join()` once every
 * such iteration has ended.
 *
 * `terminate()` fails queued units with `CancelledError`; held ones fail with the engine's
 * `WorkerDiedError` — except those a killed thread provably never began, which the engine puts back
 * in its queue after it was drained: they are drained and cancelled once more when the workers
 * have exited.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { BrokenProcessPool, CancelledError, ValueError } from '../core/errors.js';
import { checkOptions, positiveInt } from '../core/options.js';
import { checkWorkerCount, PoolEngine, type PoolTask } from '../core/pool/engine.js';
import type { PoolMetrics } from '../core/pool/metrics.js';
import { encodeValue, type HandleTable } from '../core/serialize.js';
import { type AnyFunction, type TaskSpec, toTaskSpec } from '../core/task.js';
import type { Outcome } from '../core/worker-client.js';
import type { Task, TaskResult } from '../futures/executor.js';
import { AsyncResult, type AsyncResultCallbacks } from './async-result.js';
import { IMapIterator, type UnitResult } from './imap.js';

export type { Task, TaskResult } from '../futures/executor.js';

/** Options of {@link Pool} and `ThreadPool`. Python: `Pool(processes, initializer, initargs, maxtasksperchild)`. */
export interface PoolOptions<I extends AnyFunction = AnyFunction> {
  /** Number of workers; defaults to `os.availableParallelism()` (Python: `os.cpu_count()`). */
  processes?: number | undefined;
  /**
   * Runs in every worker before its first task (an inline function or a module task). If it
   * throws, the pool is broken: pending tasks fail with `BrokenProcessPool`/`BrokenThreadPool`
   * and later calls throw it (Python would restart the failing worker forever).
   */
  initializer?: Task<I> | undefined;
  /** Arguments of the initializer. Python: `initargs`. */
  initargs?: Parameters<I> | undefined;
  /**
   * A worker exits after this many tasks and a fresh one replaces it (a map chunk counts as one
   * task, as in Python). Default: workers live as long as the pool. Python: `maxtasksperchild`.
   */
  maxtasksperchild?: number | undefined;
}

/** The keys of {@link PoolOptions}. */
export const POOL_KEYS: readonly string[] = ['processes', 'initializer', 'initargs', 'maxtasksperchild'];

/**
 * The chunksize option of {@link Pool.map}, {@link Pool.starmap}, {@link Pool.imap} and
 * {@link Pool.imapUnordered}; each takes the number itself too, as Python's positional `chunksize`.
 */
export interface ChunksizeOptions {
  /** Items per task (message). */
  chunksize?: number | undefined;
}

/** The keys of {@link ChunksizeOptions}. */
export const CHUNKSIZE_KEYS: readonly string[] = ['chunksize'];

/** Options of {@link Pool.mapAsync} and {@link Pool.starmapAsync}. */
export interface MapAsyncOptions<T> extends AsyncResultCallbacks<T> {
  /** Items per task (message). Default: as Python computes it, about `len / (processes * 4)`. */
  chunksize?: number | undefined;
}

/** The keys of {@link AsyncResultCallbacks} (`applyAsync`'s options). */
export const CALLBACK_KEYS: readonly string[] = ['callback', 'errorCallback'];

/** The keys of {@link MapAsyncOptions}. */
export const MAP_ASYNC_KEYS: readonly string[] = [...CALLBACK_KEYS, 'chunksize'];

/**
 * Reads the last argument of a chunked call: a number is the chunksize (Python's positional
 * `chunksize`), an object the options. One rule for every Pool method that has a chunksize.
 * @throws TypeError for another type or an unknown key.
 */
function chunkArg<O extends ChunksizeOptions>(
  what: string,
  arg: number | O | undefined,
  keys: readonly string[],
): O {
  if (arg === undefined || arg === null) return {} as O;
  if (typeof arg === 'number') return { chunksize: arg } as O;
  if (typeof arg !== 'object')
    throw new TypeError(`${what}: expected a chunksize or an options object, got ${typeof arg}`);
  checkOptions(what, arg, keys);
  return arg;
}

/** A pool's state. Python: `RUN`, `CLOSE`, `TERMINATE`. */
export type PoolState = 'run' | 'close' | 'terminate';

/**
 * Python's default chunksize of `map`: `chunksize, extra = divmod(len, processes * 4)`, plus one
 * if there is a remainder; 0 items give no chunks at all.
 */
export function defaultChunksize(length: number, processes: number): number {
  if (length === 0) return 0;
  const chunk = Math.floor(length / (processes * 4));
  return length % (processes * 4) === 0 ? chunk : chunk + 1;
}

/** True when every item is a number, string or boolean (always cloneable, nothing to substitute). */
function allPlain(items: unknown[]): boolean {
  for (let i = 0; i < items.length; i++) {
    const t = typeof items[i];
    if (t !== 'number' && t !== 'string' && t !== 'boolean') return false;
  }
  return true;
}

/** Most tasks a child process holds at once (threads: the engine's default). */
const PROCESS_PIPELINE = 32;

/** A unit of work for the engine: one call or one chunk, reporting per-item outcomes. */
class UnitTask implements PoolTask {
  cancelled = false;
  readonly transfer = undefined;
  readonly timeout = undefined;
  readonly signal = undefined;
  constructor(
    readonly spec: TaskSpec,
    readonly args: unknown[],
    readonly shared: HandleTable | undefined,
    readonly chunk: true | undefined,
    /** Position of the unit's first item in the whole input. */
    readonly first: number,
    /** Number of items. */
    readonly size: number,
    private readonly done: (task: UnitTask, r: UnitResult) => void,
  ) {}
  start(): boolean {
    return !this.cancelled;
  }
  settle(o: Outcome): void {
    if (this.cancelled) return;
    if (!o.ok) {
      const errors = new Map<number, Error>();
      for (let i = 0; i < this.size; i++) errors.set(i, o.error);
      this.done(this, { values: [], errors });
    } else if (this.chunk) {
      this.done(this, { values: o.value as unknown[], errors: o.errors });
    } else this.done(this, { values: [o.value], errors: undefined });
  }
}

/** Makes a task that takes one array and calls `fn(...array)` — `starmap`'s chunks, as CPython's `starmapstar`. */
function starSpec(spec: TaskSpec & { kind: 'inline' }): TaskSpec {
  return {
    kind: 'inline',
    source: `(function (f) { return function (a) { return f.apply(undefined, a); }; })(${spec.source}\n)`,
  };
}

let processCounter = 0;

/**
 * A pool of worker processes. Python: `multiprocessing.Pool(processes, initializer, initargs,
 * maxtasksperchild)`.
 *
 * Tasks are inline functions (self-contained: sent as source text) or module tasks
 * (`task(url, name)`); arguments and results are copied (V8 serialization for processes,
 * structured clone for threads). Result types are inferred: `pool.map((n: number) => String(n),
 * [1, 2])` is a `Promise<string[]>`.
 *
 * - `apply` / `applyAsync` run one call; `map` / `mapAsync` / `starmap` / `starmapAsync` split a
 *   list into chunks (default chunksize as Python's); `imap` / `imapUnordered` read any iterable
 *   lazily and yield results as they come.
 * - Callbacks (`callback`, `errorCallback`) run in the parent, in completion order; one that
 *   throws is reported with `process.emitWarning` (code `ERR_SKEIN_CALLBACK`).
 * - `close()` then `await join()` waits for the work and the workers; `terminate()` stops the
 *   workers now; `await using` terminates, as Python's `with Pool() as p:` does.
 *
 * Misuse, as Python: any task after `close()`/`terminate()` and `join()` while the pool is still
 * running are a {@link ValueError} (`ERR_SKEIN_VALUE`; Python: `ValueError: Pool not running` /
 * `Pool is still running`). A non-function task and a non-array `args` are a TypeError; an argument
 * or item that cannot be sent is a TypeError naming its path (`args[1].handler`, `iterable[7]`),
 * thrown before anything is sent; a `chunksize` or `processes` below 1 is a RangeError (Python:
 * ValueError).
 *
 * Differences from Python: a worker that dies (`process.exit`, a crash, killed) never hangs the
 * pool (CPython's bpo-22393): the tasks it held fail with `WorkerDiedError` and a new worker takes
 * its place. After `terminate()`, tasks a worker was running fail with `WorkerDiedError` (reason
 * `'terminated'`) and tasks not started fail with `CancelledError` (Python leaves them pending
 * forever). `imap` reads its iterable only as results are taken (Python reads it all at once).
 *
 * @example
 * const pool = new Pool({ processes: 4 });
 * console.log(await pool.apply((a: number, b: number) => a * b, [6, 7])); // 42
 * const r = pool.applyAsync((n: number) => n * n, [9], { callback: (v) => console.log('got', v) });
 * console.log(await pool.map((x: number) => x + 1, [1, 2, 3])); // [2, 3, 4]
 * pool.close();
 * await pool.join();
 * console.log(await r.get()); // 81
 */
export class Pool implements AsyncDisposable {
  /** Number of workers. Python: `_processes`. */
  readonly processes: number;
  private readonly engine: PoolEngine;
  private _state: PoolState = 'run';
  /** imap iterations still running: the engine stays open for them after `close()`. */
  private readonly lazy = new Set<object>();
  private lazyDrained: (() => void) | undefined;
  private terminating: Promise<void> | undefined;
  private joining: Promise<void> | undefined;

  /**
   * Starts the workers (Python starts them at construction too; idle ones never keep the
   * program alive).
   * @throws TypeError for a non-integer `processes`/`maxtasksperchild` or a bad initializer;
   *   RangeError for a value below 1 (Python: ValueError); TypeError for initargs that cannot be sent.
   */
  constructor(options: PoolOptions = {}) {
    const kind = this.kind;
    checkOptions(this.constructor.name, options, POOL_KEYS);
    const processes =
      options.processes === undefined
        ? availableParallelism()
        : checkWorkerCount(options.processes, 'processes');
    this.processes = processes;
    const init =
      options.initializer === undefined ? undefined : toTaskSpec(options.initializer, 'initializer');
    const initargs = encodeValue(options.initargs ?? [], kind, 'initargs');
    if (!Array.isArray(initargs.value)) throw new TypeError('initargs must be an array');
    const name = this.workerName.bind(this);
    this.engine = new PoolEngine({
      kind,
      maxWorkers: processes,
      workerName: () => name(),
      initializer: init,
      initargs: initargs.value as unknown[],
      initShared: initargs.shared,
      maxTasksPerWorker:
        options.maxtasksperchild === undefined
          ? undefined
          : positiveInt(options.maxtasksperchild, 'maxtasksperchild'),
      pipeline: kind === 'process' ? PROCESS_PIPELINE : undefined,
      broken: (message, cause) => this.brokenError(message, cause),
    });
    this.engine.prestart();
  }

  /** The transport of this pool's workers. */
  protected get kind(): 'thread' | 'process' {
    return 'process';
  }

  /** The name of the next worker: `ForkPoolWorker-N`, as Python's on Linux. */
  protected workerName(): string {
    return `ForkPoolWorker-${++processCounter}`;
  }

  /** The error a broken pool (failed initializer) fails tasks with. */
  protected brokenError(message: string, cause: Error | undefined): Error {
    return new BrokenProcessPool(`the pool is broken: ${message}`, { cause });
  }

  /** `'run'`, `'close'` or `'terminate'`. Python: `_state`. */
  get state(): PoolState {
    return this._state;
  }

  /** The pool's counters and wait/run time percentiles. Not in Python. */
  metrics(): PoolMetrics {
    return this.engine.metrics();
  }

  private checkRunning(): void {
    if (this._state !== 'run')
      throw new ValueError('Pool not running: no task can be given after close() or terminate()');
    const broken = this.engine.broken;
    if (broken) throw broken;
  }

  /**
   * Encodes a unit of items (positions `first…`) for the engine, without submitting it.
   * @throws TypeError naming the first item that cannot be sent.
   */
  private prepare(
    spec: TaskSpec,
    star: boolean,
    items: unknown[],
    first: number,
    done: (t: UnitTask, r: UnitResult) => void,
  ): UnitTask[] {
    const kind = this.kind;
    if (items.length === 1) {
      const item = items[0];
      if (star) {
        if (!Array.isArray(item)) throw new TypeError(`iterable[${first}] must be an array of arguments`);
        const enc = encodeValue(item, kind, `iterable[${first}]`);
        return [new UnitTask(spec, enc.value, enc.shared, undefined, first, 1, done)];
      }
      const enc = encodeValue(item, kind, `iterable[${first}]`);
      return [new UnitTask(spec, [enc.value], enc.shared, undefined, first, 1, done)];
    }
    if (star) {
      for (let i = 0; i < items.length; i++)
        if (!Array.isArray(items[i]))
          throw new TypeError(`iterable[${first + i}] must be an array of arguments`);
      if (spec.kind === 'module') {
        // A module task cannot be wrapped in an inline adapter: one call per item, gathered.
        const values: unknown[] = new Array(items.length);
        let errors: Map<number, Error> | undefined;
        let left = items.length;
        const parts = items.map((item, i) =>
          this.prepare(spec, true, [item], first + i, (_t, r) => {
            if (r.errors) {
              errors ??= new Map();
              errors.set(i, r.errors.get(0)!);
            } else values[i] = r.values[0];
            if (--left === 0) done(unit, { values, errors });
          }),
        );
        // Never submitted: it only names the whole unit (first, size) to `done`.
        const unit = new UnitTask(spec, items, undefined, true, first, items.length, done);
        return parts.flat();
      }
      spec = starSpec(spec);
    }
    // Numbers, strings and booleans always clone: a chunk of them needs no walk.
    if (allPlain(items)) return [new UnitTask(spec, items, undefined, true, first, items.length, done)];
    let enc: ReturnType<typeof encodeValue<unknown[]>>;
    try {
      enc = encodeValue(items, kind, 'iterable');
    } catch (err) {
      // Name the offending item by its position in the whole iterable.
      for (let i = 0; i < items.length; i++) encodeValue(items[i], kind, `iterable[${first + i}]`);
      throw err;
    }
    return [new UnitTask(spec, enc.value, enc.shared, true, first, items.length, done)];
  }

  private submitAll(tasks: UnitTask[]): void {
    for (const t of tasks) this.engine.submit(t);
  }

  /**
   * Runs `fn(...args)` in a worker and resolves with its result (rejects with its error). Python:
   * `apply(func, args=())`, which blocks; here the call returns a Promise.
   * Rejects with ValueError (`ERR_SKEIN_VALUE`) after `close()`/`terminate()`, TypeError for a
   * bad task or an argument that cannot be sent (nothing is sent), `WorkerDiedError` when the
   * worker dies running it.
   *
   * @example
   * const sum = await pool.apply((a: number, b: number) => a + b, [1, 2]); // 3
   */
  async apply<F extends AnyFunction>(fn: Task<F>, args?: Parameters<F>): Promise<TaskResult<F>> {
    return this.applyAsync(fn, args).get();
  }

  /**
   * Runs `fn(...args)` in a worker and returns an {@link AsyncResult} at once. `callback` gets the
   * result, `errorCallback` the error, in the parent, as soon as the task ends. Python:
   * `apply_async(func, args=(), kwds={}, callback=None, error_callback=None)`.
   * @throws ValueError (`ERR_SKEIN_VALUE`) after `close()`/`terminate()`; the pool's `Broken…`
   *   error when an initializer failed; TypeError for a non-function task, a non-array `args`, or
   *   an argument that cannot be sent (its path named; nothing is sent).
   *
   * @example
   * const r = pool.applyAsync((n: number) => n * 2, [21], { callback: (v) => console.log(v) });
   * await r.get(); // 42
   */
  applyAsync<F extends AnyFunction>(
    fn: Task<F>,
    args?: Parameters<F>,
    options: AsyncResultCallbacks<TaskResult<F>> = {},
  ): AsyncResult<TaskResult<F>> {
    checkOptions('applyAsync()', options, CALLBACK_KEYS);
    this.checkRunning();
    const spec = toTaskSpec(fn, 'fn');
    if (args !== undefined && !Array.isArray(args))
      throw new TypeError('args must be an array of arguments (Python: a tuple)');
    const enc = encodeValue((args ?? []) as unknown[], this.kind, 'args');
    const settler = AsyncResult.create<TaskResult<F>>(options);
    const task = new UnitTask(spec, enc.value, enc.shared, undefined, 0, 1, (_t, r) => {
      const e = r.errors?.get(0);
      if (e !== undefined) settler.reject(e);
      else settler.resolve(r.values[0] as TaskResult<F>);
    });
    this.engine.submit(task);
    return settler.result;
  }

  private mapLike<R>(
    fn: Task<AnyFunction>,
    iterable: Iterable<unknown>,
    options: MapAsyncOptions<R[]>,
    star: boolean,
  ): AsyncResult<R[]> {
    this.checkRunning();
    const spec = toTaskSpec(fn, 'fn');
    if (iterable == null || typeof (iterable as Iterable<unknown>)[Symbol.iterator] !== 'function')
      throw new TypeError('iterable must be iterable (an array, a Set, a generator…)');
    const items = Array.isArray(iterable) ? (iterable as unknown[]) : [...iterable];
    const chunksize =
      options.chunksize === undefined
        ? defaultChunksize(items.length, this.processes)
        : positiveInt(options.chunksize, 'chunksize');
    const settler = AsyncResult.create<R[]>(options);
    const n = items.length;
    const out: unknown[] = new Array(n);
    let left = 0;
    let failed = false;
    const done = (t: UnitTask, r: UnitResult) => {
      if (failed) return;
      if (r.errors !== undefined && r.errors.size > 0) {
        // The first error to arrive fails the whole map, as in Python (the rest still run).
        failed = true;
        settler.reject(r.errors.get(Math.min(...r.errors.keys()))!);
        return;
      }
      const v = r.values;
      if (t.size === 1) out[t.first] = v[0];
      else for (let i = 0; i < v.length; i++) out[t.first + i] = v[i];
      if (--left === 0) settler.resolve(out as R[]);
    };
    // Everything is encoded before anything is sent: a bad item fails the call, nothing runs.
    const tasks: UnitTask[] = [];
    for (let i = 0; i < n; i += chunksize) {
      const unit = chunksize === 1 ? [items[i]] : items.slice(i, i + chunksize);
      const parts = this.prepare(spec, star, unit, i, done);
      for (const p of parts) tasks.push(p);
    }
    left = star && spec.kind === 'module' && chunksize > 1 ? Math.ceil(n / chunksize) : tasks.length;
    if (n === 0) settler.resolve([]);
    else this.submitAll(tasks);
    return settler.result;
  }

  /**
   * Calls `fn(item)` for every item, in chunks, and resolves with the results in input order;
   * rejects with the first error (the other items still run). Python: `map(func, iterable,
   * chunksize=None)`, which blocks; here it returns a Promise. The iterable is read at once (as
   * Python turns it into a list); see {@link imap} for a lazy one.
   * Rejects with ValueError after `close()`/`terminate()`; TypeError for a bad task, a non-iterable,
   * or an item that cannot be sent (`iterable[7]`); RangeError for a `chunksize` below 1.
   *
   * @example
   * const squares = await pool.map((x: number) => x * x, [1, 2, 3]); // [1, 4, 9]
   */
  async map<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>[0]>,
    chunksize?: number | ChunksizeOptions,
  ): Promise<TaskResult<F>[]> {
    return this.mapLike<TaskResult<F>>(
      fn,
      iterable,
      chunkArg('map()', chunksize, CHUNKSIZE_KEYS),
      false,
    ).get();
  }

  /**
   * {@link map} returning an {@link AsyncResult} at once; `callback` gets the whole list once,
   * `errorCallback` the first error. Python: `map_async(func, iterable, chunksize=None,
   * callback=None, error_callback=None)`.
   * @throws as {@link map} rejects.
   */
  mapAsync<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>[0]>,
    options: number | MapAsyncOptions<TaskResult<F>[]> = {},
  ): AsyncResult<TaskResult<F>[]> {
    return this.mapLike<TaskResult<F>>(fn, iterable, chunkArg('mapAsync()', options, MAP_ASYNC_KEYS), false);
  }

  /**
   * Like {@link map}, each item being the list of arguments: `fn(...item)`. Python:
   * `starmap(func, iterable, chunksize=None)`.
   *
   * @example
   * await pool.starmap((a: number, b: number) => a ** b, [[2, 3], [3, 2]]); // [8, 9]
   */
  async starmap<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>>,
    chunksize?: number | ChunksizeOptions,
  ): Promise<TaskResult<F>[]> {
    return this.mapLike<TaskResult<F>>(
      fn,
      iterable,
      chunkArg('starmap()', chunksize, CHUNKSIZE_KEYS),
      true,
    ).get();
  }

  /**
   * {@link starmap} returning an {@link AsyncResult}. Python: `starmap_async(func, iterable,
   * chunksize=None, callback=None, error_callback=None)`.
   */
  starmapAsync<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>>,
    options: number | MapAsyncOptions<TaskResult<F>[]> = {},
  ): AsyncResult<TaskResult<F>[]> {
    return this.mapLike<TaskResult<F>>(
      fn,
      iterable,
      chunkArg('starmapAsync()', options, MAP_ASYNC_KEYS),
      true,
    );
  }

  private lazyMap<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    chunksize: number,
    ordered: boolean,
  ): IMapIterator<TaskResult<F>> {
    this.checkRunning();
    const spec = toTaskSpec(fn, 'fn');
    const cs = positiveInt(chunksize, 'chunksize');
    if (
      iterable == null ||
      (typeof (iterable as Iterable<unknown>)[Symbol.iterator] !== 'function' &&
        typeof (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function')
    )
      throw new TypeError('iterable must be iterable or async iterable');
    const token = {};
    this.lazy.add(token);
    return new IMapIterator<TaskResult<F>>(
      iterable,
      {
        submit: (items, first, done) => {
          if (this._state === 'terminate') throw new ValueError('Pool not running: it was terminated');
          const broken = this.engine.broken;
          if (broken) throw broken;
          const tasks = this.prepare(spec, false, items, first, (_t, r) => done(r));
          this.submitAll(tasks);
          return () => {
            for (const t of tasks) t.cancelled = true;
          };
        },
        end: () => {
          this.lazy.delete(token);
          if (this.lazy.size === 0) this.lazyDrained?.();
        },
      },
      cs,
      // Units submitted and not consumed: enough to keep every worker busy, bounded.
      this.processes * 4,
      ordered,
    );
  }

  /**
   * Calls `fn(item)` for every item and yields the results in input order as they become
   * available. Lazy: the iterable (sync or async, possibly endless) is read only as results are
   * taken — at most `4 × processes` units of `chunksize` items are in flight — so memory stays
   * bounded. An item's error is thrown when the iteration reaches it and ends the iteration;
   * `break` (or `return()`) stops reading and drops the units not started. Python:
   * `imap(func, iterable, chunksize=1)` (which reads the whole iterable at once).
   * @throws ValueError after `close()`/`terminate()`; TypeError for a bad task or a non-iterable;
   *   RangeError for a `chunksize` below 1. An item that cannot be sent fails at its position.
   *
   * @example
   * for await (const line of pool.imap((n: number) => `#${n}`, naturals(), 10)) if (done(line)) break;
   */
  imap<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    chunksize: number | ChunksizeOptions = 1,
  ): AsyncIterableIterator<TaskResult<F>> {
    return this.lazyMap(fn, iterable, chunkArg('imap()', chunksize, CHUNKSIZE_KEYS).chunksize ?? 1, true);
  }

  /**
   * Like {@link imap}, yielding results in completion order. Python:
   * `imap_unordered(func, iterable, chunksize=1)`.
   */
  imapUnordered<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    chunksize: number | ChunksizeOptions = 1,
  ): AsyncIterableIterator<TaskResult<F>> {
    return this.lazyMap(
      fn,
      iterable,
      chunkArg('imapUnordered()', chunksize, CHUNKSIZE_KEYS).chunksize ?? 1,
      false,
    );
  }

  /**
   * Accepts no more tasks; those given still run (and `imap` iterations already started go on
   * reading their iterable). Then `join()` waits for them. Python: `close()`. Harmless to repeat.
   */
  close(): void {
    if (this._state === 'run') this._state = 'close';
  }

  /**
   * Stops the workers now, without waiting for the work (Python: `terminate()`). Tasks a worker
   * was running fail with `WorkerDiedError` (reason `'terminated'`), tasks not yet started with
   * `CancelledError`; imap iterations end with those errors. `join()` then resolves once every
   * worker has exited. Harmless to repeat.
   */
  terminate(): void {
    if (this._state === 'terminate') return;
    this._state = 'terminate';
    this.lazy.clear();
    this.lazyDrained?.();
    const cancel = (tasks: PoolTask[]) => {
      for (const t of tasks)
        t.settle({
          ok: false,
          error: new CancelledError('the pool was terminated before this task started'),
          idle: undefined,
        });
    };
    this.terminating = (async () => {
      cancel(await this.engine.terminate());
      // Tasks a dying worker proved it never began are put back in the queue by the engine;
      // no worker will take them now.
      await new Promise<void>((r) => setImmediate(r));
      cancel(this.engine.drainQueue());
    })();
  }

  /**
   * Waits for the workers to exit: after `close()`, once every task has finished (and every imap
   * iteration started before it has ended — an imap left unfinished must be ended with
   * `break`/`return()` or `terminate()`, or join waits for it); after `terminate()`, once they are
   * stopped. Python: `join()`.
   * @throws (rejects with) ValueError (`ERR_SKEIN_VALUE`) while the pool is running — call
   *   `close()` or `terminate()` first (Python: `ValueError: Pool is still running`).
   */
  join(): Promise<void> {
    if (this._state === 'run')
      return Promise.reject(
        new ValueError('Pool is still running: call close() or terminate() before join()'),
      );
    this.joining ??= (async () => {
      if (this._state === 'close' && this.lazy.size > 0) {
        await new Promise<void>((resolve) => {
          this.lazyDrained = resolve;
        });
      }
      if (this._state === 'terminate') await this.terminating;
      else await this.engine.shutdown();
    })();
    return this.joining;
  }

  /** `await using pool = new Pool()`: terminates and waits for the workers, as Python's `with Pool() as p:`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.join();
  }

  /** `Pool <state> processes=N`. */
  toString(): string {
    return `${this.constructor.name} <${this._state}> processes=${this.processes}`;
  }
}
