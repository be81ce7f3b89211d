/**
 * `RedisQueue`: a FIFO queue found by name on Redis, with the Manager queue's interface
 * (Python's `multiprocessing.JoinableQueue` through a manager): `put`, `get`, their
 * `…Nowait` and `…Sync` forms, `qsize`, `empty`, `full`, `taskDone`, `join`.
 *
 * ## On the server (`<ns>:queue:<name>` …)
 *
 * The list of items; `…:u` the unfinished count (`put` adds one, `taskDone` removes one);
 * `…:gw` / `…:pw` the wake lists of waiting getters / putters; `…:c` the consumers; `…:j` the
 * `join` waiters; and per consumer client `…:p:<client>`, its *processing list*.
 *
 * ## Delivery: at least once
 *
 * `get` moves the head item onto the caller's processing list in the same step that takes it;
 * `taskDone` is the acknowledgement that drops the oldest item the caller got. When a consumer's
 * client dies (its liveness lease ends), the next `get` anywhere returns that client's
 * unacknowledged items to the head of the queue, oldest first, and they are delivered again.
 * So an item is never lost to a crash, and may be delivered twice: once to the consumer that
 * died while working on it, once to the next. A client that closes cleanly (`close()`) has
 * consumed what it got. Call `taskDone` for every item you get: it is what lets `join` return,
 * and it keeps the processing list short.
 *
 * Waiting getters block on Redis and wake on a `put`; they also re-check once per client lease
 * while they wait, because a dead consumer's items come back without anyone putting.
 *
 * @module
 */
import { Empty, Full, TimeoutError, ValueError } from '../../core/errors.js';
import type { BlockingWaitOptions, WaitOptions } from '../../core/wait-options.js';
import type { QueueWaitOptions } from '../../multiprocessing/process-queue.js';
import {
  blockOn,
  type Ctx,
  deadline,
  defineOps,
  keyOf,
  left,
  newWaiter,
  num,
  readWait,
  type Spec,
  type Wait,
  waiterKey,
} from './base.js';
import { decode, encode } from './codec.js';
import { RedisObject } from './object.js';
import type { Reply } from './store.js';

function keys(ctx: Ctx, spec: Spec): string[] {
  const k = keyOf(ctx.ns, spec);
  return [k, `${k}:u`, `${k}:gw`, `${k}:pw`, `${k}:c`, `${k}:j`];
}

defineOps(['queue'], {
  /** [bytes, wait] → true; throws Full */
  put: async (ctx, spec, [item, w], signal) => {
    signal?.throwIfAborted();
    const ks = keys(ctx, spec);
    const dl = deadline(w as Wait);
    const bytes = Buffer.from(item as Uint8Array);
    for (;;) {
      if (num(await ctx.store.run('queuePut', ks, [bytes, spec.maxsize!])) === 1) return true;
      const ms = left(dl);
      if (ms === 0) throw new Full(`queue "${spec.name}" is full`);
      await blockOn(ctx, ks[3]!, ms, signal);
    }
  },
  /** [wait] → bytes; throws Empty */
  get: async (ctx, spec, [w], signal) => {
    signal?.throwIfAborted();
    const ks = keys(ctx, spec);
    const dl = deadline(w as Wait);
    for (;;) {
      const v = (await ctx.store.run('queueGet', ks, [ctx.client, spec.maxsize!, ctx.ns])) as Reply;
      if (Buffer.isBuffer(v)) return v;
      const ms = left(dl);
      if (ms === 0) throw new Empty(`queue "${spec.name}" is empty`);
      await blockOn(ctx, ks[2]!, Math.min(ms, ctx.clientLease), signal);
    }
  },
  /** [] → unfinished left; throws ValueError */
  taskDone: async (ctx, spec) => {
    const u = num(await ctx.store.run('queueDone', keys(ctx, spec), [ctx.client, ctx.ns]));
    if (u < 0) throw new ValueError(`taskDone() called too many times on queue "${spec.name}"`);
    return u;
  },
  /** [wait] → true; throws TimeoutError */
  join: async (ctx, spec, [w], signal) => {
    signal?.throwIfAborted();
    const ks = keys(ctx, spec);
    const dl = deadline(w as Wait);
    const wid = newWaiter();
    if (num(await ctx.store.run('queueJoin', ks, [wid])) === 1) return true;
    const cancel = async () => num(await ctx.store.run('queueJoinCancel', ks, [wid])) === 1;
    const ms = left(dl);
    let tok: Buffer | null = null;
    try {
      if (ms > 0) tok = await ctx.store.block(waiterKey(ctx.ns, wid), ms, signal);
    } catch (err) {
      await cancel().catch(() => {});
      throw err;
    }
    if (tok !== null || (await cancel())) return true;
    throw new TimeoutError(`join(): queue "${spec.name}" still has unfinished tasks`);
  },
  qsize: (ctx, spec) => ctx.store.client.llen(keyOf(ctx.ns, spec)),
  forget: async (ctx, spec) => {
    await ctx.store.run('queueForget', keys(ctx, spec), [ctx.client]);
  },
});

function waitOf(arg: number | QueueWaitOptions | undefined): number | BlockingWaitOptions | undefined {
  if (typeof arg === 'object' && arg !== null) {
    const { block, ...rest } = arg;
    return { ...rest, blocking: block };
  }
  return arg;
}

/**
 * A FIFO queue found by name on Redis, delivering each item at least once (see the module
 * overview). Get one with `manager.Queue(name, { maxsize })`; every handle on one name should
 * pass the same `maxsize` (0: unbounded). Items are plain data (principle 10).
 */
export class RedisQueue<T = unknown> extends RedisObject {
  /** The bound (0: none). */
  get maxsize(): number {
    return this.spec.maxsize!;
  }

  /**
   * Puts `item` at the tail, waiting up to `timeout` ms while a bounded queue is full.
   * @throws Full when `block: false` or the timeout passes with the queue still full.
   * @throws TypeError naming the path of a part of `item` that is not data (nothing is put).
   */
  async put(item: T, options?: number | QueueWaitOptions): Promise<void> {
    const { wait, signal } = readWait(waitOf(options), false, 'put');
    const bytes = encode(item, 'item');
    await this.op('put', [bytes, wait], signal);
  }

  /** Puts without waiting (Python's `put_nowait`). @throws Full when full. */
  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /** Blocking twin of {@link put}. */
  putSync(item: T, options?: number | Omit<QueueWaitOptions, 'signal'>): void {
    const { wait } = readWait(waitOf(options), true, 'put');
    this.opSync('put', [encode(item, 'item'), wait]);
  }

  /**
   * Removes and returns the head item, waiting up to `timeout` ms while the queue is empty.
   * An aborted `signal` rejects with its reason and takes no item.
   * @throws Empty when `block: false` or the timeout passes with the queue still empty.
   */
  async get(options?: number | QueueWaitOptions): Promise<T> {
    const { wait, signal } = readWait(waitOf(options), false, 'get');
    return decode<T>((await this.op('get', [wait], signal)) as Uint8Array);
  }

  /** Gets without waiting (Python's `get_nowait`). @throws Empty when empty. */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /** Blocking twin of {@link get}. */
  getSync(options?: number | Omit<QueueWaitOptions, 'signal'>): T {
    const { wait } = readWait(waitOf(options), true, 'get');
    return decode<T>(this.opSync('get', [wait]) as Uint8Array);
  }

  /** Number of items waiting (Python's `qsize`; others may change it at any moment). */
  qsize(): number {
    return this.opSync('qsize') as number;
  }

  /** Is it empty now? (Python's `empty`, as approximate as there). */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** Is it full now? (Python's `full`). */
  full(): boolean {
    return this.maxsize > 0 && this.qsize() >= this.maxsize;
  }

  /**
   * Acknowledges the oldest item this client got (Python's `task_done`).
   * @throws ValueError when called more times than items were put.
   */
  taskDone(): void {
    this.opSync('taskDone');
  }

  /** Waits until every item put has been acknowledged with `taskDone` (Python's `join`). @throws TimeoutError */
  async join(options?: WaitOptions): Promise<void> {
    const { wait, signal } = readWait(options, false, 'join');
    await this.op('join', [wait], signal);
  }

  /** Blocking twin of {@link join}. */
  joinSync(options?: WaitOptions): void {
    const { wait } = readWait(options, true, 'join');
    this.opSync('join', [wait]);
  }
}
