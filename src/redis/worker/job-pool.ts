/**
 * The local skein pool a `RedisWorker` runs its jobs on. Running them off the worker's main
 * thread is the point: BullMQ renews each job's lock from this thread's event loop, and a
 * CPU-bound job run here would block the renewals until the lock expires and another worker
 * takes the job as "stalled" — the commonest complaint in BullMQ's issue tracker.
 *
 * - `'thread'`: a `ThreadPoolExecutor`; a timeout or abort stops the task by replacing its thread.
 * - `'process'`: a `ProcessPoolExecutor`; the same, with a process.
 * - `'local'`: a `LocalExecutor` in this thread, for async I/O-bound tasks; a timeout or abort
 *   fails the job but cannot stop the function itself.
 *
 * A map chunk is one pool task (the pool engine's chunk mode), so its items cost one message,
 * not one each.
 *
 * @module
 */
import type { AnyFunction, TaskRef } from '../../core/task.js';
import type { ChunkResult } from '../../futures/executor.js';
import type { Future } from '../../futures/future.js';
import { LocalExecutor } from '../../futures/local-executor.js';
import { ProcessPoolExecutor } from '../../futures/process-pool-executor.js';
import { ThreadPoolExecutor } from '../../futures/thread-pool-executor.js';

/** The kinds of local pool. */
export type PoolKind = 'thread' | 'process' | 'local';

/** Runs tasks and map chunks on a local pool. */
export interface JobPool {
  run(
    fn: TaskRef,
    args: unknown[],
    options: { timeout?: number | undefined; signal?: AbortSignal | undefined },
  ): Future<unknown>;
  runChunk(fn: TaskRef, items: unknown[]): Future<ChunkResult>;
  shutdown(options: { wait: boolean; cancelFutures: boolean }): Promise<void>;
}

class ThreadJobPool extends ThreadPoolExecutor implements JobPool {
  run(
    fn: TaskRef,
    args: unknown[],
    options: { timeout?: number | undefined; signal?: AbortSignal | undefined },
  ) {
    return this.submitWith(options, fn as TaskRef<AnyFunction>, ...args);
  }
  runChunk(fn: TaskRef, items: unknown[]) {
    return this.submitChunk(fn, items, 0);
  }
}

class ProcessJobPool extends ProcessPoolExecutor implements JobPool {
  run(
    fn: TaskRef,
    args: unknown[],
    options: { timeout?: number | undefined; signal?: AbortSignal | undefined },
  ) {
    return this.submitWith(options, fn as TaskRef<AnyFunction>, ...args);
  }
  runChunk(fn: TaskRef, items: unknown[]) {
    return this.submitChunk(fn, items, 0);
  }
}

class LocalJobPool extends LocalExecutor implements JobPool {
  run(
    fn: TaskRef,
    args: unknown[],
    options: { timeout?: number | undefined; signal?: AbortSignal | undefined },
  ) {
    return this.submitWith(options, fn as TaskRef<AnyFunction>, ...args);
  }
  runChunk(fn: TaskRef, items: unknown[]) {
    return this.submitChunk(fn, items, 0);
  }
}

/** A pool of `kind` with `maxWorkers` workers (threads, processes, or concurrent calls). */
export function createJobPool(kind: PoolKind, maxWorkers: number, name: string): JobPool {
  switch (kind) {
    case 'thread':
      return new ThreadJobPool({ maxWorkers, threadNamePrefix: name, prestart: true });
    case 'process':
      return new ProcessJobPool({ maxWorkers, prestart: true });
    case 'local':
      return new LocalJobPool({ maxWorkers });
  }
}
