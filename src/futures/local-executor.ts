/**
 * `LocalExecutor`: an executor that runs (async) functions in the calling thread, at most
 * `maxWorkers` at a time. Not in Python — in Node it is the right pool for I/O-bound work, which
 * Python gives to `ThreadPoolExecutor`.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { RuntimeError, TimeoutError } from '../core/errors.js';
import { checkOptions, positiveInt } from '../core/options.js';
import { type AnyFunction, isTaskRef } from '../core/task.js';
import { loadModuleTask } from '../core/task-loader.js';
import { checkTimeout } from '../core/wait-options.js';
import {
  BaseExecutor,
  SHUTDOWN_KEYS,
  type ShutdownOptions,
  SUBMIT_KEYS,
  type SubmitOptions,
  type Task,
  type TaskResult,
} from './executor.js';
import { Future } from './future.js';

/** Options of {@link LocalExecutor}. */
export interface LocalExecutorOptions {
  /** Most tasks running at once; defaults to `os.availableParallelism()`. */
  maxWorkers?: number | undefined;
}

/** The keys of {@link LocalExecutorOptions}. */
export const LOCAL_EXECUTOR_KEYS: readonly string[] = ['maxWorkers'];

interface Job {
  future: Future<unknown>;
  run: () => unknown;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Runs functions in this thread with bounded concurrency: at most `maxWorkers` run at once, the
 * rest wait in submission order. Functions may be closures (nothing is copied or sent);
 * `submit` never runs the function synchronously — it starts at the next microtask at the
 * earliest.
 *
 * `submitWith({ timeout, signal })` fails the future when the time is up or the signal aborts,
 * but cannot stop the function itself (JavaScript cannot be interrupted in its own thread): its
 * slot stays taken until it really ends. Use a pool executor to stop running code.
 *
 * @example
 * await using io = new LocalExecutor({ maxWorkers: 8 });
 * const pages = urls.map((u) => io.submit(async () => (await fetch(u)).text()));
 */
export class LocalExecutor extends BaseExecutor {
  /** Most tasks running at once. */
  readonly maxWorkers: number;
  private readonly waiting: Job[] = [];
  private head = 0;
  private active = 0;
  private readonly idle: (() => void)[] = [];

  constructor(options: LocalExecutorOptions = {}) {
    super();
    checkOptions('LocalExecutor', options, LOCAL_EXECUTOR_KEYS);
    this.maxWorkers = positiveInt(options.maxWorkers, 'maxWorkers', availableParallelism());
  }

  protected get mapBuffer(): number {
    return this.maxWorkers * 2;
  }

  /** `submit` with per-task options. See {@link Executor.submitWith}. */
  submitWith<F extends AnyFunction>(
    options: SubmitOptions,
    fn: Task<F>,
    ...args: Parameters<F>
  ): Future<TaskResult<F>> {
    checkOptions('submitWith()', options, SUBMIT_KEYS);
    if (this.shutdownCalled) throw new RuntimeError('cannot schedule new futures after shutdown');
    let run: () => unknown;
    if (typeof fn === 'function') run = () => fn(...args);
    else if (isTaskRef(fn)) run = async () => (await loadModuleTask(fn.module, fn.exportName))(...args);
    else
      throw new TypeError(
        `fn must be a function or a module task (task(url, name)), got ${fn === null ? 'null' : typeof fn}`,
      );
    const timeout = options?.timeout === undefined ? undefined : checkTimeout(options.timeout);
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new TypeError('signal must be an AbortSignal');
    const future = new Future<TaskResult<F>>();
    if (signal?.aborted) {
      future.setRunningOrNotifyCancel();
      future.setException(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      return future;
    }
    this.waiting.push({ future: future as Future<unknown>, run, timeout, signal });
    if (this.active < this.maxWorkers) queueMicrotask(() => this.pump());
    return future;
  }

  private pump(): void {
    while (this.active < this.maxWorkers && this.head < this.waiting.length) {
      const job = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as never;
      if (job.signal?.aborted) {
        if (job.future.setRunningOrNotifyCancel()) job.future.setException(reasonOf(job.signal));
        continue;
      }
      if (!job.future.setRunningOrNotifyCancel()) continue;
      this.start(job);
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    }
    this.checkIdle();
  }

  private start(job: Job): void {
    this.active++;
    const f = job.future;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const fail = (e: Error) => {
      if (!f.done()) f.setException(e);
    };
    if (job.timeout !== undefined) {
      timer = setTimeout(
        () => fail(new TimeoutError(`the task timed out after ${job.timeout} ms`)),
        job.timeout,
      );
    }
    if (job.signal) {
      const signal = job.signal;
      onAbort = () => fail(reasonOf(signal));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const end = () => {
      if (timer) clearTimeout(timer);
      if (onAbort) job.signal?.removeEventListener('abort', onAbort);
      this.active--;
      this.pump();
    };
    let r: unknown;
    try {
      r = job.run();
    } catch (e) {
      fail(e instanceof Error ? e : new Error(String(e)));
      end();
      return;
    }
    Promise.resolve(r).then(
      (v) => {
        if (!f.done()) f.setResult(v);
        end();
      },
      (e: unknown) => {
        fail(e instanceof Error ? e : new Error(String(e)));
        end();
      },
    );
  }

  private checkIdle(): void {
    if (this.active === 0 && this.head >= this.waiting.length) for (const w of this.idle.splice(0)) w();
  }

  /** See {@link Executor.shutdown}. There are no workers to stop; `wait` waits for the running and queued functions. */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    checkOptions('shutdown()', options, SHUTDOWN_KEYS);
    const { wait = true, cancelFutures = false } = options;
    this.shutdownCalled = true;
    if (cancelFutures) {
      for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]!.future.cancel();
    }
    if (!wait) return Promise.resolve();
    if (this.active === 0 && this.head >= this.waiting.length) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

function reasonOf(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error(String(r));
}
