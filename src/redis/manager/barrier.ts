/**
 * `RedisBarrier`: Python's `threading.Barrier(parties)` found by name on Redis.
 *
 * On the server: `<ns>:barrier:<name>` is a hash `{ parties, gen, count, broken }` and `…:a`
 * lists the waiting parties of the current generation (`"<waiter id>|<client>"`). Arriving is
 * one script: the last party pushes `ok` onto every waiter's own list and opens the next
 * generation; the others enlist and block. A wait that times out breaks the barrier (as in
 * Python): every waiter gets `broken` and throws `BrokenBarrierError`, as does every `wait`
 * until `reset()`.
 *
 * **A party that dies breaks it.** A waiting party cannot know another died, so each waits
 * at most one client lease at a time; when that passes without a token it checks, in one
 * script, whether every waiting party's client is still alive, and breaks the barrier if not.
 * This is the only periodic wake-up in RedisManager, and it happens once per client lease, only
 * while a barrier wait lasts that long.
 *
 * @module
 */
import { BrokenBarrierError } from '../../core/errors.js';
import type { WaitOptions } from '../../core/wait-options.js';
import {
  arr,
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
import { RedisObject } from './object.js';

function keys(ctx: Ctx, spec: Spec): string[] {
  const k = keyOf(ctx.ns, spec);
  return [k, `${k}:a`];
}

function broken(name: string): BrokenBarrierError {
  return new BrokenBarrierError(`barrier "${name}" is broken`);
}

defineOps(['barrier'], {
  /** [wait] → arrival index; throws BrokenBarrierError */
  wait: async (ctx, spec, [w], signal) => {
    signal?.throwIfAborted();
    const ks = keys(ctx, spec);
    const dl = deadline(w as Wait);
    const wid = newWaiter();
    const entry = `${wid}|${ctx.client}`;
    const r = arr(await ctx.store.run('barrierWait', ks, [spec.parties!, wid, ctx.client, ctx.ns]));
    if (num(r[0]) === -1) throw broken(spec.name);
    const idx = num(r[1]);
    if (num(r[0]) === 1) return idx;
    const gen = num(r[2]);
    const wk = waiterKey(ctx.ns, wid);
    const outcome = (tok: Buffer | null): number => {
      if (tok !== null && tok.toString() === 'broken') throw broken(spec.name);
      return idx;
    };
    for (;;) {
      const ms = left(dl);
      let tok: Buffer | null;
      try {
        tok = ms === 0 ? null : await ctx.store.block(wk, Math.min(ms, ctx.clientLease), signal);
      } catch (err) {
        // An abandoned wait breaks the barrier, as a timeout does: the others would wait forever.
        if (signal?.aborted)
          await ctx.store.run('barrierBreak', ks, [gen, ctx.ns, 'break', entry]).catch(() => {});
        throw err;
      }
      if (tok !== null) return outcome(tok);
      const mode = left(dl) === 0 ? 'break' : 'check';
      const b = num(await ctx.store.run('barrierBreak', ks, [gen, ctx.ns, mode, entry]));
      if (b === 1) return outcome(await ctx.store.client.lpopBuffer(wk));
      if (b === 0) throw broken(spec.name);
    }
  },
  abort: async (ctx, spec) => {
    await ctx.store.run('barrierAbort', keys(ctx, spec), [ctx.ns, 'abort']);
  },
  reset: async (ctx, spec) => {
    await ctx.store.run('barrierAbort', keys(ctx, spec), [ctx.ns, 'reset']);
  },
  broken: async (ctx, spec) => (await ctx.store.client.hget(keyOf(ctx.ns, spec), 'broken')) === '1',
  nWaiting: async (ctx, spec) => {
    const [count, isBroken] = await ctx.store.client.hmget(keyOf(ctx.ns, spec), 'count', 'broken');
    return isBroken === '1' ? 0 : Number(count ?? 0);
  },
  parties: async (ctx, spec) => {
    const p = await ctx.store.client.hget(keyOf(ctx.ns, spec), 'parties');
    return p === null ? spec.parties! : Number(p);
  },
});

/**
 * A barrier found by name on Redis (Python's `threading.Barrier(parties, timeout=…)`). Get one
 * with `manager.Barrier(name, parties, { timeout })`. The first client to use a name fixes its
 * number of parties. Python's `action` is not supported (no code travels through Redis).
 */
export class RedisBarrier extends RedisObject {
  #timeout(options: number | WaitOptions | undefined): number | WaitOptions | undefined {
    const dflt = this.spec.timeout;
    if (dflt === undefined) return options;
    if (options === undefined) return dflt;
    if (typeof options === 'object' && options.timeout === undefined) return { ...options, timeout: dflt };
    return options;
  }

  /**
   * Waits until all parties have called `wait` (Python's `wait`), up to `timeout` ms (the
   * barrier's default timeout when given).
   * @returns this party's arrival index, `0` … `parties − 1`.
   * @throws BrokenBarrierError when the barrier is or becomes broken (a timeout, an abort, a
   *   reset, a party that died); the signal's reason when aborted (which breaks it too).
   */
  async wait(options?: number | WaitOptions): Promise<number> {
    const { wait, signal } = readWait(this.#timeout(options), false, 'wait');
    return this.op('wait', [wait], signal) as Promise<number>;
  }

  /** Blocking twin of {@link wait}. */
  waitSync(options?: number | WaitOptions): number {
    const { wait } = readWait(this.#timeout(options), true, 'wait');
    return this.opSync('wait', [wait]) as number;
  }

  /** Breaks the barrier: current and future waits throw BrokenBarrierError (Python's `abort`). */
  async abort(): Promise<void> {
    await this.op('abort');
  }

  /** Blocking twin of {@link abort}. */
  abortSync(): void {
    this.opSync('abort');
  }

  /** Returns it to its initial state; current waiters get BrokenBarrierError (Python's `reset`). */
  async reset(): Promise<void> {
    await this.op('reset');
  }

  /** Blocking twin of {@link reset}. */
  resetSync(): void {
    this.opSync('reset');
  }

  /** Is it broken? */
  async broken(): Promise<boolean> {
    return this.op('broken') as Promise<boolean>;
  }

  /** Blocking twin of {@link broken}. */
  brokenSync(): boolean {
    return this.opSync('broken') as boolean;
  }

  /** How many parties wait now (Python's `n_waiting`). */
  async nWaiting(): Promise<number> {
    return this.op('nWaiting') as Promise<number>;
  }

  /** Blocking twin of {@link nWaiting}. */
  nWaitingSync(): number {
    return this.opSync('nWaiting') as number;
  }

  /** The number of parties (Python's `parties`). */
  async parties(): Promise<number> {
    return this.op('parties') as Promise<number>;
  }

  /** Blocking twin of {@link parties}. */
  partiesSync(): number {
    return this.opSync('parties') as number;
  }
}
