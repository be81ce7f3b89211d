/**
 * Process-safe queues: Python's `multiprocessing.Queue`, `JoinableQueue` and `SimpleQueue`
 * (and the queues a manager hands out). The items live in a server — the creating thread's
 * local host (`wire/local-host.ts`) or a manager — and every holder reaches them over a socket,
 * so a queue works between async tasks, threads and processes alike.
 *
 * Semantics are those of `skein/queue` (CPython's `queue.Queue`): `put`/`get` with
 * `{ block, timeout, signal }`, `putNowait`/`getNowait`, `Full`/`Empty`, `taskDone`/`join`.
 * As Python warns for its process queues, `qsize()`, `empty()` and `full()` are approximate,
 * and an item just put by this thread may take an instant to be visible to a `…Sync` or
 * `…Nowait` call (those go through another connection, see `wire/sync.ts`).
 *
 * Holders: each queue object is one copy, counted like a pipe end (see `connection.ts`); a
 * queue whose every copy is closed (or whose holders all exited) is deleted.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ValueError } from '../core/errors.js';
import { encodeValue, type HandleTable } from '../core/serialize.js';
import {
  type Destination,
  kShare,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import { parseQueueWait } from '../queue/queue.js';
import { answerValue, answerValueSync } from './connection.js';
import { checkServerRef, clientFor, ownerToken, type ServerRef } from './wire/client.js';
import { localHost } from './wire/local-host.js';
import type { KindSpec, Outgoing } from './wire/protocol.js';
import { requestSync } from './wire/sync.js';

const TAG = 'skein.ProcessQueue';

/** Options of `put`/`get`: Python's `block` and `timeout`, and an AbortSignal. */
export interface QueueWaitOptions extends WaitOptions {
  /** `false`: do not wait (Python's `block=False`). */
  block?: boolean | undefined;
  /** Synonym of `block`, as the thread queue and skein's locks spell it. */
  blocking?: boolean | undefined;
}

type QueueFlavour = 'queue' | 'joinable' | 'simple';

interface QueueData {
  ref: ServerRef;
  id: string;
  maxsize: number;
  flavour: QueueFlavour;
  collectable: boolean;
  ticket: string | undefined;
}

/** Set just around `new` when a face is rebuilt from a descriptor (constructors stay public-shaped). */
let pendingData: QueueData | undefined;

/**
 * Reads a wait argument by the thread queue's rules ({@link parseQueueWait}): `block: false`
 * ignores any timeout, as Python does; unknown keys are a TypeError.
 */
function waitOf(
  arg: number | QueueWaitOptions | undefined,
  what: string,
): { w: number; signal: AbortSignal | undefined } {
  const { timeout, signal } = parseQueueWait(arg, what);
  return { w: timeout === Number.POSITIVE_INFINITY ? -1 : timeout, signal };
}

/** Shared machinery of the three queue faces. Not exported from skein's entries. */
abstract class QueueBase<T> {
  readonly #ref: ServerRef;
  readonly #id: string;
  readonly #maxsize: number;
  readonly #flavour: QueueFlavour;
  readonly #collectable: boolean;
  #closed = false;
  readonly #ticket: () => string;

  /** @internal */
  constructor(maxsize: number) {
    const internal = pendingData;
    pendingData = undefined;
    const flavour: QueueFlavour =
      new.target === SimpleQueue ? 'simple' : new.target === JoinableQueue ? 'joinable' : 'queue';
    if (internal) {
      this.#ref = internal.ref;
      this.#id = internal.id;
      this.#maxsize = internal.maxsize;
      this.#flavour = internal.flavour;
      this.#collectable = internal.collectable;
    } else {
      if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) {
        throw new TypeError('maxsize must be an integer (0 or less: unbounded)');
      }
      this.#ref = localHost();
      this.#id = randomUUID();
      this.#maxsize = Math.max(0, maxsize);
      this.#flavour = flavour;
      this.#collectable = true;
    }
    const client = clientFor(this.#ref);
    if (this.#collectable) {
      if (internal?.ticket)
        client.post({ o: 'claim', t: this.#id, e: 0, x: internal.ticket, k: this.#kind() });
      else {
        // The creator's copy first, then its confirmation ("Creation races" in wire/server.ts).
        client.post({ o: 'hold', t: this.#id, e: 0, d: 1, k: this.#kind() });
        client.post({ o: 'ensure', t: this.#id, k: this.#kind(), c: 1 });
      }
    }
    // One ticket per message that carries this queue (core/serialize.ts asks once per message).
    this.#ticket = () => {
      const x = randomUUID();
      clientFor(this.#ref).post({ o: 'ticket', t: this.#id, e: 0, x, k: this.#kind() });
      return x;
    };
  }

  #kind(): KindSpec {
    return ['queue', this.#maxsize, this.#collectable];
  }

  /** The bound given at construction (0: unbounded). */
  get maxsize(): number {
    return this.#maxsize;
  }

  #open(): void {
    if (this.#closed) throw new ValueError('the queue is closed (close() was called on this copy)');
  }

  #msg(m: string, a: unknown[] = [], s?: HandleTable, w?: number): Outgoing {
    return { o: 'call', t: this.#id, m, a, s, w, k: this.#kind(), u: ownerToken };
  }

  #sync(m: string, a: unknown[] = [], s?: HandleTable, w?: number) {
    return requestSync(this.#ref, this.#msg(m, a, s, w));
  }

  #async(m: string, a: unknown[] = [], s?: HandleTable, w?: number, signal?: AbortSignal, undo?: boolean) {
    const client = clientFor(this.#ref);
    return client.request(this.#msg(m, a, s, w), {
      signal,
      undo: undo
        ? (ans) => {
            // An item fetched for a getter who gave up goes back to the front.
            if (!client.dead) client.post(this.#msg('unget', [ans.v], ans.s));
          }
        : undefined,
    });
  }

  protected putAsync(item: T, arg: number | QueueWaitOptions | undefined): Promise<void> {
    try {
      this.#open();
      const { w, signal } = waitOf(arg, 'put()');
      const enc = encodeValue(item, 'process', 'item');
      if (this.#maxsize === 0 && !signal) {
        clientFor(this.#ref).post(this.#msg('put', [enc.value], enc.shared));
        return Promise.resolve();
      }
      return this.#async('put', [enc.value], enc.shared, w, signal).then(() => {});
    } catch (err) {
      return Promise.reject(err);
    }
  }

  protected putNow(item: T): void {
    this.#open();
    const enc = encodeValue(item, 'process', 'item');
    if (this.#maxsize === 0) clientFor(this.#ref).post(this.#msg('put', [enc.value], enc.shared));
    else this.#sync('put', [enc.value], enc.shared, 0);
  }

  protected putBlocking(item: T, arg: number | QueueWaitOptions | undefined): void {
    this.#open();
    const { w } = waitOf(arg, 'putSync()');
    const enc = encodeValue(item, 'process', 'item');
    if (this.#maxsize === 0) clientFor(this.#ref).post(this.#msg('put', [enc.value], enc.shared));
    else this.#sync('put', [enc.value], enc.shared, w);
  }

  protected async getAsync(arg: number | QueueWaitOptions | undefined): Promise<T> {
    const { w, signal } = waitOf(arg, 'get()');
    return answerValue<T>(await this.#async('get', [], undefined, w, signal, true));
  }

  protected getBlocking(arg: number | QueueWaitOptions | undefined): T {
    const { w } = waitOf(arg, 'getSync()');
    return answerValueSync<T>(this.#sync('get', [], undefined, w));
  }

  protected call(m: string): unknown {
    return this.#sync(m).v;
  }

  protected async callAsync(m: string, arg?: number | WaitOptions): Promise<unknown> {
    const { timeout, signal } = parseWait(arg, `${m}()`, WAIT_KEYS);
    const w = timeout === Number.POSITIVE_INFINITY ? -1 : timeout;
    return (await this.#async(m, [], undefined, w, signal)).v;
  }

  /**
   * Closes this copy (Python's `close`): this holder will put no more items (`put` then
   * throws `ValueError`); items already put stay available to other holders. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const c = clientFor(this.#ref);
    if (this.#collectable && !c.dead) c.post({ o: 'hold', t: this.#id, e: 0, d: -1 });
  }

  /** @internal */
  [kShare](_destination: Destination): SharedDescriptor {
    const data: QueueData = {
      ref: this.#ref,
      id: this.#id,
      maxsize: this.#maxsize,
      flavour: this.#flavour,
      collectable: this.#collectable,
      ticket: this.#collectable ? this.#ticket() : undefined,
    };
    return { tag: TAG, data };
  }
}

/**
 * A FIFO queue shared by processes (Python's `multiprocessing.Queue(maxsize)`): any number of
 * producers and consumers in any threads or processes it is passed to. Items are any
 * V8-serializable values (and skein shared objects: pipes, queues, manager proxies).
 *
 * @example
 * const q = new Queue<number>();
 * const p = new Process({ target: async (q) => { await q.put(42); }, args: [q] });
 * p.start();
 * console.log(await q.get()); // 42
 */
export class Queue<T = unknown> extends QueueBase<T> {
  /** @param maxsize the bound (0 or less: unbounded); `put` waits while the queue is full. */
  constructor(maxsize = 0) {
    super(maxsize);
  }

  /**
   * Puts `item` (Python's `put`): waits while a bounded queue is full, up to `timeout` ms.
   * @throws Full when `block: false` or the timeout passes and the queue is still full.
   * @throws TypeError naming the path of a value that cannot be sent (nothing is put).
   * @throws ValueError after `close()`.
   */
  put(item: T, options?: number | QueueWaitOptions): Promise<void> {
    return this.putAsync(item, options);
  }

  /** Puts without waiting (Python's `put_nowait`). @throws Full when full. */
  putNowait(item: T): void {
    this.putNow(item);
  }

  /** {@link put} that blocks the calling thread. */
  putSync(item: T, options?: number | Omit<QueueWaitOptions, 'signal'>): void {
    this.putBlocking(item, options);
  }

  /**
   * Removes and returns the oldest item (Python's `get`), waiting up to `timeout` ms.
   * An aborted `signal` rejects with its reason and loses no item.
   * @throws Empty when `block: false` or the timeout passes with the queue still empty.
   */
  get(options?: number | QueueWaitOptions): Promise<T> {
    return this.getAsync(options);
  }

  /** Gets without waiting (Python's `get_nowait`). @throws Empty when empty. */
  getNowait(): T {
    return this.getBlocking({ block: false });
  }

  /** {@link get} that blocks the calling thread. */
  getSync(options?: number | Omit<QueueWaitOptions, 'signal'>): T {
    return this.getBlocking(options);
  }

  /** Approximate number of items (Python's `qsize`). */
  qsize(): number {
    return this.call('qsize') as number;
  }

  /** Approximately: is the queue empty? (Python's `empty`). */
  empty(): boolean {
    return this.call('empty') as boolean;
  }

  /** Approximately: is the queue full? (Python's `full`). */
  full(): boolean {
    return this.call('full') as boolean;
  }
}

/**
 * A {@link Queue} that also counts unfinished tasks (Python's `multiprocessing.JoinableQueue`):
 * each `put` adds one, each `taskDone` removes one, and `join` waits for zero.
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  constructor(maxsize = 0) {
    super(maxsize);
  }

  /**
   * Marks one item as processed (Python's `task_done`).
   * @throws ValueError when called more times than items were put.
   */
  taskDone(): void {
    this.call('taskDone');
  }

  /** Waits until every item put has been marked done (Python's `join`). */
  async join(options?: WaitOptions): Promise<void> {
    await this.callAsync('join', options);
  }

  /** {@link join} that blocks the calling thread. */
  joinSync(): void {
    this.call('join');
  }
}

/**
 * An unbounded FIFO queue shared by processes with the smallest interface (Python's
 * `multiprocessing.SimpleQueue`): `put` (never waits), `get`, `empty`, `close`.
 */
export class SimpleQueue<T = unknown> extends QueueBase<T> {
  constructor() {
    super(0);
  }

  /** Puts `item` (never waits). @throws TypeError naming the path of a value that cannot be sent. */
  put(item: T): void {
    this.putNow(item);
  }

  /** Removes and returns the oldest item, waiting for one. */
  get(options?: WaitOptions): Promise<T> {
    return this.getAsync(options);
  }

  /** {@link get} that blocks the calling thread. */
  getSync(): T {
    return this.getBlocking(undefined);
  }

  /** Is the queue empty? (approximate, as in Python). */
  empty(): boolean {
    return this.call('empty') as boolean;
  }
}

/** @internal Builds a queue face for a descriptor. */
export function queueFromData(data: QueueData): QueueBase<unknown> {
  const Face = data.flavour === 'simple' ? SimpleQueue : data.flavour === 'joinable' ? JoinableQueue : Queue;
  pendingData = data;
  try {
    return new Face(data.maxsize);
  } finally {
    pendingData = undefined;
  }
}

/** @internal For the manager: a queue face on a manager-held queue. */
export function managerQueue<T>(ref: ServerRef, id: string, maxsize: number, joinable: boolean): Queue<T> {
  return queueFromData({
    ref,
    id,
    maxsize,
    flavour: joinable ? 'joinable' : 'queue',
    collectable: false,
    ticket: undefined,
  }) as Queue<T>;
}

export type { QueueData };

registerSharedType(TAG, (data) => {
  // From another process, perhaps: checked before use.
  const d = data as Partial<QueueData> | null;
  if (
    typeof d?.id !== 'string' ||
    typeof d.maxsize !== 'number' ||
    (d.flavour !== 'queue' && d.flavour !== 'joinable' && d.flavour !== 'simple') ||
    typeof d.collectable !== 'boolean' ||
    (d.ticket !== undefined && typeof d.ticket !== 'string')
  )
    throw new TypeError('skein: received a malformed process Queue');
  checkServerRef(d.ref, 'process Queue');
  return queueFromData(d as QueueData);
});
