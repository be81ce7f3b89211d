/**
 * `Queue`: Python's `queue.Queue` in shared memory — a FIFO queue that any number of
 * producers and consumers use at once, in async tasks of one thread, in worker threads, or
 * both. `LifoQueue` and `PriorityQueue` are this class with four small hooks overridden
 * (`_key`, `_put`, `_get`, `_slot`), as CPython's variants override `_init/_qsize/_put/_get`.
 *
 * ## Two stores
 *
 * A queue whose hooks are Queue's own — a plain FIFO, and `SimpleQueue` — keeps its items in
 * the ring of ring.ts: producers take turns at its tail and consumers at its head, each side
 * under its own lock, so a put and a get never wait for each other, which is what lets two threads move a couple of million small items a
 * second through it. The hooks need an ordered structure they can rearrange under a lock, so a
 * class that overrides one (LifoQueue, PriorityQueue, a user's subclass) gets the mutex store
 * described below. Both give the same API, semantics and errors; each public method picks its
 * store in its first line. Encoding and decoding (codec.ts) are shared and happen outside either
 * store's critical part.
 *
 * ## Implementer's overview (the mutex store)
 *
 * A queue is three SharedArrayBuffers; an instance in any thread is a view on them.
 *
 * ```
 * control: Int32Array[352]                     written only under the mutex, except where noted
 *   0 LOCK         futex mutex: 0 free, else holder's ident | CONTENDED     (mutex.ts)
 *   1 NOT_EMPTY    condition sequence: bumped after a put                   ┐ futex words;
 *   2 NOT_FULL     condition sequence: bumped after a get / shutdown        │ waiters park on
 *   3 ALL_DONE     condition sequence: bumped when UNFINISHED reaches 0     ┘ them
 *   4 GET_WAITERS  5 PUT_WAITERS  6 JOIN_WAITERS   parked waiters per condition
 *                  (Atomics.add just before parking, Atomics.sub after waking; mutex.ts)
 *   7 COUNT        items stored (read without the mutex by qsize/empty/full: approximate)
 *   8 UNFINISHED   puts not yet matched by taskDone()
 *   9 SHUTDOWN     0, or 1 after shutdown()
 *  10 MAXSIZE      Python's maxsize (≤ 0: no item limit); set at construction
 *  11 TOP          arena bump pointer (bytes)
 *  12 USED         bytes charged by stored items (≤ TOP)
 *  13 HEAD         FIFO only: slot of the oldest entry (ring start)
 *  14 SEQ          PriorityQueue only: insertion counter (ties → FIFO)
 *  15 SLOTS        entries capacity            16 CAPACITY   arena bytes
 *  17…28, 32…351   the journal of the critical section in progress (see "Dead holders")
 *  29 ID           the queue's object id, for names and dumps (core/wait-table.ts); set at
 *                  construction
 *
 * entries: Int32Array[SLOTS × 4]   one entry per stored item, arranged by the variant:
 *   [offset, length, keyLength, seq]   Queue: ring from HEAD · LifoQueue: stack · PriorityQueue: heap
 *
 * arena: Uint8Array[CAPACITY]      item records, bump-allocated
 *   record = key bytes (PriorityQueue only, keyLength) ‖ item bytes (codec.ts)
 *   each record is charged align16(length), at least 32 bytes, so SLOTS = CAPACITY / 32 entries
 *   always suffice.
 * ```
 *
 * **Invariants** (whenever the mutex is free): `COUNT` entries are live, placed as the variant
 * says; their records lie in `[0, TOP)` without overlap; `USED` is the sum of their charges;
 * `COUNT = 0 ⇒ TOP = USED = 0`; `0 ≤ UNFINISHED`; `MAXSIZE > 0 ⇒ COUNT ≤ MAXSIZE`.
 *
 * **Allocation.** A put bumps `TOP`. When the record does not fit after `TOP` but the queue is
 * empty, `TOP` restarts at 0. Otherwise the arena is compacted (live records slid down in
 * offset order, entries re-pointed) and the put proceeds, provided the record then fits and the
 * compaction pays for itself: it moves `USED` bytes, so it is done only when it reclaims at
 * least a third of that (`3·(TOP − USED) ≥ USED`) or leaves a quarter of the arena free —
 * either way at most 3 bytes are moved per byte later put. Otherwise the queue is full *by
 * bytes*: the putter waits on NOT_FULL like a putter facing `maxsize`. (So a queue more than
 * ¾ full by bytes, with little fragmentation, counts as full until consumers free more; a queue
 * that stays nearly full never degrades into a compaction per put.) A record larger than the whole arena could never fit: `put` throws
 * `ValueError` before touching the queue.
 *
 * **Who does what.** Items are encoded *outside* the mutex into a thread-local buffer; under
 * the mutex a put only checks, allocates and copies the bytes, and a get only copies them out
 * and frees their charge; decoding happens after the mutex is released. So the critical
 * section is a couple of hundred nanoseconds for a small item, which is why every caller may
 * take the mutex synchronously (see mutex.ts). A waiter releases the mutex before it parks and
 * re-takes it in the same synchronous run as the critical section that follows.
 *
 * **Consistency on timeout and abort.** A put or get that gives up has not changed anything:
 * it changes the queue only in the one critical section in which it succeeds. An aborted async
 * wait rejects with the signal's reason; the wake-up it may have consumed is passed on by
 * park.ts (an aborted park wakes every waiter of its word, which then re-check).
 *
 * Atomics ordering: the control words are accessed with `Atomics` (sequentially consistent);
 * entries and arena bytes with plain accesses under the mutex, ordered by its acquire/release.
 *
 * **Dead holders: the journal.** A thread may be stopped at any instant — inside a critical
 * section too (a pool task's timeout, `terminate()`, a crash, running out of memory). The mutex
 * records its holder (mutex.ts), so a waiter notices the holder died and takes the mutex over;
 * it then *rolls the dead holder's critical section back* before its own. Every critical
 * section opens a journal in the control block (words 17–28 and the undo log from word 32):
 *
 * ```
 * 17 J_OPEN        1 while a critical section that may change the queue runs (set after the
 *                  snapshot below is written, cleared just before the unlock)
 * 18–23            snapshot of COUNT, UNFINISHED, TOP, USED, HEAD, SEQ at the section's start
 * 24 J_LOG         undo records written (set after each record is complete)
 * 25 J_MOVE_AT     compaction: 1 + entry word index of the record being slid down, else 0;
 * 26–28            its source offset, destination offset, and bytes already copied
 * 32 + 5k          undo record k: an entry slot and its four words before the section changed it
 * ```
 *
 * Roll-back is possible because a section writes only (a) control words, restored from the
 * snapshot; (b) entries — FIFO and LIFO puts write only the entry *past* the live ones, gets
 * none (the FIFO's HEAD is a control word); a PriorityQueue's heap sift rewrites live entries
 * and logs each one's old words first (`_journal`); (c) arena bytes after `TOP`, which are
 * free again once `TOP` is restored. The one exception is compaction, which slides live records
 * down: it is rolled *forward* instead. It moves one record at a time, in chunks no longer than
 * the distance moved — so a chunk never overwrites bytes not yet copied — and records its
 * progress after each chunk; the recoverer finishes the record in progress and compacts the
 * rest again (idempotent), and the compacted layout becomes the snapshot's. So a put or get cut
 * short never happened: a put not acknowledged is not in the queue, an item whose get did not
 * return stays in it for the next getter; acknowledged puts are delivered exactly once. The same
 * roll-back undoes a section in which a variant's hook threw.
 *
 * The journal's words are plain stores, in program order: only the holder reads them while it
 * lives, and another thread reads them only after learning that the holder died — through the
 * liveness mark its starter sets after the isolate exited, by which time every store the dead
 * thread made is visible (the compaction's progress words are atomic all the same: cheap, rare).
 * Fast-path cost: eight plain stores per critical section.
 *
 * A dead holder is noticed once its death is recorded (core/identity.ts), by the event loop of
 * the thread that started it: async callers therefore wait for the mutex asynchronously, never
 * blocking that loop; a *synchronous* call on that thread waits until the death is recorded
 * (see mutex.ts, "Dead holders").
 *
 * @module
 */
import { Empty, Full, RuntimeError, ShutDown, TimeoutError, ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  type Shareable,
  type SharedDescriptor,
  type SharedTag,
} from '../core/shared-registry.js';
import {
  checkTimeout,
  deadlineOf,
  type ParsedWait,
  parseWait,
  remaining,
  WAIT_KEYS,
} from '../core/wait-options.js';
import { newObjectId, objectLabel, WAIT_KINDS, type WaitKind } from '../core/wait-table.js';
import { LongWait } from '../sync/park.js';
import type { WaitSubject } from '../sync/watch.js';
import { copyWords, depositOf, discardDeposit, discardRecord, Reader, Writer } from './codec.js';
import { lock, signal, tryLock, unlock, waitAsync, waitSync, waitUnlocked } from './mutex.js';
import { BUSY, RING_ID, Ring, RingShutDown } from './ring.js';

// Control words (see the overview).
const LOCK = 0;
const NOT_EMPTY = 1;
const NOT_FULL = 2;
const ALL_DONE = 3;
const GET_WAITERS = 4;
const PUT_WAITERS = 5;
const JOIN_WAITERS = 6;
const COUNT = 7;
const UNFINISHED = 8;
const SHUTDOWN = 9;
const MAXSIZE = 10;
const TOP = 11;
const USED = 12;
/** FIFO ring start; used by `Queue`'s hooks. */
export const HEAD = 13;
/** Insertion counter; used by `PriorityQueue`'s hooks. */
export const SEQ = 14;
const SLOTS = 15;
const CAPACITY = 16;
/** The object id (see {@link RING_ID} for the ring store's). */
const ID = 29;
// The journal of the critical section in progress (see "Dead holders" in the overview).
const J_OPEN = 17;
const J_COUNT = 18;
const J_UNFINISHED = 19;
const J_TOP = 20;
const J_USED = 21;
const J_HEAD = 22;
const J_SEQ = 23;
const J_LOG = 24;
const J_MOVE_AT = 25;
const J_MOVE_FROM = 26;
const J_MOVE_TO = 27;
const J_MOVE_DONE = 28;
/** First word of the undo log: {@link LOG_CAPACITY} records of 1 + ENTRY_WORDS words. */
const LOG = 32;
/** Undo records per critical section: a heap operation touches at most depth + 2 entries. */
const LOG_CAPACITY = 64;
const CONTROL_WORDS = LOG + LOG_CAPACITY * 5;

/** Int32 words per entry: offset, length, key length, sequence number. */
export const ENTRY_WORDS = 4;
/** Least bytes charged per item. */
const MIN_CHARGE = 32;

/** The default byte capacity of a queue's arena: 1 MiB. */
export const DEFAULT_CAPACITY = 1 << 20;
const MIN_CAPACITY = 256;
const MAX_CAPACITY = 1 << 30;

function charge(length: number): number {
  return Math.max(MIN_CHARGE, (length + 15) & ~15);
}

/** Options of a new queue (beyond Python's `maxsize`). */
export interface QueueOptions {
  /**
   * Bytes of shared memory for the items the queue holds at once, serialized. Default 1 MiB;
   * fixed for the queue's life. A FIFO `Queue` and `SimpleQueue` round it up to a power of two
   * of 64-byte slots (an item takes one slot per 60 bytes, the first holds 56); LifoQueue and
   * PriorityQueue charge each item its size rounded up to 16 bytes, at least 32. A put that
   * does not fit waits as on a full queue; an item that could never fit throws `ValueError`.
   */
  capacity?: number | undefined;
  /**
   * A name shown in thread dumps and `toString()`; default `Queue#<id>` (`LifoQueue#<id>`…),
   * the same in every thread.
   */
  name?: string | undefined;
}

/**
 * Options of a `put` or `get` that may wait: Python's `block` and `timeout`, plus `signal`.
 * `block: false` never waits (any `timeout` is then ignored, as in Python); `blocking` is
 * accepted as a synonym of `block`.
 */
export interface QueueWaitOptions {
  /** `false`: do not wait at all (Python's `block=False`). Default `true`. */
  block?: boolean | undefined;
  /** Synonym of `block`, as skein's locks spell it. */
  blocking?: boolean | undefined;
  /** Milliseconds to wait at most; `undefined` waits forever, `0` does not wait. */
  timeout?: number | undefined;
  /** Abort the wait: it rejects with the signal's reason and the queue is unchanged. */
  signal?: AbortSignal | undefined;
}

/** The keys of {@link QueueWaitOptions}. */
export const QUEUE_WAIT_KEYS: readonly string[] = ['block', 'blocking', 'timeout', 'signal'];

/** The keys of {@link QueueOptions}. */
export const QUEUE_KEYS: readonly string[] = ['capacity', 'name'];

/**
 * The error a timed wait ends with: an Empty or Full after a positive, finite timeout says what
 * timed out and after how long ("get() timed out after 1.5 ms: queue is empty"), so that
 * seconds given for milliseconds show in the message. Anything else passes unchanged.
 */
export function timedOut(err: unknown, what: string, timeout: number): unknown {
  if (!(timeout > 0 && Number.isFinite(timeout))) return err;
  if (err instanceof Empty) return new Empty(`${what} timed out after ${timeout} ms: ${err.message}`);
  if (err instanceof Full) return new Full(`${what} timed out after ${timeout} ms: ${err.message}`);
  return err;
}

/** Options of a blocking `…Sync` call: as {@link QueueWaitOptions}, without `signal` (a blocked thread cannot see it). */
export type QueueSyncWaitOptions = Omit<QueueWaitOptions, 'signal'>;

/** Options of {@link Queue.shutdown}. */
export interface ShutdownOptions {
  /** Also empty the queue at once, counting the removed items as done (Python's `immediate=True`). */
  immediate?: boolean | undefined;
}

/** The keys of {@link ShutdownOptions}. */
export const SHUTDOWN_KEYS: readonly string[] = ['immediate'];

/**
 * Reads a queue wait argument: a timeout in ms, or {@link QueueWaitOptions}. The process
 * queues (multiprocessing) read theirs here too, so both follow one rule.
 * @param what the call, for messages (`'Queue.get()'`).
 * @throws TypeError for a wrong type or an unknown key; RangeError for a bad timeout.
 */
export function parseQueueWait(
  arg: number | QueueWaitOptions | null | undefined,
  what = 'Queue',
): ParsedWait {
  if (arg === undefined || arg === null || typeof arg === 'number') return parseWait(arg);
  if (typeof arg !== 'object') {
    throw new TypeError(`expected a timeout in milliseconds or an options object, got ${typeof arg}`);
  }
  checkOptions(what, arg, QUEUE_WAIT_KEYS);
  const { block, blocking } = arg;
  if (block !== undefined && typeof block !== 'boolean') throw new TypeError('block must be a boolean');
  const b = block ?? blocking;
  const parsed = parseWait({
    timeout: arg.timeout,
    signal: arg.signal,
    blocking: b === false ? undefined : b,
  });
  if (b === false) parsed.timeout = 0;
  return parsed;
}

/**
 * The shared memory behind a queue, as it crosses into another thread: the mutex store's
 * control words, entries and arena, or the ring store's control words and ring (ring.ts).
 */
export type QueueBuffers =
  | { control: SharedArrayBuffer; entries: SharedArrayBuffer; arena: SharedArrayBuffer; ring?: undefined }
  | { control: SharedArrayBuffer; ring: SharedArrayBuffer };

/**
 * An item encoded for a put: its record (key bytes ‖ item bytes) as words, its length in
 * bytes, and its key (PriorityQueue). A put that completes at once uses the queue's own
 * writer's memory; one that must wait takes a copy, since the writer serves the next put.
 */
interface Encoded {
  words: Int32Array;
  length: number;
  keyLength: number;
  key: unknown;
}

type QueueClass = new () => Queue<unknown>;
/** The registered queue classes and their tags (the fixed list names `skein/queue`'s index for them). */
const kinds = new Map<Function, SharedTag>();
let adopting: QueueBuffers | undefined;

/**
 * Registers a queue class as a shared type: instances cross into threads as themselves.
 * Called once per class, at module load, by the module that defines it.
 */
export function registerQueueClass(cls: QueueClass, tag: SharedTag): void {
  kinds.set(cls, tag);
  registerSharedType(tag, (data) => attachQueue(cls, data as QueueBuffers));
}

/** Builds an instance of `cls` over existing shared memory (another thread's queue). */
export function attachQueue<Q extends Queue<unknown>>(cls: new () => Q, buffers: QueueBuffers): Q {
  adopting = buffers;
  try {
    return new cls();
  } finally {
    adopting = undefined;
  }
}

/**
 * A first-in, first-out queue shared by threads: Python's `queue.Queue`.
 *
 * Items are any structured-cloneable value; each `get` returns a fresh copy of what was put.
 * `maxsize > 0` bounds the number of items; the byte `capacity` (default 1 MiB) bounds their
 * serialized size. Pass the queue to a `Thread` (as an argument, or inside another thread's
 * arguments) and it arrives there as the same queue.
 *
 * Differences from Python: `put`/`get`/`join` return Promises and have `…Sync` twins that block
 * the calling thread; timeouts are milliseconds; waits take an `AbortSignal`; `join` takes an
 * optional timeout (throws `TimeoutError`); items are copied, not shared — except skein's
 * shared objects (a lock, a queue, a `Value`…), SharedArrayBuffers and views of them inside an
 * item, which arrive as themselves (the same lock, the same memory) in whichever thread gets
 * the item. Such items pass through skein's depot thread (see core/depot.ts), which costs tens
 * of microseconds per item rather than a few hundred nanoseconds; in a worker thread that skein
 * did not start they cannot be put or got (`TypeError`).
 *
 * @example
 * const q = new Queue<number>();
 * const t = new Thread({
 *   target: async (q: Queue<number>) => { for (let i = 0; i < 3; i++) await q.put(i); },
 *   args: [q],
 * });
 * t.start();
 * console.log(await q.get(), await q.get(), await q.get()); // 0 1 2
 */
export class Queue<T = unknown> implements Shareable, WaitSubject {
  /** The control words (see the module overview). For the variants' hooks. */
  protected readonly _ctl: Int32Array;
  /** The entries table. For the variants' hooks. */
  protected readonly _entries: Int32Array;
  /** Number of entry slots. */
  protected readonly _slots: number;
  readonly #buffers: QueueBuffers;
  /** The control words of either store, and where its object id lies in them. */
  readonly #control: Int32Array;
  readonly #idAt: number;
  /** The ring store, for a FIFO whose hooks are Queue's own (see ring.ts); else undefined. */
  readonly #ring: Ring | undefined;
  /** The arena bytes. For the variants' hooks (PriorityQueue reads keys). */
  protected readonly _arena: Uint8Array;
  /** The arena as words: records start 16-byte aligned and are copied a word at a time. */
  readonly #arenaWords: Int32Array;
  readonly #capacity: number;
  readonly #writer = new Writer();
  readonly #reader = new Reader();
  readonly #out = new Int32Array(ENTRY_WORDS);
  /** The record of the put in progress when it needs no copy (see {@link Encoded}). */
  readonly #rec: Encoded = { words: this.#writer.words, length: 0, keyLength: 0, key: undefined };
  /** Where the item taken by the last successful get attempt lies in the reader's buffer. */
  #from = 0;
  #to = 0;

  /**
   * Creates a queue: Python's `queue.Queue(maxsize=0)`.
   * @param maxsize at most this many items (Python's `maxsize`); `0` or negative: no limit but
   *   the byte capacity.
   * @param options `capacity`: bytes of shared memory for stored items (default 1 MiB).
   * @throws TypeError when `maxsize` is not an integer; RangeError for a capacity outside
   *   256 B – 1 GiB.
   */
  constructor(maxsize = 0, options: QueueOptions = {}) {
    checkOptions(new.target.name, options, QUEUE_KEYS);
    const adopted = adopting;
    adopting = undefined;
    let buffers: QueueBuffers;
    if (adopted !== undefined) {
      buffers = adopted;
    } else {
      if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) {
        throw new TypeError(`maxsize must be an integer, got ${String(maxsize)}`);
      }
      if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
      const name = options.name;
      if (name !== undefined && typeof name !== 'string') {
        throw new TypeError(`new ${new.target.name}({ name }): name must be a string, got ${typeof name}`);
      }
      const capacity = options.capacity ?? DEFAULT_CAPACITY;
      if (typeof capacity !== 'number' || !Number.isInteger(capacity)) {
        throw new TypeError(`capacity must be an integer number of bytes, got ${String(capacity)}`);
      }
      if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
        throw new RangeError(
          `capacity must be between ${MIN_CAPACITY} and ${MAX_CAPACITY} bytes, got ${capacity}`,
        );
      }
      const max = Math.max(0, Math.min(maxsize, 0x7fffffff));
      if (this.#fifo()) {
        buffers = Ring.create(Ring.slotsFor(capacity), max);
      } else {
        const cap = capacity & ~15;
        let slots = Math.floor(cap / MIN_CHARGE);
        if (maxsize > 0) slots = Math.min(slots, maxsize);
        buffers = {
          control: new SharedArrayBuffer(CONTROL_WORDS * 4),
          entries: new SharedArrayBuffer(slots * ENTRY_WORDS * 4),
          arena: new SharedArrayBuffer(cap),
        };
        const ctl = new Int32Array(buffers.control);
        ctl[MAXSIZE] = max;
        ctl[SLOTS] = slots;
        ctl[CAPACITY] = cap;
      }
      new Int32Array(buffers.control)[buffers.ring !== undefined ? RING_ID : ID] = newObjectId(name);
    }
    this.#buffers = buffers;
    this.#control = new Int32Array(buffers.control);
    this.#idAt = buffers.ring !== undefined ? RING_ID : ID;
    if (buffers.ring !== undefined) {
      const ring = new Ring(buffers.control, buffers.ring);
      this.#ring = ring;
      // The mutex store's fields stay empty: the hooks that read them are never called.
      this._ctl = new Int32Array(0);
      this._entries = new Int32Array(0);
      this._arena = new Uint8Array(0);
      this.#arenaWords = new Int32Array(0);
      this._slots = 0;
      this.#capacity = ring.capacity;
    } else {
      this.#ring = undefined;
      this._ctl = new Int32Array(buffers.control);
      this._entries = new Int32Array(buffers.entries);
      this._arena = new Uint8Array(buffers.arena);
      this.#arenaWords = new Int32Array(buffers.arena);
      this._slots = this._ctl[SLOTS]!;
      this.#capacity = this._ctl[CAPACITY]!;
    }
  }

  /**
   * True when this queue keeps Queue's own order hooks — a plain FIFO — and so can use the
   * two-lock ring store (ring.ts). A class that overrides a hook (LifoQueue, PriorityQueue, a
   * user's subclass) gets the mutex store, on which the hooks run.
   */
  #fifo(): boolean {
    const base = Queue.prototype;
    return (
      this._key === base._key &&
      this._put === base._put &&
      this._get === base._get &&
      this._slot === base._slot
    );
  }

  /** @internal What dumps call this kind of queue. */
  get diagKind(): WaitKind {
    const kind = this.constructor.name as WaitKind;
    return WAIT_KINDS.includes(kind) ? kind : 'Queue';
  }

  /** @internal */
  get diagId(): number {
    return this.#control[this.#idAt] as number;
  }

  /** The queue's name: the one it was created with, or `Queue#<id>` (the same in every thread). */
  get name(): string {
    return objectLabel(this.diagKind, this.diagId);
  }

  /** `<Queue 'jobs' qsize=2 maxsize=10>`. */
  toString(): string {
    const max = this.maxsize;
    return `<${this.constructor.name} '${this.name}' qsize=${this.qsize()}${max > 0 ? ` maxsize=${max}` : ''}>`;
  }

  // ---- the variant hooks (CPython's _put/_get); all run under the mutex ----

  /** The item's priority key, or `undefined` when the variant does not order by key. */
  protected _key(_item: unknown): unknown {
    return undefined;
  }

  /**
   * Stores a new entry `(offset, length, keyLength)`, `count` entries being live. May throw
   * (PriorityQueue: incomparable keys) only before changing anything.
   */
  protected _put(count: number, offset: number, length: number, keyLength: number, _key: unknown): void {
    const e = this._entries;
    const slot = (Atomics.load(this._ctl, HEAD) + count) % this._slots;
    const at = slot * ENTRY_WORDS;
    e[at] = offset;
    e[at + 1] = length;
    e[at + 2] = keyLength;
  }

  /** Removes the next entry (`count > 0` are live) and writes its words into `out`. */
  protected _get(_count: number, out: Int32Array): void {
    const head = Atomics.load(this._ctl, HEAD);
    const e = this._entries;
    const at = head * ENTRY_WORDS;
    out[0] = e[at]!;
    out[1] = e[at + 1]!;
    out[2] = e[at + 2]!;
    out[3] = e[at + 3]!;
    Atomics.store(this._ctl, HEAD, (head + 1) % this._slots);
  }

  /** The slot holding the `i`-th live entry (any order; used to compact and to drain). */
  protected _slot(i: number): number {
    return (Atomics.load(this._ctl, HEAD) + i) % this._slots;
  }

  // ---- the mechanism ----

  /** Encodes `item` into the writer; returns {@link #rec} describing it (valid until the next put). */
  #encode(item: T): Encoded {
    const w = this.#writer;
    w.pos = 0;
    const key = this._key(item);
    if (key !== undefined) w.write(key, 'item');
    const keyLength = w.pos;
    w.write(item, 'item');
    const length = w.pos;
    if (this.#ring !== undefined ? !this.#ring.fits(length) : charge(length) > this.#capacity) {
      discardRecord(w.buf, keyLength);
      throw new ValueError(
        `item needs ${length} bytes serialized, more than this queue's capacity of ${this.#capacity} ` +
          'bytes: it could never fit. Create the queue with a larger capacity: new Queue(maxsize, { capacity }).',
      );
    }
    const rec = this.#rec;
    rec.words = w.words;
    rec.length = length;
    rec.keyLength = keyLength;
    rec.key = key;
    return rec;
  }

  /**
   * Tells the depot to forget what a record that will never be stored deposited (its put
   * failed); nothing for the common record, which deposited nothing.
   */
  #discard(rec: Encoded): void {
    discardRecord(new Uint8Array(rec.words.buffer, rec.words.byteOffset, rec.length), rec.keyLength);
  }

  /** A copy of the record in progress that outlives the next put (for a put that waits). */
  #keep(rec: Encoded): Encoded {
    return {
      words: rec.words.slice(0, (rec.length + 3) >> 2),
      length: rec.length,
      keyLength: rec.keyLength,
      key: rec.key,
    };
  }

  #alloc(size: number): number {
    const ctl = this._ctl;
    const top = ctl[TOP]!;
    const used = ctl[USED]!;
    if (top + size <= this.#capacity) {
      ctl[TOP] = top + size;
      ctl[USED] = used + size;
      return top;
    }
    if (ctl[COUNT] === 0) {
      ctl[TOP] = size;
      ctl[USED] = size;
      return 0;
    }
    // Compact only when it pays for itself: it moves `used` bytes and reclaims `top - used`.
    if (
      used + size <= this.#capacity &&
      (used + size <= this.#capacity - (this.#capacity >> 2) || 3 * (top - used) >= used)
    ) {
      this.#compact();
      const t = ctl[TOP]!;
      ctl[TOP] = t + size;
      ctl[USED] = used + size;
      return t;
    }
    return -1;
  }

  /**
   * Slides live records down in offset order (under the mutex). Rolled forward if its thread
   * dies part-way (see "Dead holders"): the compacted layout becomes the journal's snapshot.
   */
  #compact(): void {
    const ctl = this._ctl;
    const n = ctl[COUNT]!;
    const e = this._entries;
    const slots: number[] = [];
    for (let i = 0; i < n; i++) slots.push(this._slot(i));
    slots.sort((a, b) => e[a * ENTRY_WORDS]! - e[b * ENTRY_WORDS]!);
    let dst = 0;
    for (const s of slots) {
      const at = s * ENTRY_WORDS;
      const off = e[at]!;
      const len = e[at + 1]!;
      if (off !== dst) this.#slide(at, off, dst, len, 0);
      dst += charge(len);
    }
    ctl[TOP] = dst;
    ctl[J_TOP] = dst;
  }

  /**
   * Moves the record of the entry at word `at` from `from` down to `to`, resuming after `done`
   * bytes, in chunks of at most `from − to` bytes (never overwriting bytes not yet copied),
   * recording its progress in the journal after each chunk.
   */
  #slide(at: number, from: number, to: number, len: number, done: number): void {
    const ctl = this._ctl;
    ctl[J_MOVE_FROM] = from;
    ctl[J_MOVE_TO] = to;
    ctl[J_MOVE_DONE] = done;
    Atomics.store(ctl, J_MOVE_AT, at + 1);
    const step = from - to;
    while (done < len) {
      const n = Math.min(step, len - done);
      this._arena.copyWithin(to + done, from + done, from + done + n);
      done += n;
      Atomics.store(ctl, J_MOVE_DONE, done);
    }
    this._entries[at] = to;
    Atomics.store(ctl, J_MOVE_AT, 0);
  }

  // ---- the journal (see "Dead holders" in the overview) ----

  /** Takes the mutex, blocking; repairs after a dead holder; opens the journal. */
  #enter(): void {
    if (lock(this._ctl, LOCK) !== 0) this.#repair();
    this.#open();
  }

  /** As {@link #enter} without waiting: false (mutex not taken) when a live thread holds it. */
  #tryEnter(): boolean {
    const r = tryLock(this._ctl, LOCK);
    if (r < 0) return false;
    if (r !== 0) this.#repair();
    this.#open();
    return true;
  }

  /** Closes the journal and releases the mutex. */
  #leave(): void {
    this.#close();
    unlock(this._ctl, LOCK);
  }

  #open(): void {
    const c = this._ctl;
    c[J_COUNT] = c[COUNT]!;
    c[J_UNFINISHED] = c[UNFINISHED]!;
    c[J_TOP] = c[TOP]!;
    c[J_USED] = c[USED]!;
    c[J_HEAD] = c[HEAD]!;
    c[J_SEQ] = c[SEQ]!;
    c[J_LOG] = 0;
    c[J_OPEN] = 1;
  }

  /** Marks the critical section complete (before the unlock, or before a wait releases the mutex). */
  #close(): void {
    this._ctl[J_OPEN] = 0;
  }

  /**
   * Saves the entry in `slot` to the undo log before a hook overwrites a *live* entry (a
   * heap sift does; writing the free entry past the live ones needs no saving). For subclasses
   * whose hooks rearrange live entries.
   * @throws RuntimeError when one critical section would save more than 64 entries (nothing is
   *   changed then: the section is rolled back).
   */
  protected _journal(slot: number): void {
    const c = this._ctl;
    const n = c[J_LOG]!;
    if (n >= LOG_CAPACITY) {
      throw new RuntimeError(`a queue hook changed more than ${LOG_CAPACITY} entries in one operation`);
    }
    const at = LOG + n * 5;
    const e = slot * ENTRY_WORDS;
    const entries = this._entries;
    c[at] = slot;
    c[at + 1] = entries[e]!;
    c[at + 2] = entries[e + 1]!;
    c[at + 3] = entries[e + 2]!;
    c[at + 4] = entries[e + 3]!;
    c[J_LOG] = n + 1;
  }

  /** Undoes the open critical section: entries from the undo log, newest first, then the control words. */
  #rollback(): void {
    const c = this._ctl;
    const entries = this._entries;
    for (let n = c[J_LOG]! - 1; n >= 0; n--) {
      const at = LOG + n * 5;
      const e = c[at]! * ENTRY_WORDS;
      entries[e] = c[at + 1]!;
      entries[e + 1] = c[at + 2]!;
      entries[e + 2] = c[at + 3]!;
      entries[e + 3] = c[at + 4]!;
    }
    Atomics.store(c, J_LOG, 0);
    Atomics.store(c, COUNT, c[J_COUNT]!);
    c[UNFINISHED] = c[J_UNFINISHED]!;
    c[TOP] = c[J_TOP]!;
    c[USED] = c[J_USED]!;
    Atomics.store(c, HEAD, c[J_HEAD]!);
    c[SEQ] = c[J_SEQ]!;
  }

  /**
   * After taking the mutex over from a dead holder: finishes a compaction it left part-way,
   * rolls its critical section back, and wakes every waiter (the queue's state may differ from
   * what they last saw).
   */
  #repair(): void {
    const c = this._ctl;
    if (Atomics.load(c, J_OPEN) === 0) return;
    const moving = Atomics.load(c, J_MOVE_AT);
    if (moving !== 0) {
      const at = moving - 1;
      const to = c[J_MOVE_TO]!;
      if (this._entries[at] !== to) {
        this.#slide(at, c[J_MOVE_FROM]!, to, this._entries[at + 1]!, c[J_MOVE_DONE]!);
      }
      Atomics.store(c, J_MOVE_AT, 0);
      this.#compact();
    }
    this.#rollback();
    this.#close();
    signal(c, NOT_EMPTY, GET_WAITERS, Number.POSITIVE_INFINITY);
    signal(c, NOT_FULL, PUT_WAITERS, Number.POSITIVE_INFINITY);
    signal(c, ALL_DONE, JOIN_WAITERS, Number.POSITIVE_INFINITY);
  }

  /** One put attempt, under the mutex. */
  #tryPut(rec: Encoded): boolean {
    const ctl = this._ctl;
    if (ctl[SHUTDOWN] !== 0) throw new ShutDown('put() on a queue that was shut down');
    const count = ctl[COUNT]!;
    const max = ctl[MAXSIZE]!;
    if ((max > 0 && count >= max) || count >= this._slots) return false;
    const len = rec.length;
    const size = charge(len);
    const off = this.#alloc(size);
    if (off < 0) return false;
    // The record's last word may carry a few bytes past its end: they lie within its charge.
    copyWords(rec.words, 0, this.#arenaWords, off >> 2, (len + 3) >> 2);
    try {
      this._put(count, off, len, rec.keyLength, rec.key);
    } catch (err) {
      this.#rollback();
      throw err;
    }
    Atomics.store(ctl, COUNT, count + 1);
    ctl[UNFINISHED] = ctl[UNFINISHED]! + 1;
    signal(ctl, NOT_EMPTY, GET_WAITERS, 1);
    return true;
  }

  /**
   * One get attempt, under the mutex: copies the record into the reader and returns its length
   * (the item lies in `[#from, #to)` of the reader's buffer), or -1 when empty.
   */
  #tryGet(): number {
    const ctl = this._ctl;
    const count = ctl[COUNT]!;
    if (count === 0) {
      if (ctl[SHUTDOWN] !== 0) throw new ShutDown('get() on a queue that was shut down and is empty');
      return -1;
    }
    const out = this.#out;
    this._get(count, out);
    const len = out[1]!;
    const reader = this.#reader;
    reader.reserve(len + 3);
    copyWords(this.#arenaWords, out[0]! >> 2, reader.words, 0, (len + 3) >> 2);
    this.#from = out[2]!;
    this.#to = len;
    this.#release(count, len);
    return len;
  }

  /** Frees a removed entry's charge and signals NOT_FULL (under the mutex). */
  #release(count: number, length: number): void {
    const ctl = this._ctl;
    Atomics.store(ctl, COUNT, count - 1);
    if (count === 1) ctl[TOP] = ctl[USED] = 0;
    else ctl[USED] = ctl[USED]! - charge(length);
    // Putters wait for different amounts of room: wake them all (usually none).
    signal(ctl, NOT_FULL, PUT_WAITERS, Number.POSITIVE_INFINITY);
  }

  #full(): Full {
    const max = this.maxsize;
    return new Full(
      max > 0 && this.qsize() >= max
        ? `queue is full (maxsize ${max})`
        : `queue is full: no room for the item in its ${this.#capacity}-byte capacity`,
    );
  }

  /**
   * One put attempt: takes the mutex (blocking, or not when `!blocking`) and tries. Returns 1
   * when the item is in (mutex released); 0 when the caller must wait — with the mutex still
   * held (journal closed), as `waitAsync` and `waitSync` expect; -1 (only when `!blocking`)
   * when another thread holds the mutex. Throws with the mutex released: ShutDown, a failed
   * insert, or Full when no time is left before `deadline`.
   */
  #attemptPut(rec: Encoded, deadline: number, blocking: boolean): number {
    if (blocking) this.#enter();
    else if (!this.#tryEnter()) return -1;
    let ok: boolean;
    try {
      ok = this.#tryPut(rec);
    } catch (err) {
      this.#leave();
      throw err;
    }
    if (ok) {
      this.#leave();
      return 1;
    }
    if (remaining(deadline) === 0) {
      const err = this.#full();
      this.#leave();
      throw err;
    }
    this.#close();
    return 0;
  }

  /**
   * One get attempt, as {@link #attemptPut}: the item's byte length in the reader (mutex
   * released), -1 when the caller must wait (mutex held, journal closed), or -2 (only when
   * `!blocking`) when another thread holds the mutex. Throws with the mutex released:
   * ShutDown, or Empty when no time is left before `deadline`.
   */
  #attemptGet(deadline: number, blocking: boolean): number {
    if (blocking) this.#enter();
    else if (!this.#tryEnter()) return -2;
    let len: number;
    try {
      len = this.#tryGet();
    } catch (err) {
      this.#leave();
      throw err;
    }
    if (len >= 0) {
      this.#leave();
      return len;
    }
    if (remaining(deadline) === 0) {
      this.#leave();
      throw new Empty('queue is empty');
    }
    this.#close();
    return -1;
  }

  /**
   * One put attempt on the ring store (`blocking`: may wait for the producer lock): 1 when the
   * item is in; 0 to wait for room; {@link BUSY} to wait for the lock. Throws as {@link #attemptPut}.
   */
  #ringPut(ring: Ring, rec: Encoded, deadline: number, blocking: boolean): number {
    let r: number;
    try {
      r = ring.tryPut(rec.words, rec.length, blocking);
    } catch (err) {
      if (err instanceof RingShutDown) throw new ShutDown('put() on a queue that was shut down');
      throw err;
    }
    if (r === 0 && remaining(deadline) === 0) throw this.#full();
    return r;
  }

  /**
   * One get attempt on the ring store: the record's length (see {@link #item}); -1 to wait for
   * an item; {@link BUSY} to wait for the consumer lock. Throws as {@link #attemptGet}.
   */
  #ringGet(ring: Ring, deadline: number, blocking: boolean): number {
    let len: number;
    try {
      len = ring.tryGet(this.#reader, blocking);
    } catch (err) {
      if (err instanceof RingShutDown) throw new ShutDown('get() on a queue that was shut down and is empty');
      throw err;
    }
    if (len >= 0) {
      this.#from = 0;
      this.#to = len;
      return len;
    }
    if (len === -1 && remaining(deadline) === 0) throw new Empty('queue is empty');
    return len;
  }

  async #ringPutSlow(
    ring: Ring,
    rec: Encoded,
    deadline: number,
    signal: AbortSignal | undefined,
    r: number,
  ): Promise<void> {
    const wait = new LongWait(this, 'put', false);
    try {
      do {
        if (r === BUSY) await ring.waitUnlocked(true, signal);
        else {
          await ring.waitPut(rec.length, wait.slice(remaining(deadline)), signal);
          wait.tick();
        }
        r = this.#ringPut(ring, rec, deadline, false);
      } while (r !== 1);
    } catch (err) {
      this.#discard(rec);
      throw err;
    } finally {
      wait.end();
    }
  }

  async #ringGetSlow(ring: Ring, deadline: number, signal: AbortSignal | undefined, len: number): Promise<T> {
    const wait = new LongWait(this, 'get', false);
    try {
      for (;;) {
        if (len === BUSY) await ring.waitUnlocked(false, signal);
        else {
          await ring.waitGet(wait.slice(remaining(deadline)), signal);
          wait.tick();
        }
        len = this.#ringGet(ring, deadline, false);
        if (len >= 0) return this.#item();
      }
    } finally {
      wait.end();
    }
  }

  // ---- public API ----

  /**
   * Puts `item` at the tail: Python's `put(item, block=True, timeout=None)`.
   *
   * Waits while the queue is full (`maxsize` items, or no room in its byte capacity): wakes when
   * a `get` makes room, when the timeout elapses, when `signal` aborts, or at `shutdown`.
   * The last argument may be the timeout in milliseconds.
   *
   * @throws TypeError (synchronously, at the call) when the item cannot be sent, naming its path.
   * @throws ValueError when the item is larger than the queue's capacity could ever hold.
   * @throws Full (rejects) when not blocking or the timeout elapsed and the queue is still full.
   * @throws ShutDown (rejects) when the queue is or gets shut down.
   * @throws the signal's reason (rejects) when aborted; nothing was put.
   * @example await q.put({ job: 1 }, { timeout: 500 });
   */
  put(item: T, options?: number | QueueWaitOptions): Promise<void> {
    const { timeout, signal } = parseQueueWait(options, 'put()');
    if (signal?.aborted) return Promise.reject(signal.reason);
    const rec = this.#encode(item);
    const deadline = deadlineOf(timeout);
    const ring = this.#ring;
    let r: number;
    try {
      if (ring !== undefined) {
        const r = this.#ringPut(ring, rec, deadline, false);
        if (r === 1) return Promise.resolve();
        return this.#ringPutSlow(ring, this.#keep(rec), deadline, signal, r).catch((err: unknown) => {
          throw timedOut(err, 'put()', timeout);
        });
      }
      r = this.#attemptPut(rec, deadline, false);
    } catch (err) {
      this.#discard(rec);
      return Promise.reject(timedOut(err, 'put()', timeout));
    }
    if (r === 1) return Promise.resolve();
    return this.#putSlow(this.#keep(rec), deadline, signal, r).catch((err: unknown) => {
      throw timedOut(err, 'put()', timeout);
    });
  }

  /**
   * The waiting part of `put`; `r` is the last attempt's result: 0, mutex held (wait for
   * room); -1, another thread holds the mutex (wait for it, without blocking the event loop).
   */
  async #putSlow(rec: Encoded, deadline: number, signal: AbortSignal | undefined, r: number): Promise<void> {
    const wait = new LongWait(this, 'put', false);
    try {
      do {
        if (r === 0) {
          await waitAsync(this._ctl, LOCK, NOT_FULL, PUT_WAITERS, wait.slice(remaining(deadline)), signal);
          wait.tick();
        } else await waitUnlocked(this._ctl, LOCK, signal);
        r = this.#attemptPut(rec, deadline, false);
      } while (r !== 1);
    } catch (err) {
      this.#discard(rec);
      throw err;
    } finally {
      wait.end();
    }
  }

  /**
   * Like {@link put}, blocking the calling thread while it waits (meant for worker code; on the
   * main thread it freezes the event loop). Python's `put` as it is in Python.
   * @throws as {@link put}, synchronously.
   * @example q.putSync(item, { timeout: 500 });
   */
  putSync(item: T, options?: number | QueueSyncWaitOptions): void {
    const { timeout, signal } = parseQueueWait(options, 'putSync()');
    if (signal?.aborted) throw signal.reason;
    const rec = this.#encode(item);
    const deadline = deadlineOf(timeout);
    const ring = this.#ring;
    let wait: LongWait | undefined;
    try {
      if (ring !== undefined) {
        while (this.#ringPut(ring, rec, deadline, true) !== 1) {
          wait ??= new LongWait(this, 'putSync', true);
          ring.waitPutSync(rec.length, wait.slice(remaining(deadline)));
          wait.tick();
        }
        return;
      }
      while (this.#attemptPut(rec, deadline, true) === 0) {
        wait ??= new LongWait(this, 'putSync', true);
        waitSync(this._ctl, LOCK, NOT_FULL, PUT_WAITERS, wait.slice(remaining(deadline)));
        wait.tick();
      }
    } catch (err) {
      this.#discard(rec);
      throw timedOut(err, 'putSync()', timeout);
    } finally {
      wait?.end();
    }
  }

  /**
   * Puts `item` only if there is room now: Python's `put_nowait(item)`.
   * @throws Full when the queue is full; ShutDown after shutdown; TypeError / ValueError as {@link put}.
   */
  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /**
   * Removes and returns the item at the head: Python's `get(block=True, timeout=None)`.
   *
   * Waits while the queue is empty: wakes when a `put` adds an item, when the timeout elapses,
   * when `signal` aborts, or at `shutdown`. The last argument may be the timeout in ms.
   *
   * @throws Empty (rejects) when not blocking or the timeout elapsed and the queue is still empty.
   * @throws ShutDown (rejects) when the queue was shut down and is empty (after shutdown, gets
   *   first drain what is left).
   * @throws the signal's reason (rejects) when aborted; no item was taken.
   * @example const job = await q.get({ timeout: 1000 });
   */
  get(options?: number | QueueWaitOptions): Promise<T> {
    const { timeout, signal } = parseQueueWait(options, 'get()');
    if (signal?.aborted) return Promise.reject(signal.reason);
    const deadline = deadlineOf(timeout);
    const ring = this.#ring;
    let len: number;
    try {
      len = ring !== undefined ? this.#ringGet(ring, deadline, false) : this.#attemptGet(deadline, false);
    } catch (err) {
      return Promise.reject(timedOut(err, 'get()', timeout));
    }
    if (len >= 0) return Promise.resolve(this.#item());
    const slow =
      ring !== undefined
        ? this.#ringGetSlow(ring, deadline, signal, len)
        : this.#getSlow(deadline, signal, len);
    return slow.catch((err: unknown) => {
      throw timedOut(err, 'get()', timeout);
    });
  }

  /** Decodes the item the last successful get attempt copied out. */
  #item(): T {
    return this.#reader.read(this.#from, this.#to) as T;
  }

  /**
   * The waiting part of `get`; `len` is the last attempt's result: -1, mutex held (wait for an
   * item); -2, another thread holds the mutex (wait for it, without blocking the event loop).
   */
  async #getSlow(deadline: number, signal: AbortSignal | undefined, len: number): Promise<T> {
    const wait = new LongWait(this, 'get', false);
    try {
      for (;;) {
        if (len === -1) {
          await waitAsync(this._ctl, LOCK, NOT_EMPTY, GET_WAITERS, wait.slice(remaining(deadline)), signal);
          wait.tick();
        } else await waitUnlocked(this._ctl, LOCK, signal);
        len = this.#attemptGet(deadline, false);
        if (len >= 0) return this.#item();
      }
    } finally {
      wait.end();
    }
  }

  /**
   * Like {@link get}, blocking the calling thread while it waits (meant for worker code).
   * @throws as {@link get}, synchronously.
   * @example const job = q.getSync();
   */
  getSync(options?: number | QueueSyncWaitOptions): T {
    const { timeout, signal } = parseQueueWait(options, 'getSync()');
    if (signal?.aborted) throw signal.reason;
    const deadline = deadlineOf(timeout);
    const ring = this.#ring;
    let wait: LongWait | undefined;
    try {
      if (ring !== undefined) {
        for (;;) {
          if (this.#ringGet(ring, deadline, true) >= 0) return this.#item();
          wait ??= new LongWait(this, 'getSync', true);
          ring.waitGetSync(wait.slice(remaining(deadline)));
          wait.tick();
        }
      }
      for (;;) {
        const len = this.#attemptGet(deadline, true);
        if (len >= 0) return this.#item();
        wait ??= new LongWait(this, 'getSync', true);
        waitSync(this._ctl, LOCK, NOT_EMPTY, GET_WAITERS, wait.slice(remaining(deadline)));
        wait.tick();
      }
    } catch (err) {
      throw timedOut(err, 'getSync()', timeout);
    } finally {
      wait?.end();
    }
  }

  /**
   * Removes and returns an item only if one is there now: Python's `get_nowait()`.
   * @throws Empty when the queue is empty; ShutDown when it is shut down and empty.
   */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /**
   * Marks one item taken by `get` as processed: Python's `task_done()`. When every item put has
   * been marked, `join` returns.
   * @throws ValueError when called more times than items were put.
   */
  taskDone(): void {
    if (this.#ring !== undefined) {
      if (!this.#ring.taskDone()) throw this.#tooManyTaskDone();
      return;
    }
    const ctl = this._ctl;
    this.#enter();
    const unfinished = ctl[UNFINISHED]! - 1;
    if (unfinished < 0) {
      this.#leave();
      throw this.#tooManyTaskDone();
    }
    ctl[UNFINISHED] = unfinished;
    if (unfinished === 0) signal(ctl, ALL_DONE, JOIN_WAITERS, Number.POSITIVE_INFINITY);
    this.#leave();
  }

  /**
   * One check of `join`: 0 when every item put was marked done; else the milliseconds left to
   * wait for that — holding the mutex store's mutex then, as its waits expect.
   * @throws TimeoutError when none are left (mutex released).
   */
  #joinLeft(deadline: number, what: 'join' | 'joinSync', blocking: boolean, timeout: number): number {
    const ring = this.#ring;
    const ctl = this._ctl;
    if (ring === undefined) {
      if (blocking) this.#enter();
      else if (!this.#tryEnter()) return -1;
      this.#close();
    }
    const unfinished = ring !== undefined ? ring.unfinished() : ctl[UNFINISHED]!;
    const left = unfinished <= 0 ? 0 : remaining(deadline);
    if (left === 0 && ring === undefined) unlock(ctl, LOCK);
    if (unfinished > 0 && left === 0) {
      throw new TimeoutError(`${what}() timed out after ${timeout} ms with ${unfinished} unfinished tasks`);
    }
    return left;
  }

  #tooManyTaskDone(): ValueError {
    return new ValueError('taskDone() called too many times: more than items were put in the queue');
  }

  /**
   * Waits until every item ever put has been marked done with `taskDone`: Python's `join()`.
   * Extension: an optional timeout (ms) or `{ timeout, signal }`.
   * @throws TimeoutError (rejects) when the timeout elapses first; the signal's reason when aborted.
   * @example await q.join();
   */
  async join(
    options?: number | { timeout?: number | undefined; signal?: AbortSignal | undefined },
  ): Promise<void> {
    const { timeout, signal } = parseWait(options, 'Queue.join()', WAIT_KEYS);
    if (signal?.aborted) throw signal.reason;
    const deadline = deadlineOf(timeout);
    const ring = this.#ring;
    let wait: LongWait | undefined;
    try {
      for (;;) {
        const left = this.#joinLeft(deadline, 'join', false, timeout);
        if (left === 0) return;
        if (left < 0) {
          await waitUnlocked(this._ctl, LOCK, signal);
          continue;
        }
        wait ??= new LongWait(this, 'join', false);
        if (ring !== undefined) await ring.waitDone(wait.slice(left), signal);
        else await waitAsync(this._ctl, LOCK, ALL_DONE, JOIN_WAITERS, wait.slice(left), signal);
        wait.tick();
      }
    } finally {
      wait?.end();
    }
  }

  /**
   * Like {@link join}, blocking the calling thread.
   * @throws TimeoutError when the timeout (ms) elapses first.
   */
  joinSync(timeout?: number): void {
    const ms = checkTimeout(timeout);
    const deadline = deadlineOf(ms);
    const ring = this.#ring;
    let wait: LongWait | undefined;
    try {
      for (
        let left = this.#joinLeft(deadline, 'joinSync', true, ms);
        left > 0;
        left = this.#joinLeft(deadline, 'joinSync', true, ms)
      ) {
        wait ??= new LongWait(this, 'joinSync', true);
        if (ring !== undefined) ring.waitDoneSync(wait.slice(left));
        else waitSync(this._ctl, LOCK, ALL_DONE, JOIN_WAITERS, wait.slice(left));
        wait.tick();
      }
    } finally {
      wait?.end();
    }
  }

  /**
   * Shuts the queue down: Python 3.13's `shutdown(immediate=False)`. Afterwards every `put`
   * throws `ShutDown`; `get` returns what is left, then throws `ShutDown`. Blocked putters and
   * (once the queue is empty) getters wake and throw `ShutDown`. With `immediate: true` the
   * queue is emptied at once, the removed items count as done (which may release `join`), and
   * every blocked getter wakes too. Never waits; idempotent.
   * @example q.shutdown({ immediate: true });
   */
  shutdown(options: ShutdownOptions = {}): void {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('shutdown options must be an object');
    checkOptions('shutdown()', options, SHUTDOWN_KEYS);
    const { immediate = false } = options;
    if (typeof immediate !== 'boolean') throw new TypeError('immediate must be a boolean');
    if (this.#ring !== undefined) {
      // Each item an immediate shutdown removes lands in the reader first: forget its deposit.
      const reader = this.#reader;
      this.#ring.shutdown(immediate, reader, () => discardRecord(reader.buf, 0));
      return;
    }
    const ctl = this._ctl;
    this.#enter();
    ctl[SHUTDOWN] = 1;
    const discarded: number[] = [];
    if (immediate) {
      // Every entry goes at once, in any order: read them where they lie (the hooks' `_get`
      // would rearrange a heap per item, more than one journal can undo) and drop them all.
      const e = this._entries;
      const count = ctl[COUNT]!;
      for (let i = 0; i < count; i++) {
        const at = this._slot(i) * ENTRY_WORDS;
        const id = depositOf(this._arena, e[at]! + e[at + 2]!);
        if (id !== 0) discarded.push(id);
      }
      // Python: "if self.unfinished_tasks > 0: unfinished_tasks -= 1", per item removed.
      ctl[UNFINISHED] = Math.max(0, ctl[UNFINISHED]! - count);
      Atomics.store(ctl, COUNT, 0);
      ctl[TOP] = ctl[USED] = 0;
      signal(ctl, ALL_DONE, JOIN_WAITERS, Number.POSITIVE_INFINITY);
    }
    signal(ctl, NOT_EMPTY, GET_WAITERS, Number.POSITIVE_INFINITY);
    signal(ctl, NOT_FULL, PUT_WAITERS, Number.POSITIVE_INFINITY);
    this.#leave();
    for (const id of discarded) discardDeposit(id);
  }

  /** True once `shutdown()` was called (Python's `is_shutdown`). */
  get isShutdown(): boolean {
    if (this.#ring !== undefined) return this.#ring.isShutdown;
    return Atomics.load(this._ctl, SHUTDOWN) !== 0;
  }

  /**
   * The number of items in the queue: Python's `qsize()`. Approximate, as in Python: another
   * thread may put or get before you act on it.
   */
  qsize(): number {
    if (this.#ring !== undefined) return this.#ring.qsize();
    return Atomics.load(this._ctl, COUNT);
  }

  /** True when the queue is empty (Python's `empty()`); approximate, like {@link qsize}. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * True when the queue holds `maxsize` items (Python's `full()`); approximate, like
   * {@link qsize}. A put may still find no room when the byte capacity is exhausted.
   */
  full(): boolean {
    const max = this.maxsize;
    return max > 0 && this.qsize() >= max;
  }

  /** The item limit given at construction (`0`: none); Python's `maxsize`. */
  get maxsize(): number {
    if (this.#ring !== undefined) return this.#ring.maxsize;
    return Atomics.load(this._ctl, MAXSIZE);
  }

  /** The byte capacity of the queue's shared memory. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Crosses into another thread as this same queue; processes get a TypeError. */
  [kShare](destination: Destination): SharedDescriptor {
    const tag = kinds.get(this.constructor);
    if (tag === undefined)
      throw new TypeError(`${this.constructor.name} is not registered as a shared queue class`);
    refuseProcess(
      destination,
      `a ${this.constructor.name} from skein/queue`,
      "it lives in this process's shared memory",
      'multiprocessing.Queue or manager.Queue() instead',
    );
    return { tag, data: this.#buffers };
  }
}

registerQueueClass(Queue, 'skein.queue.Queue');
