/**
 * The store behind a first-in, first-out {@link Queue} (and `SimpleQueue`): a ring of 64-byte
 * slots. Producers take turns at the tail under a producer lock, consumers at the head under a
 * consumer lock (the two-lock queue of Michael and Scott, on a bounded ring): a put and a get
 * running at once in two threads never wait for each other and share as few cache lines as
 * possible. `LifoQueue` and `PriorityQueue` override the queue's hooks and use the mutex store
 * instead; a FIFO with its hooks untouched uses this one.
 *
 * ## Layout
 *
 * ```
 * control: Int32Array[80] — five 64-byte lines, so the words each side writes per item
 *                           live on lines the other side does not write
 *   line 0  (written once, at construction)
 *     0 SLOTS        number of slots, a power of two     1 MAXSIZE   Python's maxsize (0: none)
 *     2 ID           the queue's object id, for names and dumps (core/wait-table.ts)
 *   line 1  (shutdown and waiting; written rarely)
 *    16 SHUTDOWN     0, or 1 after shutdown()
 *    17 NOT_EMPTY    condition sequence: bumped by a put when getters wait     ┐ futex words
 *    18 NOT_FULL     condition sequence: bumped by a get when putters wait     │ that waiters
 *    19 ALL_DONE     condition sequence: bumped when every put was taskDone'd  ┘ park on
 *    20 GET_WAITERS  21 PUT_WAITERS  22 JOIN_WAITERS   waiters counted in (Atomics.add before
 *                    parking, Atomics.sub after)
 *   line 2  (producers, written under the producer lock)
 *    32 P_LOCK       the producer lock: 0, or the holder's ident | CONTENDED (queue/mutex.ts)
 *    33 TAIL         next slot position to fill        34 PUTS   items put
 *    35 P_OPEN       1 from a put's commit to its end  36 P_TAIL  37 P_PUTS  38 P_K  (journal)
 *   line 3  (consumers, written under the consumer lock)
 *    48 C_LOCK       the consumer lock
 *    49 HEAD         next slot position to take        50 GETS   items taken out
 *    51 C_OPEN       1 from a get's commit to its end  52 C_HEAD  53 C_GETS  54 C_K  (journal)
 *   line 4  (both)       64 DONE       taskDone() calls
 *
 * ring: Int32Array[SLOTS × 16]
 *   slot word 0       seq (below)
 *   slot words 1…15   60 data bytes. An item occupies k consecutive slots (wrapping around
 *                     the ring); its record runs through their data words:
 *                     first slot: word 1 = byte length, words 2…15 = the item's first 56 bytes;
 *                     next slots: words 1…15 = 60 more bytes each.
 * ```
 *
 * Positions are int32 counters that wrap around; slot of position `p` = `p & (SLOTS − 1)`;
 * positions are compared by their wrapped difference `(a − b) | 0`.
 *
 * **Slot sequence.** Initially `seq = i` for slot `i`. For position `p` (slot `s`): `seq = p`:
 * free for the producer that fills position `p`; `seq = p + 1`: an item starting at `p` is
 * published, for the consumer at `p`; after the consumer copied it out it sets `seq = p + SLOTS`
 * on each of its slots: free for the next lap. Only the first slot of an item is published;
 * the others keep `seq = p + j` until the consumer frees them. A producer fills `[TAIL, TAIL+k)`
 * once each of those slots' seq equals its position (else the ring is full there); a consumer
 * takes the item at `HEAD` once its seq is `HEAD + 1` (else the queue is empty there).
 *
 * **Invariants** (whenever both locks are free): `HEAD ≤ TAIL` (as wrapped positions);
 * `TAIL − HEAD ≤ SLOTS`; every position in `[HEAD, TAIL)` belongs to one published item;
 * `PUTS − GETS` items are stored; `DONE ≤ PUTS`; `maxsize > 0 ⇒ PUTS − GETS ≤ maxsize`.
 *
 * **Atomics ordering.** Control words and every slot's seq are accessed with `Atomics`
 * (sequentially consistent), except the journals (P_OPEN…P_K, C_OPEN…C_K): plain, in program
 * order, read by the lock holder itself or — by a recoverer — only after the writer died, which
 * the recoverer learns through the liveness mark set after the writer's isolate exited, when
 * all of its stores are visible. A producer's plain writes of the record happen before its `Atomics.store`
 * of the seq that publishes it, and a consumer reads the record only after its `Atomics.load` saw
 * that seq: the store/load pair orders them. The same pair, the other way round, orders a
 * consumer's reads of a record before the next producer's writes into the freed slot.
 *
 * **Waiting without lost wake-ups.** A waiter counts itself in (`Atomics.add` on the waiters
 * word), reads the condition's sequence word, re-checks its predicate, and only then parks
 * expecting the sequence it read. A producer publishes (SC store) *then* reads the getters'
 * count; if it is non-zero it bumps the sequence and notifies. In the single total order of SC
 * operations either the producer's read sees the waiter's add, or the waiter's re-check comes
 * after the publish. Consumers freeing slots and putters likewise; so do `taskDone` and `join`.
 * Waiters park in slices of at most `POLL_MS`, so that they also notice a lock holder that died.
 *
 * **A thread stopped at any instant** (a pool task's timeout, `terminate()`, a crash, out of
 * memory). Each side's critical section is written as *prepare, commit, complete*:
 * - a put checks for room and copies the record into the free slots at `TAIL` — changing
 *   nothing any other thread looks at — then commits by writing its journal (P_TAIL, P_PUTS,
 *   P_K) and `Atomics.store(P_OPEN, 1)`; then it completes: `PUTS = P_PUTS + 1`, `TAIL = P_TAIL +
 *   P_K`, publishes the first slot (seq), and clears P_OPEN.
 * - a get checks the head is published and copies the record out — changing nothing — then
 *   commits (C_HEAD, C_GETS, C_K, `Atomics.store(C_OPEN, 1)`) and completes: frees the item's
 *   slots, `GETS = C_GETS + 1`, `HEAD = C_HEAD + C_K`, clears C_OPEN.
 * Each completing step is an absolute store that may be repeated, or (publishing and freeing a
 * slot) is done only if the slot's seq says it was not done yet. The locks record their holder
 * (queue/mutex.ts), so whoever next takes a lock from a dead holder — a putter or getter, or
 * `qsize()`/`join()`/`taskDone()`, which first heal a dead holder's lock — completes a committed
 * operation and finds an uncommitted one never happened. So a stopped put either never happened
 * or is delivered (it is then in flight: it was not acknowledged, but it is not lost either); a
 * stopped get either leaves the item at the head or took it (the stopped consumer had it); no
 * count is ever off by the operation in progress, no slot is left claimed but unpublished.
 * Fast-path cost over the former lock-free ring: per item, one uncontended lock CAS and
 * release exchange on each side's own line (in place of the CAS on TAIL/HEAD), and five plain
 * journal stores.
 *
 * **Shutdown.** A put checks `SHUTDOWN` under the producer lock: a put either completed before
 * `shutdown()` set the flag or throws `ShutDown`. `shutdown({ immediate: true })` takes and
 * releases the producer lock (so the last put in progress is complete) and then removes every
 * item under the consumer lock. Gets drain what is left and throw `ShutDown` once the head
 * reaches the tail with no put in progress.
 *
 * @module
 */
import { isThreadAlive } from '../core/identity.js';
import { park, parkSync } from '../sync/park.js';
import { copyWords } from './codec.js';
import { lock, POLL_MS, tryLock, unlock, waitUnlocked } from './mutex.js';

const SLOTS = 0;
const MAXSIZE = 1;
/** The control word holding the queue's object id (written once, by the queue's constructor). */
export const RING_ID = 2;
const SHUTDOWN = 16;
const NOT_EMPTY = 17;
const NOT_FULL = 18;
const ALL_DONE = 19;
const GET_WAITERS = 20;
const PUT_WAITERS = 21;
const JOIN_WAITERS = 22;
const P_LOCK = 32;
const TAIL = 33;
const PUTS = 34;
const P_OPEN = 35;
const P_TAIL = 36;
const P_PUTS = 37;
const P_K = 38;
const C_LOCK = 48;
const HEAD = 49;
const GETS = 50;
const C_OPEN = 51;
const C_HEAD = 52;
const C_GETS = 53;
const C_K = 54;
const DONE = 64;
/** Int32 words of the control block: five 64-byte lines. */
const RING_CONTROL_WORDS = 80;
/** The ident bits of a lock word (queue/mutex.ts). */
const IDENT_MASK = 0x3fffffff;

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

/** Result of {@link Ring.tryPut} / {@link Ring.tryGet} when the side's lock is held by a live thread. */
export const BUSY = -2;

/** A buffer a get copies a record into (the queue's reader). */
export interface RingSink {
  words: Int32Array;
  reserve(n: number): void;
}

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

  #seqAt(p: number): number {
    return (p & this.#mask) * SLOT_WORDS;
  }

  // ---- the two locks and their recovery ----

  /** Takes a side's lock (`blocking`, or only if free); completes a dead holder's commit. */
  #enter(word: number, blocking: boolean): boolean {
    const r = blocking ? lock(this.#ctl, word) : tryLock(this.#ctl, word);
    if (r < 0) return false;
    if (r !== 0) this.#recover(word);
    return true;
  }

  #recover(word: number): void {
    if (word === P_LOCK) this.#completePut();
    else this.#completeGet();
    this.#wakeAll();
  }

  /** Completes a committed put (its own, or a dead producer's). Holding the producer lock. */
  #completePut(): void {
    const ctl = this.#ctl;
    if (ctl[P_OPEN] === 0) return;
    const t = ctl[P_TAIL]!;
    Atomics.store(ctl, PUTS, (ctl[P_PUTS]! + 1) | 0);
    Atomics.store(ctl, TAIL, (t + ctl[P_K]!) | 0);
    // Publish, unless done already (then a consumer may even have freed it: seq ≠ t).
    const first = this.#seqAt(t);
    if (Atomics.load(this.#ring, first) === t) Atomics.store(this.#ring, first, (t + 1) | 0);
    ctl[P_OPEN] = 0;
  }

  /** Completes a committed get (its own, or a dead consumer's). Holding the consumer lock. */
  #completeGet(): void {
    const ctl = this.#ctl;
    if (ctl[C_OPEN] === 0) return;
    const h = ctl[C_HEAD]!;
    const k = ctl[C_K]!;
    const ring = this.#ring;
    for (let j = 0; j < k; j++) {
      const p = (h + j) | 0;
      const at = this.#seqAt(p);
      const seq = Atomics.load(ring, at);
      // Not freed yet: p (a further slot) or p + 1 (the published first one). Once freed, the
      // slot may already serve the next lap (seq p + SLOTS or p + SLOTS + 1): leave it be.
      if (seq === p || seq === ((p + 1) | 0)) Atomics.store(ring, at, (p + this.#slots) | 0);
    }
    Atomics.store(ctl, GETS, (ctl[C_GETS]! + 1) | 0);
    Atomics.store(ctl, HEAD, (h + k) | 0);
    ctl[C_OPEN] = 0;
  }

  /** True when the lock `word` is held by a thread that has ended. */
  #deadHolder(word: number): boolean {
    const v = Atomics.load(this.#ctl, word);
    return v !== 0 && !isThreadAlive(v & IDENT_MASK);
  }

  /**
   * Completes what a stopped thread left committed, on either side, so that counts read next
   * are exact. Cheap when nobody died: two loads.
   */
  heal(): void {
    if (this.#deadHolder(P_LOCK) && this.#enter(P_LOCK, false)) unlock(this.#ctl, P_LOCK);
    if (this.#deadHolder(C_LOCK) && this.#enter(C_LOCK, false)) unlock(this.#ctl, C_LOCK);
  }

  /**
   * For an async caller whose attempt returned {@link BUSY}: waits, without blocking the event
   * loop, until the side's lock may be free (see waitUnlocked in mutex.ts).
   */
  waitUnlocked(put: boolean, signal: AbortSignal | undefined): Promise<void> {
    return waitUnlocked(this.#ctl, put ? P_LOCK : C_LOCK, signal);
  }

  // ---- put ----

  /**
   * One put attempt: copies the record (`length` bytes in `words`) into the free slots at the
   * tail and publishes it. Returns 1 when done; 0 when there is no room now (no ticket under
   * `maxsize`, or the slots at the tail are not free yet; nothing changed); {@link BUSY} when
   * `!blocking` and another live thread holds the producer lock.
   * @throws RingShutDown after shutdown (nothing was put).
   */
  tryPut(words: Int32Array, length: number, blocking: boolean): number {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, SHUTDOWN) !== 0) throw new RingShutDown();
    if (!this.#enter(P_LOCK, blocking)) return BUSY;
    if (Atomics.load(ctl, SHUTDOWN) !== 0) {
      unlock(ctl, P_LOCK);
      // A getter waiting for this put to end before it reports ShutDown: tell it.
      this.#wakeGetters();
      throw new RingShutDown();
    }
    const t = ctl[TAIL]!;
    const puts = ctl[PUTS]!;
    if (this.#maxsize > 0 && puts - Atomics.load(ctl, GETS) >= this.#maxsize) return this.#noRoom();
    const k = slotsFor(length);
    const ring = this.#ring;
    for (let j = 0; j < k; j++) {
      const p = (t + j) | 0;
      if (Atomics.load(ring, this.#seqAt(p)) !== p) return this.#noRoom();
    }
    // Prepare: the record into free slots nobody else looks at.
    const first = this.#seqAt(t);
    ring[first + 1] = length;
    this.#move(words, t, length, true);
    // Commit, then complete (see "A thread stopped at any instant").
    ctl[P_TAIL] = t;
    ctl[P_PUTS] = puts;
    ctl[P_K] = k;
    ctl[P_OPEN] = 1;
    this.#completePut();
    unlock(ctl, P_LOCK);
    this.#wakeGetters();
    return 1;
  }

  /** No room: releases the producer lock, after healing a dead consumer (whose get may free some). */
  #noRoom(): number {
    unlock(this.#ctl, P_LOCK);
    if (this.#deadHolder(C_LOCK)) this.heal();
    return 0;
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

  #wakeAll(): void {
    const ctl = this.#ctl;
    Atomics.add(ctl, NOT_EMPTY, 1);
    Atomics.notify(ctl, NOT_EMPTY);
    Atomics.add(ctl, NOT_FULL, 1);
    Atomics.notify(ctl, NOT_FULL);
    Atomics.add(ctl, ALL_DONE, 1);
    Atomics.notify(ctl, ALL_DONE);
  }

  /** Whether a put of `length` bytes might succeed now (for waiters; no side effects). */
  #putReady(length: number): boolean {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, SHUTDOWN) !== 0 || this.#deadHolder(C_LOCK) || this.#deadHolder(P_LOCK))
      return true;
    if (this.#maxsize > 0 && Atomics.load(ctl, PUTS) - Atomics.load(ctl, GETS) >= this.#maxsize) return false;
    const t = Atomics.load(ctl, TAIL);
    const k = slotsFor(length);
    for (let j = 0; j < k; j++) {
      const p = (t + j) | 0;
      if (((Atomics.load(this.#ring, this.#seqAt(p)) - p) | 0) < 0) return false;
    }
    return true;
  }

  // ---- get ----

  /**
   * One get attempt: takes the item at the head, copies its bytes to `into` (grown as needed)
   * and frees its slots. Returns the item's byte length; -1 when there is none now (nothing
   * changed); {@link BUSY} when `!blocking` and another live thread holds the consumer lock.
   * @throws RingShutDown when the queue is shut down and nothing is left in it.
   */
  tryGet(into: RingSink, blocking: boolean): number {
    const ctl = this.#ctl;
    if (!this.#enter(C_LOCK, blocking)) return BUSY;
    for (;;) {
      const len = this.#take(into);
      if (len >= 0) {
        unlock(ctl, C_LOCK);
        this.#wakePutters();
        return len;
      }
      if (Atomics.load(ctl, SHUTDOWN) === 0) {
        unlock(ctl, C_LOCK);
        // Nothing at the head: perhaps a dead producer committed a put; heal, so a waiter sees it.
        if (this.#deadHolder(P_LOCK)) this.heal();
        return -1;
      }
      // Shut down and nothing at the head: done, unless a put is still in progress.
      const p = tryLock(ctl, P_LOCK);
      if (p < 0) {
        unlock(ctl, C_LOCK);
        return -1; // a live put in progress: it wakes getters when it ends
      }
      if (p !== 0) this.#recover(P_LOCK);
      const empty = Atomics.load(ctl, TAIL) === Atomics.load(ctl, HEAD);
      unlock(ctl, P_LOCK);
      if (empty) {
        unlock(ctl, C_LOCK);
        throw new RingShutDown();
      }
    }
  }

  /** Takes the item at the head into `into` (holding the consumer lock): its length, or -1. */
  #take(into: RingSink): number {
    const ctl = this.#ctl;
    const h = ctl[HEAD]!;
    const first = this.#seqAt(h);
    if (Atomics.load(this.#ring, first) !== ((h + 1) | 0)) return -1;
    const header = this.#ring[first + 1]!;
    into.reserve(header + 3);
    this.#move(into.words, h, header, false);
    ctl[C_HEAD] = h;
    ctl[C_GETS] = ctl[GETS]!;
    ctl[C_K] = slotsFor(header);
    ctl[C_OPEN] = 1;
    this.#completeGet();
    return header;
  }

  /** Whether a get might succeed (or throw ShutDown) now; for waiters, no side effects. */
  #getReady(): boolean {
    const ctl = this.#ctl;
    const h = Atomics.load(ctl, HEAD);
    const seq = Atomics.load(this.#ring, this.#seqAt(h));
    return (
      ((seq - ((h + 1) | 0)) | 0) >= 0 ||
      Atomics.load(ctl, SHUTDOWN) !== 0 ||
      this.#deadHolder(P_LOCK) ||
      this.#deadHolder(C_LOCK)
    );
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
    // In slices, so that a dead lock holder is noticed (ready() says so; the caller heals).
    if (!ready()) parkSync(ctl, seq, expected, Math.min(timeout, POLL_MS));
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
      if (!ready()) await park(ctl, seq, expected, Math.min(timeout, POLL_MS), signal);
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
    this.heal();
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
    this.heal();
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
  shutdown(immediate: boolean, scratch: RingSink, discard: (length: number) => void): void {
    const ctl = this.#ctl;
    Atomics.store(ctl, SHUTDOWN, 1);
    if (immediate) {
      // Every put from now on throws; the one in progress (if any) ends before we take this.
      this.#enter(P_LOCK, true);
      unlock(ctl, P_LOCK);
      this.#enter(C_LOCK, true);
      try {
        for (let length = this.#take(scratch); length >= 0; length = this.#take(scratch)) {
          discard(length);
          // Python: "if self.unfinished_tasks > 0: unfinished_tasks -= 1".
          if (this.unfinished() > 0) Atomics.add(ctl, DONE, 1);
        }
      } finally {
        unlock(ctl, C_LOCK);
      }
    }
    this.#wakeAll();
  }

  /** Items in the queue (approximate while others put and get): Python's `qsize()`. */
  qsize(): number {
    this.heal();
    const gets = Atomics.load(this.#ctl, GETS);
    return Math.max(0, (Atomics.load(this.#ctl, PUTS) - gets) | 0);
  }
}
