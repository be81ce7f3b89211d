/**
 * The lock-free store behind a first-in, first-out {@link Queue} (and `SimpleQueue`): a ring of
 * 64-byte slots that producers and consumers claim with one compare-and-swap each, so that a
 * put and a get running at once in two threads never wait for each other and share as few
 * cache lines as possible. (Dmitry Vyukov's bounded MPMC queue, extended to items that span
 * several consecutive slots.) `LifoQueue` and `PriorityQueue` override the queue's hooks and
 * use the mutex-guarded store instead; a FIFO with its hooks untouched uses this one.
 *
 * ## Layout
 *
 * ```
 * control: Int32Array[80] — five 64-byte lines, so the words each side writes per item
 *                           live on lines the other side does not write
 *   line 0  (written once, at construction)
 *     0 SLOTS        number of slots, a power of two     1 MAXSIZE   Python's maxsize (0: none)
 *   line 1  (shutdown and waiting; written rarely)
 *    16 SHUTDOWN     0, or 1 after shutdown()
 *    17 NOT_EMPTY    condition sequence: bumped by a put when getters wait     ┐ futex words
 *    18 NOT_FULL     condition sequence: bumped by a get when putters wait     │ that waiters
 *    19 ALL_DONE     condition sequence: bumped when every put was taskDone'd  ┘ park on
 *    20 GET_WAITERS  21 PUT_WAITERS  22 JOIN_WAITERS   waiters counted in (Atomics.add before
 *                    parking, Atomics.sub after)
 *   line 2  (producers)  32 TAIL       next slot position to claim
 *                        33 PUTS       items put (counted before they are published)
 *   line 3  (consumers)  48 HEAD       next slot position to take
 *                        49 GETS       items taken out (by get or by shutdown)
 *   line 4  (both)       64 DONE       taskDone() calls
 *                        65 FREE       maxsize > 0 only: tickets left (maxsize − items held)
 *
 * ring: Int32Array[SLOTS × 16]
 *   slot word 0       seq (below)
 *   slot words 1…15   60 data bytes. An item occupies k consecutive slots (wrapping around
 *                     the ring); its record runs through their data words:
 *                     first slot: word 1 = byte length (or −k: a tombstone, no item),
 *                                 words 2…15 = the item's first 56 bytes;
 *                     next slots: words 1…15 = 60 more bytes each.
 * ```
 *
 * Positions are int32 counters that wrap around; slot of position `p` = `p & (SLOTS − 1)`;
 * positions are compared by their wrapped difference `(a − b) | 0`.
 *
 * **Slot sequence** (the heart of the scheme). Initially `seq = i` for slot `i`. For position
 * `p` (slot `s`):
 * - `seq = p`: the slot is free for the producer that claims position `p`;
 * - `seq = p + 1`: an item (or tombstone) starting at `p` is published, for the consumer at `p`;
 * - after the consumer copied it out it sets `seq = p + SLOTS`: free for the next lap.
 * Only the first slot of an item is published; the others keep `seq = p + j` (not free for the
 * next lap, never looked at by consumers, which jump over the whole item) until the consumer
 * frees them. A producer claims positions `[t, t + k)` by checking that each slot's seq equals
 * its position and then moving `TAIL` from `t` to `t + k` with one CAS; a consumer takes the
 * item at `h` by seeing `seq = h + 1` and moving `HEAD` from `h` to `h + k` with one CAS. The
 * CAS is what makes every item go to exactly one consumer and every slot to one producer; a
 * producer or consumer that read a stale `TAIL`/`HEAD` just fails its CAS and retries.
 *
 * **Invariants.** `HEAD ≤ TAIL` (as wrapped positions); `TAIL − HEAD ≤ SLOTS`; every position
 * in `[HEAD, TAIL)` belongs to one claimed item; `DONE ≤ PUTS`; `GETS ≤ PUTS`;
 * `maxsize > 0 ⇒ FREE + items held = maxsize` at rest.
 *
 * **Atomics ordering.** All control words and every slot's seq are read and written with
 * `Atomics` (sequentially consistent). A producer's plain writes of the record happen before its
 * `Atomics.store` of the seq that publishes it, and a consumer reads the record only after its
 * `Atomics.load` saw that seq: the store/load pair orders them (JS memory model: an SC write
 * read by an SC read synchronizes). The same pair, the other way round, orders a consumer's
 * reads of a record before the next producer's writes into the freed slot.
 *
 * **Waiting without lost wake-ups.** A waiter counts itself in (`Atomics.add` on the waiters
 * word), reads the condition's sequence word, re-checks its predicate, and only then parks
 * expecting the sequence it read. A producer publishes (SC store) *then* reads the getters'
 * count; if it is non-zero it bumps the sequence and notifies. In the single total order of SC
 * operations either the producer's read sees the waiter's add (so it bumps and notifies, and the
 * park returns or wakes), or the waiter's add — and so its re-check — comes after the publish
 * (so it sees the item and does not park). Consumers freeing slots and putters likewise; so do
 * `taskDone` and `join`. In a busy queue nobody is counted in and a put or get reads one word
 * of line 1 that nobody writes: no notify, no shared write.
 *
 * **Shutdown.** A put checks `SHUTDOWN` before it claims and again after: a put that claimed and
 * then finds the queue shut down publishes a *tombstone* (consumers free its slots and skip it)
 * and throws `ShutDown`. So a put either claimed before `shutdown()` set the flag — and the
 * item is there for `get` to drain, or for `shutdown({ immediate: true })` to remove (it waits
 * the few instructions until such in-flight items are published) — or it fails. Gets drain what
 * is left and throw `ShutDown` once `HEAD` has caught up with `TAIL`.
 *
 * **Limitation.** A thread terminated between claiming slots and publishing them (a window of
 * a few dozen instructions with no user code) leaves those slots unpublished: consumers then wait
 * there forever, as with the mutex store (see queue.ts).
 *
 * @module
 */
import { park, parkSync } from '../sync/park.js';
import { copyWords } from './codec.js';

const SLOTS = 0;
const MAXSIZE = 1;
const SHUTDOWN = 16;
const NOT_EMPTY = 17;
const NOT_FULL = 18;
const ALL_DONE = 19;
const GET_WAITERS = 20;
const PUT_WAITERS = 21;
const JOIN_WAITERS = 22;
const TAIL = 32;
const PUTS = 33;
const HEAD = 48;
const GETS = 49;
const DONE = 64;
const FREE = 65;
/** Int32 words of the control block: five 64-byte lines. */
const RING_CONTROL_WORDS = 80;

/** Int32 words per slot (64 bytes): seq + 15 data words. */
const SLOT_WORDS = 16;
/** Bytes of a slot. */
const SLOT_BYTES = SLOT_WORDS * 4;
/** Item bytes the first slot of an item holds (after seq and the length word). */
const FIRST_BYTES = 56;
/** Item bytes each further slot holds. */
const NEXT_BYTES = 60;

/** Checks of the predicate before a waiter counts itself in (a busy peer usually answers first). */
const SPIN = 64;

/** The number of slots an item of `length` bytes occupies. */
function slotsFor(length: number): number {
  return length <= FIRST_BYTES ? 1 : 1 + Math.ceil((length - FIRST_BYTES) / NEXT_BYTES);
}

/** Thrown by {@link Ring.tryPut}/{@link Ring.tryGet} after a shutdown; the queue words the error. */
export class RingShutDown extends Error {}

/**
 * The shared memory of a ring store and the operations on it. An instance is a view; every
 * thread that has the queue has one on the same buffers.
 */
export class Ring {
  readonly #ctl: Int32Array;
  readonly #ring: Int32Array;
  readonly #mask: number;
  readonly #slots: number;
  readonly #maxsize: number;

  constructor(control: SharedArrayBuffer, ring: SharedArrayBuffer) {
    this.#ctl = new Int32Array(control);
    this.#ring = new Int32Array(ring);
    this.#slots = this.#ctl[SLOTS]!;
    this.#mask = this.#slots - 1;
    this.#maxsize = this.#ctl[MAXSIZE]!;
  }

  /**
   * New ring buffers: `slots` (a power of two) slots and Python's `maxsize`.
   * Initializes every slot's seq to its index (free for lap 0).
   */
  static create(slots: number, maxsize: number): { control: SharedArrayBuffer; ring: SharedArrayBuffer } {
    const control = new SharedArrayBuffer(RING_CONTROL_WORDS * 4);
    const ring = new SharedArrayBuffer(slots * SLOT_BYTES);
    const ctl = new Int32Array(control);
    ctl[SLOTS] = slots;
    ctl[MAXSIZE] = maxsize;
    ctl[FREE] = maxsize;
    const r = new Int32Array(ring);
    for (let i = 0; i < slots; i++) r[i * SLOT_WORDS] = i;
    return { control, ring };
  }

  /**
   * Slots for a capacity of `bytes`: the power of two that gives at least that many bytes (so
   * a queue never has less room than asked for; positions wrap around 2³² and must map onto
   * slots the same way before and after, hence the power of two).
   */
  static slotsFor(bytes: number): number {
    let slots = 4;
    while (slots * SLOT_BYTES < bytes) slots *= 2;
    return slots;
  }

  /** Bytes of item storage. */
  get capacity(): number {
    return this.#slots * SLOT_BYTES;
  }

  /** Python's `maxsize` (0: no item limit). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** True when an item of `length` bytes can ever fit. */
  fits(length: number): boolean {
    return slotsFor(length) <= this.#slots;
  }

  // ---- put ----

  /**
   * One put attempt: claims slots for the record (`length` bytes in `words`), copies it in and
   * publishes it. Returns false when there is no room now (no ticket under `maxsize`, or the
   * slots at the tail are not free yet); changes nothing then.
   * @throws RingShutDown after shutdown (nothing was put).
   */
  tryPut(words: Int32Array, length: number): boolean {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, SHUTDOWN) !== 0) throw new RingShutDown();
    const max = this.#maxsize;
    if (max > 0) {
      for (;;) {
        const free = Atomics.load(ctl, FREE);
        if (free <= 0) return false;
        if (Atomics.compareExchange(ctl, FREE, free, free - 1) === free) break;
      }
    }
    const k = slotsFor(length);
    const t = this.#claim(k);
    if (t === undefined) {
      if (max > 0) this.#returnTicket();
      return false;
    }
    const ring = this.#ring;
    const first = (t & this.#mask) * SLOT_WORDS;
    if (Atomics.load(ctl, SHUTDOWN) !== 0) {
      // Claimed after shutdown() set the flag: the slots must still be handed on, as nothing.
      ring[first + 1] = -k;
      Atomics.store(ring, first, t + 1);
      if (max > 0) this.#returnTicket();
      this.#wakeGetters();
      throw new RingShutDown();
    }
    // Counted before it is published: a consumer that gets it may call taskDone() at once,
    // and taskDone() must find it counted (DONE ≤ PUTS).
    Atomics.add(ctl, PUTS, 1);
    ring[first + 1] = length;
    this.#move(words, t, length, true);
    Atomics.store(ring, first, t + 1);
    this.#wakeGetters();
    return true;
  }

  /** Claims `k` free slots at the tail: their first position, or undefined when not free. */
  #claim(k: number): number | undefined {
    const ctl = this.#ctl;
    const ring = this.#ring;
    const mask = this.#mask;
    for (;;) {
      const t = Atomics.load(ctl, TAIL);
      let state = 0; // 0: all free, <0: not freed yet (full), >0: TAIL moved on
      for (let j = 0; j < k; j++) {
        const p = (t + j) | 0;
        state = (Atomics.load(ring, (p & mask) * SLOT_WORDS) - p) | 0;
        if (state !== 0) break;
      }
      if (state < 0) return undefined;
      if (state > 0) continue;
      if (Atomics.compareExchange(ctl, TAIL, t, (t + k) | 0) === t) return t;
    }
  }

  /**
   * Copies a record of `length` bytes between `words` and the slots from position `p` on:
   * into the ring (`toRing`), or out of it. (Layout: see the module comment.)
   */
  #move(words: Int32Array, p: number, length: number, toRing: boolean): void {
    const ring = this.#ring;
    const total = (length + 3) >> 2;
    let done = 0;
    for (let first = true; done < total; first = false, p = (p + 1) | 0) {
      const at = (p & this.#mask) * SLOT_WORDS + (first ? 2 : 1);
      const n = Math.min(total - done, (first ? FIRST_BYTES : NEXT_BYTES) / 4);
      if (toRing) copyWords(words, done, ring, at, n);
      else copyWords(ring, at, words, done, n);
      done += n;
    }
  }

  #returnTicket(): void {
    Atomics.add(this.#ctl, FREE, 1);
    this.#wakePutters();
  }

  #wakeGetters(): void {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, GET_WAITERS) > 0) {
      Atomics.add(ctl, NOT_EMPTY, 1);
      Atomics.notify(ctl, NOT_EMPTY, 1);
    }
  }

  #wakePutters(): void {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, PUT_WAITERS) > 0) {
      // Putters wait for different amounts of room: wake them all (usually none).
      Atomics.add(ctl, NOT_FULL, 1);
      Atomics.notify(ctl, NOT_FULL);
    }
  }

  /** Whether a put of `length` bytes might succeed now (for waiters; no side effects). */
  #putReady(length: number): boolean {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, SHUTDOWN) !== 0) return true;
    if (this.#maxsize > 0 && Atomics.load(ctl, FREE) <= 0) return false;
    const t = Atomics.load(ctl, TAIL);
    const k = slotsFor(length);
    for (let j = 0; j < k; j++) {
      const p = (t + j) | 0;
      if (((Atomics.load(this.#ring, (p & this.#mask) * SLOT_WORDS) - p) | 0) < 0) return false;
    }
    return true;
  }

  // ---- get ----

  /**
   * One get attempt: takes the item at the head, copies its bytes to `into` (grown by
   * `reserve` as needed) and frees its slots. Returns the item's byte length, or -1 when there
   * is none now (changes nothing then).
   * @throws RingShutDown when the queue is shut down and nothing is left in it.
   */
  tryGet(into: { words: Int32Array; reserve(n: number): void }): number {
    const ctl = this.#ctl;
    const ring = this.#ring;
    for (;;) {
      const h = Atomics.load(ctl, HEAD);
      const first = (h & this.#mask) * SLOT_WORDS;
      const state = (Atomics.load(ring, first) - ((h + 1) | 0)) | 0;
      if (state < 0) {
        // Nothing published at the head. After shutdown, an item claimed before it is still on
        // its way while TAIL is ahead of HEAD; otherwise the queue is empty for good.
        if (Atomics.load(ctl, SHUTDOWN) !== 0 && Atomics.load(ctl, TAIL) === h) throw new RingShutDown();
        return -1;
      }
      if (state > 0) continue; // HEAD moved on meanwhile
      const header = ring[first + 1]!;
      const k = header < 0 ? -header : slotsFor(header);
      if (Atomics.compareExchange(ctl, HEAD, h, (h + k) | 0) !== h) continue;
      if (header < 0) {
        this.#free(h, k);
        continue;
      }
      into.reserve(header + 3);
      this.#move(into.words, h, header, false);
      this.#free(h, k);
      Atomics.add(ctl, GETS, 1);
      if (this.#maxsize > 0) Atomics.add(ctl, FREE, 1);
      this.#wakePutters();
      return header;
    }
  }

  /** Frees the `k` slots of the item taken at `h` for the producers of the next lap. */
  #free(h: number, k: number): void {
    const ring = this.#ring;
    for (let j = 0; j < k; j++) {
      const p = (h + j) | 0;
      Atomics.store(ring, (p & this.#mask) * SLOT_WORDS, (p + this.#slots) | 0);
    }
  }

  /** Whether a get might succeed (or throw ShutDown) now; for waiters, no side effects. */
  #getReady(): boolean {
    const ctl = this.#ctl;
    const h = Atomics.load(ctl, HEAD);
    const seq = Atomics.load(this.#ring, (h & this.#mask) * SLOT_WORDS);
    return ((seq - ((h + 1) | 0)) | 0) >= 0 || Atomics.load(ctl, SHUTDOWN) !== 0;
  }

  // ---- waiting ----

  /** Blocks until a get might succeed, for at most `timeout` ms. */
  waitGetSync(timeout: number): void {
    this.#waitSync(NOT_EMPTY, GET_WAITERS, timeout, () => this.#getReady());
  }

  /** Blocks until a put of `length` bytes might succeed, for at most `timeout` ms. */
  waitPutSync(length: number, timeout: number): void {
    this.#waitSync(NOT_FULL, PUT_WAITERS, timeout, () => this.#putReady(length));
  }

  /** Waits (async) until a get might succeed. @throws the signal's reason when aborted. */
  waitGet(timeout: number, signal: AbortSignal | undefined): Promise<void> {
    return this.#waitAsync(NOT_EMPTY, GET_WAITERS, timeout, signal, () => this.#getReady());
  }

  /** Waits (async) until a put of `length` bytes might succeed. */
  waitPut(length: number, timeout: number, signal: AbortSignal | undefined): Promise<void> {
    return this.#waitAsync(NOT_FULL, PUT_WAITERS, timeout, signal, () => this.#putReady(length));
  }

  #waitSync(seq: number, waiters: number, timeout: number, ready: () => boolean): void {
    for (let i = 0; i < SPIN; i++) if (ready()) return;
    const ctl = this.#ctl;
    Atomics.add(ctl, waiters, 1);
    const expected = Atomics.load(ctl, seq);
    if (!ready()) parkSync(ctl, seq, expected, timeout);
    Atomics.sub(ctl, waiters, 1);
  }

  async #waitAsync(
    seq: number,
    waiters: number,
    timeout: number,
    signal: AbortSignal | undefined,
    ready: () => boolean,
  ): Promise<void> {
    // A short synchronous spin first, as the blocking wait does: a busy peer usually answers
    // within a microsecond, and a wake-up through Atomics.waitAsync costs a trip through the
    // event loop's task queue.
    for (let i = 0; i < SPIN; i++) if (ready()) return;
    const ctl = this.#ctl;
    Atomics.add(ctl, waiters, 1);
    // The keep-alive timer for timed waits: see waitAsync in mutex.ts.
    const keepAlive = timeout === Number.POSITIVE_INFINITY ? undefined : setTimeout(() => {}, 0x7fffffff);
    try {
      const expected = Atomics.load(ctl, seq);
      if (!ready()) await park(ctl, seq, expected, timeout, signal);
    } finally {
      if (keepAlive !== undefined) clearTimeout(keepAlive);
      Atomics.sub(ctl, waiters, 1);
    }
  }

  // ---- task tracking ----

  /**
   * Marks one item done. Returns false (changing nothing) when that would make more taskDone
   * calls than puts.
   */
  taskDone(): boolean {
    const ctl = this.#ctl;
    const done = Atomics.add(ctl, DONE, 1) + 1;
    const puts = Atomics.load(ctl, PUTS);
    if (((puts - done) | 0) < 0) {
      Atomics.sub(ctl, DONE, 1);
      return false;
    }
    if (done === puts) this.#wakeJoiners();
    return true;
  }

  /** Items put and not yet marked done (Python's `unfinished_tasks`). */
  unfinished(): number {
    // DONE first: it never exceeds PUTS, and both only grow, so DONE read before PUTS gives a
    // difference that was true at the instant PUTS was read (never a false zero).
    const done = Atomics.load(this.#ctl, DONE);
    return (Atomics.load(this.#ctl, PUTS) - done) | 0;
  }

  #wakeJoiners(): void {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, JOIN_WAITERS) > 0) {
      Atomics.add(ctl, ALL_DONE, 1);
      Atomics.notify(ctl, ALL_DONE);
    }
  }

  /** Blocks until every put item was marked done or `timeout` ms pass. */
  waitDoneSync(timeout: number): void {
    this.#waitSync(ALL_DONE, JOIN_WAITERS, timeout, () => this.unfinished() === 0);
  }

  /** Waits (async) until every put item was marked done. */
  waitDone(timeout: number, signal: AbortSignal | undefined): Promise<void> {
    return this.#waitAsync(ALL_DONE, JOIN_WAITERS, timeout, signal, () => this.unfinished() === 0);
  }

  // ---- shutdown and sizes ----

  /** True once shutdown() was called. */
  get isShutdown(): boolean {
    return Atomics.load(this.#ctl, SHUTDOWN) !== 0;
  }

  /**
   * Shuts the ring down; with `immediate`, takes out every item left (each passed to `discard`
   * with its bytes in `scratch`) and counts it done. Wakes every waiter.
   */
  shutdown(
    immediate: boolean,
    scratch: { words: Int32Array; reserve(n: number): void },
    discard: (length: number) => void,
  ): void {
    const ctl = this.#ctl;
    Atomics.store(ctl, SHUTDOWN, 1);
    if (immediate) {
      for (;;) {
        let length: number;
        try {
          length = this.tryGet(scratch);
        } catch (err) {
          if (err instanceof RingShutDown) break;
          throw err;
        }
        if (length < 0) {
          // An item claimed before the flag was set is being copied in: it is published within
          // a few instructions (see the module comment), so wait in tiny slices.
          Atomics.wait(ctl, SHUTDOWN, 1, 0.05);
          continue;
        }
        discard(length);
        // Python: "if self.unfinished_tasks > 0: unfinished_tasks -= 1".
        if (this.unfinished() > 0) Atomics.add(ctl, DONE, 1);
      }
      Atomics.add(ctl, ALL_DONE, 1);
      Atomics.notify(ctl, ALL_DONE);
    }
    Atomics.add(ctl, NOT_EMPTY, 1);
    Atomics.notify(ctl, NOT_EMPTY);
    Atomics.add(ctl, NOT_FULL, 1);
    Atomics.notify(ctl, NOT_FULL);
  }

  /** Items in the queue (approximate while others put and get): Python's `qsize()`. */
  qsize(): number {
    const gets = Atomics.load(this.#ctl, GETS);
    return Math.max(0, (Atomics.load(this.#ctl, PUTS) - gets) | 0);
  }
}
