/**
 * Server side of the manager's synchronization objects: `Lock`, `RLock`, `Semaphore`,
 * `BoundedSemaphore`, `Event`, `Condition`, `Barrier`.
 *
 * Waiters are served first come, first served. Ownership is by the caller's *owner token*
 * (one per thread, sent with every call) — that is what makes an `RLock` or a `Condition`
 * re-entrant per thread, as in Python.
 *
 * **Robustness** (beyond Python): a `Lock`, `RLock` or `Condition` whose holder's connection
 * closes — its thread or process exited or was killed — is released, and the next waiter gets
 * it. Without this, one crashed child would hang every other holder forever. Semaphores are
 * not tracked (a permit has no owner), as in Python.
 *
 * @module
 */
import { BrokenBarrierError, DeadlockError, RuntimeError, ValueError } from '../../core/errors.js';
import { type CallCtx, type Hosted, PARKED } from '../wire/server.js';
import { type DiagLock, type LockDiag, parseLockDiag, watchLockWait } from './deadlocks.js';

interface Owner {
  token: string;
  /** What its acquire said of its thread (for deadlock reports). */
  diag: LockDiag | undefined;
}

interface LockWaiter {
  ctx: CallCtx;
  count: number;
  result: boolean;
  diag: LockDiag | undefined;
  /** Ends its deadlock-detection record. */
  end: () => void;
}

/** A first-come-first-served waiter list that skips answered entries. */
function nextLive<T extends { ctx: CallCtx }>(list: T[]): T | undefined {
  for (;;) {
    const w = list.shift();
    if (!w) return undefined;
    if (!w.ctx.done) return w;
  }
}

export class HostedLock implements Hosted, DiagLock {
  id = '';
  owner: Owner | undefined;
  count = 0;
  waiters: LockWaiter[] = [];
  constructor(readonly reentrant: boolean) {}

  get kind(): 'Lock' | 'RLock' {
    return this.reentrant ? 'RLock' : 'Lock';
  }

  get label(): string {
    return `manager ${this.kind} ${this.id.slice(0, 8)}`;
  }

  get holder(): DiagLock['holder'] {
    const o = this.owner;
    if (o === undefined) return undefined;
    return { token: o.token, thread: o.diag?.thread ?? 'a client thread', ident: o.diag?.ident ?? 0 };
  }

  #take(ctx: CallCtx, count: number, diag: LockDiag | undefined): void {
    this.owner = { token: ctx.owner, diag };
    this.count = count;
  }

  /** Hands the lock to the next live waiter, if any. */
  grant(): void {
    if (this.owner) return;
    for (;;) {
      const w = this.waiters.shift();
      if (!w) return;
      w.end();
      if (w.ctx.done) continue;
      this.#take(w.ctx, w.count, w.diag);
      w.ctx.reply(w.result);
      return;
    }
  }

  /** Acquires for `ctx` (parking it when taken); answers `result` once acquired. */
  acquireFor(ctx: CallCtx, count: number, result: boolean, timed: boolean, diag?: LockDiag): unknown {
    if (!this.owner) {
      this.#take(ctx, count, diag);
      if (ctx.done) return undefined;
      ctx.reply(result);
      return undefined;
    }
    if (timed && ctx.timeout === 0) {
      ctx.reply(false);
      return undefined;
    }
    const waiter: LockWaiter = { ctx, count, result, diag, end: watchLockWait(ctx, this, diag) };
    this.waiters.push(waiter);
    if (!timed) {
      ctx.clearTimer();
      return undefined;
    }
    ctx.park(() => {
      waiter.end();
      ctx.reply(false);
    });
    return undefined;
  }

  releaseAll(): number {
    const n = this.count;
    this.owner = undefined;
    this.count = 0;
    this.grant();
    return n;
  }

  connectionClosed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.ctx.done) w.end();
      return !w.ctx.done;
    });
  }

  ownerGone(token: string): void {
    if (this.owner?.token === token) this.releaseAll();
  }

  readonly calls = {
    acquire: (ctx: CallCtx, sync?: unknown, diagArg?: unknown) => {
      const diag = parseLockDiag(diagArg);
      if (this.owner?.token === ctx.owner) {
        if (this.reentrant) {
          this.count++;
          return true;
        }
        if (sync === true && ctx.timeout === Number.POSITIVE_INFINITY) {
          // A blocking wait that can never end: DeadlockError instead of a hang.
          throw new DeadlockError(
            'acquireSync() without a timeout on a manager Lock this thread already holds',
          );
        }
      }
      if (!this.owner) {
        this.#take(ctx, 1, diag);
        return true;
      }
      if (ctx.timeout === 0) return false;
      this.acquireFor(ctx, 1, true, true, diag);
      return PARKED;
    },
    release: (ctx: CallCtx) => {
      if (!this.owner) {
        throw new RuntimeError(this.reentrant ? 'cannot release un-acquired lock' : 'release unlocked lock');
      }
      if (this.reentrant) {
        if (this.owner.token !== ctx.owner) throw new RuntimeError('cannot release un-acquired lock');
        if (--this.count > 0) return undefined;
      }
      this.releaseAll();
      return undefined;
    },
    locked: () => this.owner !== undefined,
  };
}

export class HostedSemaphore implements Hosted {
  waiters: { ctx: CallCtx }[] = [];
  constructor(
    public value: number,
    readonly bounded: boolean,
    readonly initial = value,
  ) {}
  readonly calls = {
    acquire: (ctx: CallCtx) => {
      if (this.value > 0) {
        this.value--;
        return true;
      }
      if (ctx.timeout === 0) return false;
      this.waiters.push({ ctx });
      return ctx.park(() => ctx.reply(false));
    },
    release: (_c: CallCtx, n: unknown = 1) => {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        throw new ValueError('n must be one or more');
      if (this.bounded && this.value + n > this.initial)
        throw new ValueError('Semaphore released too many times');
      this.value += n;
      while (this.value > 0) {
        const w = nextLive(this.waiters);
        if (!w) break;
        this.value--;
        w.ctx.reply(true);
      }
      return undefined;
    },
    getValue: () => this.value,
  };
}

export class HostedEvent implements Hosted {
  flag = false;
  waiters: CallCtx[] = [];
  readonly calls = {
    set: () => {
      this.flag = true;
      for (const w of this.waiters) w.reply(true);
      this.waiters = [];
    },
    clear: () => {
      this.flag = false;
    },
    isSet: () => this.flag,
    wait: (ctx: CallCtx) => {
      if (this.flag) return true;
      if (ctx.timeout === 0) return false;
      this.waiters.push(ctx);
      return ctx.park(() => ctx.reply(false));
    },
  };
  connectionClosed(): void {
    this.waiters = this.waiters.filter((w) => !w.done);
  }
}

export class HostedCondition implements Hosted {
  readonly lock = new HostedLock(true);
  /** `saved`: the lock's recursion count; `diag`: the waiter's thread, for its re-acquire. */
  sleepers: { ctx: CallCtx; saved: number; diag: LockDiag | undefined; gone: boolean }[] = [];

  #own(ctx: CallCtx, what: string): void {
    if (this.lock.owner?.token !== ctx.owner) throw new RuntimeError(`cannot ${what} un-acquired lock`);
  }

  connectionClosed(): void {
    this.sleepers = this.sleepers.filter((s) => !s.ctx.done);
    this.lock.connectionClosed();
  }

  ownerGone(token: string): void {
    this.lock.ownerGone(token);
  }

  #wake(n: number): void {
    let woken = 0;
    while (woken < n) {
      const s = this.sleepers.shift();
      if (!s) break;
      if (s.gone || s.ctx.done) continue;
      s.gone = true;
      woken++;
      s.ctx.clearTimer();
      this.lock.acquireFor(s.ctx, s.saved, true, false, s.diag);
    }
  }

  readonly calls = {
    acquire: (ctx: CallCtx, sync?: unknown, diag?: unknown) => this.lock.calls.acquire(ctx, sync, diag),
    release: (ctx: CallCtx) => this.lock.calls.release(ctx),
    locked: () => this.lock.owner !== undefined,
    wait: (ctx: CallCtx) => {
      this.#own(ctx, 'wait on');
      const sleeper = { ctx, saved: this.lock.count, diag: this.lock.owner?.diag, gone: false };
      this.sleepers.push(sleeper);
      this.lock.releaseAll();
      return ctx.park(() => {
        sleeper.gone = true;
        // Timed out: re-acquire the lock (without a deadline), then answer false.
        this.lock.acquireFor(ctx, sleeper.saved, false, false, sleeper.diag);
      });
    },
    notify: (ctx: CallCtx, n: unknown = 1) => {
      this.#own(ctx, 'notify on');
      this.#wake(typeof n === 'number' ? n : 1);
    },
    notifyAll: (ctx: CallCtx) => {
      this.#own(ctx, 'notify on');
      this.#wake(Number.POSITIVE_INFINITY);
    },
  };
}

export class HostedBarrier implements Hosted {
  waiting: CallCtx[] = [];
  isBroken = false;
  constructor(
    readonly parties: number,
    readonly defaultTimeout: number | undefined,
  ) {}

  #break(): void {
    this.isBroken = true;
    const ws = this.waiting;
    this.waiting = [];
    for (const w of ws) w.fail(new BrokenBarrierError('the barrier is broken'));
  }

  connectionClosed(): void {
    this.waiting = this.waiting.filter((w) => !w.done);
  }

  readonly calls = {
    wait: (ctx: CallCtx) => {
      if (this.isBroken) throw new BrokenBarrierError('the barrier is broken');
      this.waiting = this.waiting.filter((w) => !w.done);
      const index = this.waiting.length;
      if (index + 1 === this.parties) {
        const ws = this.waiting;
        this.waiting = [];
        ws.forEach((w, i) => {
          w.reply(i);
        });
        return index;
      }
      this.waiting.push(ctx);
      if (ctx.timeout === Number.POSITIVE_INFINITY && this.defaultTimeout !== undefined)
        ctx.timeout = this.defaultTimeout;
      return ctx.park(() => {
        this.#break();
        ctx.fail(new BrokenBarrierError('the barrier is broken (timed out)'));
      });
    },
    abort: () => {
      this.#break();
    },
    reset: () => {
      const ws = this.waiting;
      this.waiting = [];
      for (const w of ws) w.fail(new BrokenBarrierError('the barrier was reset'));
      this.isBroken = false;
    },
    broken: () => this.isBroken,
    nWaiting: () => this.waiting.filter((w) => !w.done).length,
    parties: () => this.parties,
  };
}
