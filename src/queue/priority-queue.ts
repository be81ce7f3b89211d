/**
 * `PriorityQueue`: Python's `queue.PriorityQueue` — lowest key first. It is {@link Queue} with
 * its entries kept as a binary min-heap in the shared entries table (CPython's uses `heapq`
 * on a list the same way).
 *
 * Heap order is by (key, insertion sequence): keys compare like Python tuples (see
 * priority-key.ts); the sequence number (control word `SEQ`, 32-bit, compared with wrap-around
 * arithmetic, so correct while fewer than 2³¹ puts separate two stored items) makes equal keys
 * come out first in, first out, as a stable queue should (Python's heap does not promise it).
 *
 * Each record stores its key, encoded, before the item bytes (`keyLength` bytes), so the heap
 * compares keys without decoding whole items. `_put` first walks the insertion path read-only —
 * the comparisons that may throw `TypeError` for incomparable keys — and only then moves
 * entries, so a rejected put leaves the heap unchanged. Sift-down in `_get` compares keys
 * leniently (by kind when incomparable), so a `get` never throws.
 *
 * **Stopped mid-sift.** A sift rewrites live entries one by one; each is saved to the queue's
 * journal (`_journal`) before it is overwritten, so a thread stopped part-way — by a timeout,
 * `terminate()`, a crash — leaves a heap the next holder of the mutex rolls back entry by entry
 * (see "Dead holders" in queue.ts). At most depth + 1 entries are saved per operation.
 *
 * @module
 */
import { Reader } from './codec.js';
import { compareKeys, keyOf, type PriorityKey } from './priority-key.js';
import { ENTRY_WORDS, Queue, registerQueueClass, SEQ } from './queue.js';

/**
 * A queue that returns its lowest item first: Python's `queue.PriorityQueue`. Items are
 * ordered like Python tuples: a number, bigint or string is its own key; an array (`[20, 'a']`,
 * Python's `(20, 'a')`) is compared element by element, and its elements after the first one
 * that is not a number, bigint, string or array are payload, never compared. Equal keys come
 * out in insertion order. Same API, semantics and errors as {@link Queue}, plus:
 *
 * @throws TypeError at `put` when the item is not a number, bigint, string or array, or when
 *   its key meets an incomparable one (a number against a string at the same position) — the
 *   queue is then unchanged.
 *
 * @example
 * const q = new PriorityQueue<[number, string]>();
 * await q.put([20, 'a']);
 * await q.put([10, 'a']);
 * console.log(await q.get()); // [10, 'a']
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  readonly #keys = new Reader();

  protected override _key(item: unknown): PriorityKey {
    return keyOf(item);
  }

  #keyAt(slot: number): PriorityKey {
    const e = this._entries;
    const at = slot * ENTRY_WORDS;
    const off = e[at]!;
    const len = e[at + 2]!;
    const r = this.#keys;
    r.reserve(len);
    const buf = r.buf;
    const arena = this._arena;
    for (let i = 0; i < len; i++) buf[i] = arena[off + i]!;
    return r.read(0, len) as PriorityKey;
  }

  /** Copies an entry over another, saving the overwritten one in the journal first (queue.ts). */
  #copy(from: number, to: number): void {
    this._journal(to);
    this._entries.copyWithin(to * ENTRY_WORDS, from * ENTRY_WORDS, from * ENTRY_WORDS + ENTRY_WORDS);
  }

  protected override _put(
    count: number,
    offset: number,
    length: number,
    keyLength: number,
    key: unknown,
  ): void {
    // Read-only pass first: find the position, letting incomparable keys throw.
    let pos = count;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      // An equal key was inserted earlier: it stays above.
      if (compareKeys(key as PriorityKey, this.#keyAt(parent), true, 'PriorityQueue') >= 0) break;
      pos = parent;
    }
    for (let p = count; p > pos; ) {
      const parent = (p - 1) >> 1;
      this.#copy(parent, p);
      p = parent;
    }
    if (pos !== count) this._journal(pos);
    const e = this._entries;
    const at = pos * ENTRY_WORDS;
    e[at] = offset;
    e[at + 1] = length;
    e[at + 2] = keyLength;
    e[at + 3] = Atomics.add(this._ctl, SEQ, 1);
  }

  /** True when the entry at `a` comes out before the one at `b`. */
  #before(a: PriorityKey, seqA: number, slotB: number): boolean {
    const c = compareKeys(a, this.#keyAt(slotB), false);
    if (c !== 0) return c < 0;
    return ((seqA - this._entries[slotB * ENTRY_WORDS + 3]!) | 0) < 0;
  }

  protected override _get(count: number, out: Int32Array): void {
    const e = this._entries;
    out.set(e.subarray(0, ENTRY_WORDS));
    const last = count - 1;
    if (last === 0) return;
    // Sift the last entry down from the root.
    const lastKey = this.#keyAt(last);
    const lastSeq = e[last * ENTRY_WORDS + 3]!;
    let pos = 0;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= last) break;
      if (child + 1 < last) {
        const right = child + 1;
        const ck = this.#keyAt(child);
        if (!this.#before(ck, e[child * ENTRY_WORDS + 3]!, right)) child = right;
      }
      if (this.#before(lastKey, lastSeq, child)) break;
      this.#copy(child, pos);
      pos = child;
    }
    if (pos !== last) this.#copy(last, pos);
  }

  protected override _slot(i: number): number {
    return i;
  }
}

registerQueueClass(PriorityQueue, 'skein.queue.PriorityQueue');
