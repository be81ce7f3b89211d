/**
 * Server side of a process `Queue` / `JoinableQueue` / `SimpleQueue` (and `manager.Queue()`).
 * CPython's `queue.Queue` logic, with the three conditions (`not_empty`, `not_full`,
 * `all_tasks_done`) as three waiter lists; the server's single event loop is the mutex.
 * A put that finds a waiting getter hands the item over directly.
 *
 * @module
 */
import { Empty, Full, ValueError } from '../../core/errors.js';
import { type CallCtx, type Hosted, Out, type Stored } from '../wire/server.js';

export class HostedQueue implements Hosted {
  readonly collectable: boolean;
  readonly items: Stored[] = [];
  getters: CallCtx[] = [];
  putters: { ctx: CallCtx; item: Stored }[] = [];
  joiners: CallCtx[] = [];
  unfinished = 0;
  holders = 0;
  constructor(
    readonly maxsize = 0,
    collectable = true,
  ) {
    this.collectable = collectable;
  }

  hold(_end: number, delta: number): void {
    this.holders += delta;
  }
  held(): number {
    return this.holders;
  }

  #full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  #deliver(item: Stored): void {
    this.unfinished++;
    for (;;) {
      const g = this.getters.shift();
      if (!g) break;
      if (g.done) continue;
      g.reply(new Out(item.v, item.s));
      return;
    }
    this.items.push(item);
  }

  #admit(): void {
    while (!this.#full() && this.putters.length > 0) {
      const p = this.putters.shift()!;
      if (p.ctx.done) continue;
      this.#deliver(p.item);
      p.ctx.reply(undefined);
    }
  }

  #take(): Stored {
    const item = this.items.shift()!;
    this.#admit();
    return item;
  }

  readonly calls = {
    put: (ctx: CallCtx, item: unknown) => {
      const stored = { v: item, s: ctx.tags };
      this.putters = this.putters.filter((p) => !p.ctx.done);
      if (!this.#full() && this.putters.length === 0) {
        this.#deliver(stored);
        return undefined;
      }
      if (ctx.timeout === 0) throw new Full('the queue is full');
      this.putters.push({ ctx, item: stored });
      return ctx.park(() => ctx.fail(new Full(`put() timed out after ${ctx.timeout} ms: the queue is full`)));
    },
    get: (ctx: CallCtx) => {
      if (this.items.length > 0) {
        const item = this.#take();
        return new Out(item.v, item.s);
      }
      if (ctx.timeout === 0) throw new Empty('the queue is empty');
      this.getters.push(ctx);
      return ctx.park(() =>
        ctx.fail(new Empty(`get() timed out after ${ctx.timeout} ms: the queue is empty`)),
      );
    },
    /** Puts back an item whose getter gave up after it was sent (undo of an aborted get). */
    unget: (ctx: CallCtx, item: unknown) => {
      // Still counted as unfinished (counted at its put; no taskDone came for it).
      const stored = { v: item, s: ctx.tags };
      for (;;) {
        const g = this.getters.shift();
        if (!g) break;
        if (g.done) continue;
        g.reply(new Out(stored.v, stored.s));
        return undefined;
      }
      this.items.unshift(stored);
      return undefined;
    },
    qsize: () => this.items.length,
    empty: () => this.items.length === 0,
    full: () => this.#full(),
    taskDone: () => {
      if (this.unfinished <= 0)
        throw new ValueError('taskDone() called more times than there were items put');
      this.unfinished--;
      if (this.unfinished === 0) {
        for (const j of this.joiners) j.reply(undefined);
        this.joiners = [];
      }
      return undefined;
    },
    join: (ctx: CallCtx) => {
      if (this.unfinished === 0) return true;
      this.joiners.push(ctx);
      return ctx.park(() => ctx.reply(false));
    },
  };
}
