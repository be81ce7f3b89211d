/**
 * What `ThreadPoolExecutor` and `ProcessPoolExecutor` share: the `Executor` face on the pool
 * engine (`core/pool/engine.ts`). The two differ only in the transport, the names and the
 * `Broken…` class — the smallest possible place, as CPython's queue variants.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { RuntimeError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { checkWorkerCount, PoolEngine, type PoolTask } from '../core/pool/engine.js';
import type { PoolMetrics } from '../core/pool/metrics.js';
import { encodeValue, type HandleTable } from '../core/serialize.js';
import { type AnyFunction, toTaskSpec } from '../core/task.js';
import { checkTimeout } from '../core/wait-options.js';
import type { Outcome } from '../core/worker-client.js';
import {
  BaseExecutor,
  type ChunkResult,
  SHUTDOWN_KEYS,
  type ShutdownOptions,
  SUBMIT_KEYS,
  type SubmitOptions,
  type Task,
  type TaskResult,
} from './executor.js';
import { Future } from './future.js';

/** Options common to the pool executors. */
export interface PoolExecutorOptions<I extends AnyFunction = AnyFunction> {
  /** Number of workers; defaults to `os.availableParallelism()`. Python: `max_workers`. */
  maxWorkers?: number | undefined;
  /**
   * Runs in every worker before its first task (an inline function or a module task). If it
   * throws, the pool is broken: pending futures fail with `BrokenThreadPool`/`BrokenProcessPool`
   * and later submissions throw it. Python: `initializer`.
   */
  initializer?: Task<I> | undefined;
  /** Arguments of the initializer. Python: `initargs`. */
  initargs?: Parameters<I> | undefined;
  /** An idle worker stops after this many milliseconds and is started again when needed. Default: never. */
  idleTimeout?: number | undefined;
  /** Start every worker now rather than at the first submission. Default `false`. */
  prestart?: boolean | undefined;
}

/** The keys of {@link PoolExecutorOptions}. */
export const POOL_EXECUTOR_KEYS: readonly string[] = [
  'maxWorkers',
  'initializer',
  'initargs',
  'idleTimeout',
  'prestart',
];

/** Most tasks a child process holds at once (threads: 256). */
const PROCESS_PIPELINE = 32;

/** Wraps a future as a pool task. */
class FutureTask implements PoolTask {
  spec: PoolTask['spec'];
  args: unknown[];
  shared: HandleTable | undefined;
  transfer: readonly ArrayBuffer[] | undefined;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  chunk: boolean | undefined;
  constructor(
    readonly future: Future<unknown>,
    init: Pick<PoolTask, 'spec' | 'args' | 'shared' | 'transfer' | 'timeout' | 'signal' | 'chunk'>,
  ) {
    this.spec = init.spec;
    this.args = init.args;
    this.shared = init.shared;
    this.transfer = init.transfer;
    this.timeout = init.timeout;
    this.signal = init.signal;
    this.chunk = init.chunk;
  }
  start(): boolean {
    return this.future.setRunningOrNotifyCancel();
  }
  settle(o: Outcome): void {
    const f = this.future;
    if (f.done()) return;
    if (!o.ok) f.setException(o.error);
    else if (this.chunk)
      f.setResult({ values: o.value as unknown[], errors: o.errors } satisfies ChunkResult);
    else f.setResult(o.value);
  }
}

/** The common face of the pool executors on the pool engine. Not exported from skein's entries. */
export abstract class PoolExecutorBase extends BaseExecutor {
  /** The engine; `multiprocessing`'s pools sit on the same one. */
  protected readonly engine: PoolEngine;
  /** Number of workers. Python: `_max_workers`. */
  readonly maxWorkers: number;
  private shutdownPromise: Promise<void> | undefined;

  protected constructor(
    protected readonly destination: 'thread' | 'process',
    options: PoolExecutorOptions,
    extra: {
      /** The face's name and option keys, for {@link checkOptions}. */
      what: string;
      keys: readonly string[];
      workerName: (n: number) => string;
      broken: (message: string, cause: Error | undefined) => Error;
      maxTasksPerWorker?: number | undefined;
      resourceLimits?: ResourceLimits | undefined;
    },
  ) {
    super();
    checkOptions(extra.what, options, extra.keys);
    const max = checkWorkerCount(options.maxWorkers ?? availableParallelism(), 'maxWorkers');
    this.maxWorkers = max;
    const init =
      options.initializer === undefined ? undefined : toTaskSpec(options.initializer, 'initializer');
    const initargs = encodeValue(options.initargs ?? [], destination, 'initargs');
    const idle =
      options.idleTimeout === undefined ? undefined : checkTimeout(options.idleTimeout, 'idleTimeout');
    this.engine = new PoolEngine({
      kind: destination,
      maxWorkers: max,
      workerName: extra.workerName,
      initializer: init,
      initargs: initargs.value as unknown[],
      initShared: initargs.shared,
      maxTasksPerWorker: extra.maxTasksPerWorker,
      // A child process cannot tell which calls it never began when it dies by process.exit or
      // a signal (threads can, see core/pool/engine.ts), so it holds fewer at once: a crash fails at most
      // this many besides the crashing one.
      pipeline: destination === 'process' ? PROCESS_PIPELINE : undefined,
      idleTimeout: idle,
      resourceLimits: extra.resourceLimits,
      broken: extra.broken,
    });
    if (options.prestart) this.engine.prestart();
  }

  protected get mapBuffer(): number {
    return this.maxWorkers * 2;
  }

  /** The pool's counters and wait/run time percentiles. Not in Python. */
  metrics(): PoolMetrics {
    return this.engine.metrics();
  }

  private checkOpen(): void {
    const broken = this.engine.broken;
    if (broken) throw broken;
    if (this.shutdownCalled) throw new RuntimeError('cannot schedule new futures after shutdown');
  }

  /** `submit` with per-task options. See {@link Executor.submitWith}. */
  submitWith<F extends AnyFunction>(
    options: SubmitOptions,
    fn: Task<F>,
    ...args: Parameters<F>
  ): Future<TaskResult<F>> {
    checkOptions('submitWith()', options, SUBMIT_KEYS);
    this.checkOpen();
    const spec = toTaskSpec(fn, 'fn');
    const enc = encodeValue(args as unknown[], this.destination, 'args');
    const { signal, transfer } = options ?? {};
    const timeout = options?.timeout === undefined ? undefined : checkTimeout(options.timeout);
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new TypeError('signal must be an AbortSignal');
    const future = new Future<TaskResult<F>>();
    if (signal?.aborted) {
      future.setRunningOrNotifyCancel();
      future.setException(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      return future;
    }
    this.engine.submit(
      new FutureTask(future as Future<unknown>, {
        spec,
        args: enc.value,
        shared: enc.shared,
        transfer: this.destination === 'thread' ? transfer : undefined,
        timeout,
        signal,
        chunk: undefined,
      }),
    );
    return future;
  }

  protected override submitChunk(
    fn: Task<AnyFunction>,
    items: unknown[],
    firstIndex: number,
  ): Future<ChunkResult> {
    this.checkOpen();
    const spec = toTaskSpec(fn, 'fn');
    let enc: ReturnType<typeof encodeValue<unknown[]>>;
    try {
      enc = encodeValue(items, this.destination, 'items');
    } catch (err) {
      // Name the offending item by its position in the whole iterable.
      for (let i = 0; i < items.length; i++)
        encodeValue(items[i], this.destination, `iterable[${firstIndex + i}]`);
      throw err;
    }
    const future = new Future<ChunkResult>();
    this.engine.submit(
      new FutureTask(future as Future<unknown>, {
        spec,
        args: enc.value,
        shared: enc.shared,
        transfer: undefined,
        timeout: undefined,
        signal: undefined,
        chunk: true,
      }),
    );
    return future;
  }

  /**
   * Stops accepting tasks; with `cancelFutures`, cancels those no worker has started; with
   * `wait` (the default), resolves once every remaining task has settled and every worker has
   * exited. Python: `shutdown(wait=True, *, cancel_futures=False)`.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    checkOptions('shutdown()', options, SHUTDOWN_KEYS);
    const { wait = true, cancelFutures = false } = options;
    this.shutdownCalled = true;
    if (cancelFutures) {
      for (const t of this.engine.drainQueue()) (t as FutureTask).future.cancel();
    }
    this.shutdownPromise ??= this.engine.shutdown();
    return wait ? this.shutdownPromise : Promise.resolve();
  }
}
