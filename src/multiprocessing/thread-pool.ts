/**
 * `ThreadPool`: `Pool`'s API on worker threads. Python: `multiprocessing.pool.ThreadPool`.
 *
 * As in CPython, it is a `Pool` subclass that differs only in its workers.
 *
 * @module
 */
import { BrokenThreadPool } from '../core/errors.js';
import { Pool } from './pool.js';

let threadCounter = 0;

/**
 * A pool of worker threads with {@link Pool}'s API (`apply`, `applyAsync`, `map`, `mapAsync`,
 * `imap`, `imapUnordered`, `starmap`, `starmapAsync`, `close`, `terminate`, `join`). Python:
 * `multiprocessing.pool.ThreadPool(processes, initializer, initargs)`.
 *
 * Differences from Python: the workers are real threads with their own isolates (CPU-bound
 * JavaScript runs in parallel; Python's ThreadPool shares one GIL), so tasks are shipped as for
 * `Pool` (self-contained inline functions or module tasks) and arguments are copied — except
 * skein's shared objects (locks, queues, `Value`, `SharedArray`), which are shared. A thread that
 * dies (`process.exit` in a task, out of memory) fails only the tasks it held, with
 * `WorkerDiedError`, and is replaced. An initializer that throws breaks the pool with
 * {@link BrokenThreadPool}. Workers are named `ThreadPoolWorker-N`.
 *
 * @example
 * await using pool = new ThreadPool({ processes: 2 });
 * console.log(await pool.map((x: number) => x + 1, [1, 2, 3])); // [2, 3, 4]
 */
export class ThreadPool extends Pool {
  protected override get kind(): 'thread' | 'process' {
    return 'thread';
  }

  protected override workerName(): string {
    return `ThreadPoolWorker-${++threadCounter}`;
  }

  protected override brokenError(message: string, cause: Error | undefined): Error {
    return new BrokenThreadPool(`the thread pool is broken: ${message}`, { cause });
  }
}
