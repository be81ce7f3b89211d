/**
 * `LifoQueue`: Python's `queue.LifoQueue` — last in, first out. It is {@link Queue} with its
 * entries kept as a stack (slot `count - 1` is the top), as CPython's overrides `_put`/`_get`
 * to use a list's `append`/`pop`.
 *
 * **Stopped mid-operation.** A put writes only the free entry above the top and a get only
 * reads the top, so every change a stopped thread can leave half-done is in the control words
 * the queue's journal restores (see "Dead holders" in queue.ts): no entry needs saving.
 *
 * @module
 */
import { ENTRY_WORDS, Queue, registerQueueClass } from './queue.js';

/**
 * A last-in, first-out queue shared by threads: Python's `queue.LifoQueue`. Same API,
 * semantics and errors as {@link Queue}; only the order differs.
 *
 * @example
 * const q = new LifoQueue<number>();
 * await q.put(1);
 * await q.put(2);
 * console.log(await q.get()); // 2
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  protected override _put(count: number, offset: number, length: number, keyLength: number): void {
    const at = count * ENTRY_WORDS;
    const e = this._entries;
    e[at] = offset;
    e[at + 1] = length;
    e[at + 2] = keyLength;
  }

  protected override _get(count: number, out: Int32Array): void {
    const at = (count - 1) * ENTRY_WORDS;
    const e = this._entries;
    out[0] = e[at]!;
    out[1] = e[at + 1]!;
    out[2] = e[at + 2]!;
    out[3] = e[at + 3]!;
  }

  protected override _slot(i: number): number {
    return i;
  }
}

registerQueueClass(LifoQueue, 'skein.queue.LifoQueue');
