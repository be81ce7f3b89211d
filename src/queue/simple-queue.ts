/**
 * `SimpleQueue`: Python's `queue.SimpleQueue` — an unbounded FIFO queue without task tracking
 * (no `taskDone`, `join`, `maxsize`, `full` or `shutdown`). A thin face on a {@link Queue}
 * (same shared memory layout), exposing only SimpleQueue's methods.
 *
 * **A thread stopped mid-operation** (timeout, `terminate()`, crash, out of memory) leaves it
 * whole exactly as it leaves a `Queue`: its FIFO lives in the ring store, whose put and get
 * each commit in one store and are completed by whoever next takes that side's lock (see
 * "A thread stopped at any instant" in ring.ts).
 *
 * @module
 */

import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  type Shareable,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { objectLabel } from '../core/wait-table.js';
import {
  attachQueue,
  Queue,
  type QueueBuffers,
  type QueueOptions,
  type QueueSyncWaitOptions,
  type QueueWaitOptions,
} from './queue.js';

const TAG = 'skein.queue.SimpleQueue';
let adopting: Queue<unknown> | undefined;

/**
 * A simple first-in, first-out queue shared by threads: Python's `queue.SimpleQueue`.
 *
 * Differences from Python: the queue's byte capacity (default 1 MiB, option `capacity`) is
 * finite, so a `put` that finds no room waits for it (Python's never waits), and
 * `putNowait` then throws `Full`; other differences as {@link Queue}.
 *
 * @example
 * const q = new SimpleQueue<string>();
 * await q.put('a');
 * console.log(q.getNowait()); // 'a'
 */
export class SimpleQueue<T = unknown> implements Shareable {
  readonly #q: Queue<T>;

  /**
   * Creates an empty queue: Python's `queue.SimpleQueue()`.
   * @param options `capacity`: bytes of shared memory for stored items (default 1 MiB).
   */
  constructor(options: QueueOptions = {}) {
    const adopted = adopting;
    adopting = undefined;
    this.#q = (adopted as Queue<T> | undefined) ?? new Queue<T>(0, options);
  }

  /**
   * Puts `item` at the tail: Python's `put(item)`. Waits only when the byte capacity is
   * exhausted (see the class notes); the options are as {@link Queue.put}'s.
   * @throws TypeError naming the path of a value that cannot be sent; ValueError when the
   *   item could never fit; Full when not blocking and there is no room.
   */
  put(item: T, options?: number | QueueWaitOptions): Promise<void> {
    return this.#q.put(item, options);
  }

  /** Like {@link put}, blocking the calling thread while it waits. */
  putSync(item: T, options?: number | QueueSyncWaitOptions): void {
    this.#q.putSync(item, options);
  }

  /** Puts `item` without waiting: Python's `put_nowait(item)`. @throws Full when there is no room. */
  putNowait(item: T): void {
    this.#q.putNowait(item);
  }

  /**
   * Removes and returns the item at the head: Python's `get(block=True, timeout=None)`; waits
   * as {@link Queue.get}.
   * @throws Empty (rejects) when not blocking or the timeout elapsed; the signal's reason when aborted.
   */
  get(options?: number | QueueWaitOptions): Promise<T> {
    return this.#q.get(options);
  }

  /** Like {@link get}, blocking the calling thread while it waits. */
  getSync(options?: number | QueueSyncWaitOptions): T {
    return this.#q.getSync(options);
  }

  /** Removes and returns an item if one is there now: Python's `get_nowait()`. @throws Empty. */
  getNowait(): T {
    return this.#q.getNowait();
  }

  /** The queue's name: the one it was created with, or `SimpleQueue#<id>` (the same in every thread). */
  get name(): string {
    return objectLabel('SimpleQueue', this.#q.diagId);
  }

  /** `<SimpleQueue 'name' qsize=2>`. */
  toString(): string {
    return `<SimpleQueue '${this.name}' qsize=${this.qsize()}>`;
  }

  /** The number of items (Python's `qsize()`); approximate: other threads may change it at once. */
  qsize(): number {
    return this.#q.qsize();
  }

  /** True when the queue is empty (Python's `empty()`); approximate. */
  empty(): boolean {
    return this.#q.empty();
  }

  /** Crosses into another thread as this same queue; processes get a TypeError. */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(
      destination,
      'a SimpleQueue from skein/queue',
      "it lives in this process's shared memory",
      'multiprocessing.SimpleQueue or manager.Queue() instead',
    );
    return { tag: TAG, data: this.#q[kShare](destination).data };
  }
}

registerSharedType(TAG, (data) => {
  adopting = attachQueue(Queue, data as QueueBuffers);
  try {
    return new SimpleQueue();
  } finally {
    adopting = undefined;
  }
});
