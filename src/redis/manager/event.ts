/**
 * `RedisEvent`: Python's `threading.Event` found by name on Redis.
 *
 * On the server: `<ns>:event:<name>` is the flag (present when set) and `…:r` the set of
 * waiting waiter ids. `wait` checks the flag and enlists in one script; `set` raises the flag
 * and pushes a token onto every enlisted waiter's own list in one script, so no waiter can
 * miss a `set` that follows its check.
 *
 * @module
 */
import type { WaitOptions } from '../../core/wait-options.js';
import {
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
  return [k, `${k}:r`];
}

defineOps(['event'], {
  set: async (ctx, spec) => num(await ctx.store.run('eventSet', keys(ctx, spec), [ctx.ns])),
  clear: async (ctx, spec) => {
    await ctx.store.client.del(keyOf(ctx.ns, spec));
  },
  isSet: async (ctx, spec) => (await ctx.store.client.exists(keyOf(ctx.ns, spec))) === 1,
  /** [wait] → the flag */
  wait: async (ctx, spec, [w], signal) => {
    signal?.throwIfAborted();
    const dl = deadline(w as Wait);
    const wid = newWaiter();
    if (num(await ctx.store.run('eventWait', keys(ctx, spec), [wid])) === 1) return true;
    const cancel = async () => num(await ctx.store.run('eventCancel', keys(ctx, spec), [wid])) === 1;
    const ms = left(dl);
    if (ms === 0) return cancel();
    let tok: Buffer | null;
    try {
      tok = await ctx.store.block(waiterKey(ctx.ns, wid), ms, signal);
    } catch (err) {
      await cancel().catch(() => {});
      throw err;
    }
    return tok !== null || cancel();
  },
});

/**
 * An event found by name on Redis (Python's `threading.Event`): `set` wakes every waiter.
 * Get one with `manager.Event(name)`.
 */
export class RedisEvent extends RedisObject {
  /** Sets the flag and wakes every waiter (Python's `set`). */
  async set(): Promise<void> {
    await this.op('set');
  }

  /** Blocking twin of {@link set}. */
  setSync(): void {
    this.opSync('set');
  }

  /** Clears the flag (Python's `clear`). */
  async clear(): Promise<void> {
    await this.op('clear');
  }

  /** Blocking twin of {@link clear}. */
  clearSync(): void {
    this.opSync('clear');
  }

  /** Is the flag set? (Python's `is_set`). */
  async isSet(): Promise<boolean> {
    return this.op('isSet') as Promise<boolean>;
  }

  /** Blocking twin of {@link isSet}. */
  isSetSync(): boolean {
    return this.opSync('isSet') as boolean;
  }

  /**
   * Waits until the flag is set, up to `timeout` ms (Python's `wait`).
   * @returns the flag: false when the time passed first.
   * @throws the signal's reason when aborted.
   */
  async wait(options?: number | WaitOptions): Promise<boolean> {
    const { wait, signal } = readWait(options, false, 'wait');
    return this.op('wait', [wait], signal) as Promise<boolean>;
  }

  /** Blocking twin of {@link wait}. */
  waitSync(options?: number | WaitOptions): boolean {
    const { wait } = readWait(options, true, 'wait');
    return this.opSync('wait', [wait]) as boolean;
  }
}
