/**
 * The base of every RedisManager proxy: a name, the manager it came from, and the two ways
 * of running an operation — on this thread's event loop, or (for `…Sync` twins) on the sync
 * helper while this thread blocks.
 *
 * @module
 */
import { RuntimeError } from '../../core/errors.js';
import type { AcquireArg } from '../../multiprocessing/manager/proxy.js';
import { type Ctx, keyOf, type Spec } from './base.js';
import type { Keeper } from './lease.js';

/** What a proxy needs of its manager. */
export interface Owner {
  readonly ctx: Ctx;
  readonly keeper: Keeper;
  /** Runs an operation on this thread. @throws ShutDown after the manager closed. */
  run(spec: Spec, m: string, args: unknown[], signal?: AbortSignal): Promise<unknown>;
  /** Runs an operation on the sync helper, blocking this thread. @throws ShutDown after close. */
  runSync(spec: Spec, m: string, args: unknown[]): unknown;
}

/** The base of every RedisManager proxy. */
export abstract class RedisObject {
  /** The name it is found by. */
  readonly name: string;
  /** @internal The manager it came from. */
  readonly owner: Owner;
  /** @internal What it is, as plain data. */
  readonly spec: Spec;
  /** @internal The object's key prefix. */
  protected readonly key: string;

  /** @internal Proxies come from a RedisManager's factories. */
  constructor(owner: Owner, spec: Spec) {
    this.owner = owner;
    this.spec = spec;
    this.name = spec.name;
    this.key = keyOf(owner.ctx.ns, spec);
  }

  /** @internal */
  protected op(m: string, args: unknown[] = [], signal?: AbortSignal): Promise<unknown> {
    return this.owner.run(this.spec, m, args, signal);
  }

  /** @internal */
  protected opSync(m: string, args: unknown[] = []): unknown {
    return this.owner.runSync(this.spec, m, args);
  }

  /** `<Redis Lock "name">`: the kind and name, for logs. */
  toString(): string {
    return `<Redis ${this.spec.kind} ${JSON.stringify(this.name)}>`;
  }
}

/** A scope that releases on exit, with `using` or `await using`. */
export interface HeldScope extends Disposable, AsyncDisposable {}

/** Lock-likes: `hold`, `holdSync` and `run` on top of acquire/release. */
export abstract class Acquirer extends RedisObject {
  abstract acquire(options?: AcquireArg): Promise<boolean>;
  abstract acquireSync(options?: AcquireArg): boolean;
  abstract release(): Promise<void>;
  abstract releaseSync(): void;

  /**
   * Acquires and returns a scope that releases: `using _ = await lock.hold()` (Python's
   * `with lock:`), or `await using` to release without blocking the thread.
   * @throws RuntimeError (rejects) when a timeout ran out or `blocking: false` found it taken, as
   *   a thread Lock's and a Manager proxy's `hold()` do.
   */
  async hold(options?: AcquireArg): Promise<HeldScope> {
    if (!(await this.acquire(options)))
      throw new RuntimeError(`hold(): ${this} could not be acquired (timed out or not blocking)`);
    return this.#scope();
  }

  /**
   * Blocking twin of {@link hold}.
   * @throws RuntimeError when a timeout ran out or `blocking: false` found it taken.
   */
  holdSync(options?: AcquireArg): HeldScope {
    if (!this.acquireSync(options))
      throw new RuntimeError(`holdSync(): ${this} could not be acquired (timed out or not blocking)`);
    return this.#scope();
  }

  #scope(): HeldScope {
    let done = false;
    return {
      [Symbol.dispose]: () => {
        if (done) return;
        done = true;
        this.releaseSync();
      },
      [Symbol.asyncDispose]: async () => {
        if (done) return;
        done = true;
        await this.release();
      },
    };
  }

  /** Runs `fn` holding it, releasing after (also when `fn` throws). */
  async run<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}
