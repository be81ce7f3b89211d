/**
 * Server side of a `Pipe`: two ends, 0 and 1. In a duplex pipe each end reads what the other
 * sends (`buffers[e]` holds what end `e` will read); in a one-way pipe end 0 reads and end 1
 * writes. `holders[e]` counts the copies of end `e` still open anywhere (connections plus
 * tickets in transit). A read on end `e` fails with EOFError once `buffers[e]` is empty and
 * `holders[1 - e]` is zero — no copy of the other end is left that could ever write.
 *
 * @module
 */
import { EOFError, ValueError } from '../../core/errors.js';
import { type CallCtx, type Hosted, Out, PARKED, type Stored } from '../wire/server.js';

interface Waiter {
  ctx: CallCtx;
  kind: 'recv' | 'poll';
  /** A batched receive (`recvMany`): up to this many messages, answered as an array. */
  max?: number;
}

export class HostedPipe implements Hosted {
  readonly collectable = true;
  readonly buffers: [Stored[], Stored[]] = [[], []];
  readonly holders: [number, number] = [0, 0];
  readonly waiters: [Waiter[], Waiter[]] = [[], []];
  confirmed?: boolean;
  constructor(readonly duplex: boolean) {}

  onConfirm(): void {
    this.pump(0);
    this.pump(1);
  }

  hold(end: number, delta: number): void {
    if (end !== 0 && end !== 1) return;
    this.holders[end] += delta;
    if (this.holders[end] <= 0) this.pump(1 - end);
  }

  held(): number {
    return this.holders[0] + this.holders[1];
  }

  /** Answers the waiters of end `end` that can be answered now. */
  pump(end: number): void {
    const e = end as 0 | 1;
    const buf = this.buffers[e];
    const eof = this.#eof(e);
    const keep: Waiter[] = [];
    for (const w of this.waiters[e]) {
      if (w.ctx.done) continue;
      if (w.kind === 'poll') {
        if (buf.length > 0 || eof) w.ctx.reply(true);
        else keep.push(w);
      } else if (buf.length > 0) {
        if (w.max === undefined) {
          const item = buf.shift()!;
          w.ctx.reply(new Out(item.v, item.s));
        } else {
          const items = buf.splice(0, w.max);
          w.ctx.reply(
            Out.of(
              items,
              items.map((x) => x.v),
            ),
          );
        }
      } else if (eof) w.ctx.fail(new EOFError('the other end of the pipe is closed'));
      else keep.push(w);
    }
    this.waiters[e] = keep;
  }

  /** No copy of the other end is left (only meaningful once the creator's registration came). */
  #eof(e: 0 | 1): boolean {
    return this.confirmed !== false && this.holders[(1 - e) as 0 | 1] <= 0;
  }

  #reader(end: unknown): 0 | 1 {
    if (end !== 0 && end !== 1) throw new ValueError('bad pipe end');
    if (!this.duplex && end !== 0) throw new ValueError('this end of a one-way pipe is write-only');
    return end;
  }

  readonly calls = {
    send: (ctx: CallCtx, end: number, value: unknown) => {
      if (end !== 0 && end !== 1) throw new ValueError('bad pipe end');
      if (!this.duplex && end !== 1) throw new ValueError('this end of a one-way pipe is read-only');
      const to = (1 - end) as 0 | 1;
      // Nobody can ever read it: dropped, as bytes written to a pipe nobody reads are.
      if (this.confirmed !== false && this.holders[to] <= 0) return undefined;
      this.buffers[to].push({ v: value, s: ctx.tags });
      this.pump(to);
      return undefined;
    },
    recv: (ctx: CallCtx, end: number) => {
      const e = this.#reader(end);
      this.waiters[e].push({ ctx, kind: 'recv' });
      this.pump(e);
      if (ctx.done) return PARKED;
      return ctx.park(() => {}); // recv has no timeout
    },
    /**
     * Up to `max` messages at once (at least one: waits for it), for a reader that buffers
     * them locally — one round trip for a burst of small messages.
     */
    recvMany: (ctx: CallCtx, end: number, max: unknown) => {
      const e = this.#reader(end);
      const n = typeof max === 'number' && max >= 1 ? Math.floor(max) : 1;
      this.waiters[e].push({ ctx, kind: 'recv', max: n });
      this.pump(e);
      if (ctx.done) return PARKED;
      return ctx.park(() => {});
    },
    /** Puts back messages a reader fetched but did not consume (it closed), oldest first. */
    unrecv: (ctx: CallCtx, end: number, values: unknown) => {
      const e = this.#reader(end);
      if (!Array.isArray(values)) throw new TypeError('unrecv takes an array');
      this.buffers[e].unshift(...values.map((v) => ({ v, s: ctx.tags })));
      this.pump(e);
      return undefined;
    },
    poll: (ctx: CallCtx, end: number) => {
      const e = this.#reader(end);
      const buf = this.buffers[e];
      if (buf.length > 0 || this.#eof(e)) return true;
      if (ctx.timeout === 0) return false;
      this.waiters[e].push({ ctx, kind: 'poll' });
      return ctx.park(() => ctx.reply(false));
    },
  };
}
