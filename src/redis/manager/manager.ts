/**
 * `RedisManager`: the Manager's shared objects, found by name on Redis from any thread,
 * process or machine.
 *
 * ```
 *  thread A ── RedisManager (client a) ─┐                ┌─ <ns>:client:a   (liveness lease)
 *     lock.acquire() ── script ─────────┼──► Redis ◄─────┤  <ns>:lock:jobs  "a|17" PX lease
 *     lock.acquireSync() ─► sync helper ┘   (one node)   └─ <ns>:queue:work, …
 *  process B ── RedisManager (client b) ─────► same keys, found by the same names
 * ```
 *
 * Each manager is one *client*: an id, a liveness key it renews (its lease), one command
 * connection, and blocking connections for waits (store.ts). Objects are found by kind and
 * name within the namespace; making a handle touches nothing on the server. Every change of
 * more than one step is a Lua script (scripts.ts); every wait blocks on Redis (no polling).
 * A `…Sync` twin runs the same operation on a helper thread while the calling thread blocks
 * (core/sync-call.ts, sync-handler.ts).
 *
 * ## Limits (read these)
 *
 * - Leases: a holder that is paused longer than its lease (GC, a CPU-bound stretch, a lost
 *   network) loses its lock while it may still believe it holds it; `lock.lost` fires and
 *   `release()` throws, but code already running under the lock is not stopped. Pass
 *   `lock.fence` to the protected resource and have it refuse older fences (Kleppmann).
 * - Replication is asynchronous: after a failover, a replica promoted to primary may not have
 *   seen a lock being taken, and grants it again. Use one primary (with persistence if the
 *   state must outlive a restart) when that matters; RedisManager does not implement Redlock.
 * - A server restarted without persistence forgets everything: holders' `lost` fire, queues
 *   and dicts are empty.
 * - Set `maxmemory-policy noeviction`: an evicted key is a lost lock or a lost item.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { fromEnvelope } from '../../core/error-transport.js';
import { ShutDown } from '../../core/errors.js';
import { blockingCall } from '../../core/sync-call.js';
import { checkTimeout } from '../../core/wait-options.js';
import type { DictKey } from '../../multiprocessing/wire/values.js';
import { RedisBarrier } from './barrier.js';
import { type Ctx, checkLease, checkName, clientKey, type Kind, keyOf, OPS, type Spec } from './base.js';
import { RedisCondition } from './condition.js';
import { RedisDict } from './dict.js';
import { RedisEvent } from './event.js';
import { Keeper } from './lease.js';
import { RedisList } from './list.js';
import { RedisLock, RedisRLock } from './lock.js';
import type { Owner } from './object.js';
import { RedisQueue } from './queue.js';
import { RedisBoundedSemaphore, RedisSemaphore } from './semaphore.js';
import { type RedisConnection, Store } from './store.js';
import type { SyncPayload, SyncResult } from './sync-handler.js';

const HANDLER = new URL('./sync-handler.js', import.meta.url);

/** Options of {@link RedisManager.connect}. */
export interface RedisManagerOptions {
  /** The server: a `redis://` URL or ioredis connection options (host, port, password, db, tls…). */
  connection: RedisConnection;
  /** Prefix of every key (default `'skein'`): managers see each other's objects only within one namespace. */
  namespace?: string;
  /**
   * This client's liveness lease in ms (default 10 000): how soon after this client dies others
   * treat it as dead (its queue items come back, barriers it waits at break).
   */
  lease?: number;
}

/** Options of a lock-like factory. */
export interface LeaseOptions {
  /** The lease in ms (default 10 000): how long after its holder dies a lock (or permit) frees. */
  lease?: number;
}

const DEFAULT_LEASE = 10_000;

/**
 * Shared objects on Redis, found by name (the Manager's objects past one machine).
 *
 * @example
 * await using manager = await RedisManager.connect({ connection: 'redis://127.0.0.1:6379' });
 * const lock = manager.Lock('nightly-report', { lease: 15_000 });
 * await using _ = await lock.hold();
 * console.log('fence', lock.fence);
 */
export class RedisManager implements Owner {
  /** This client's id (the holder name on the server). */
  readonly id: string;
  /** The key prefix. */
  readonly namespace: string;
  /** @internal */
  readonly ctx: Ctx;
  /** @internal */
  readonly keeper: Keeper;
  readonly #connection: RedisConnection;
  readonly #queues = new Map<string, Spec>();
  #usedSync = false;
  #closed = false;

  private constructor(store: Store, options: RedisManagerOptions, lease: number) {
    this.id = randomUUID();
    this.namespace = options.namespace ?? 'skein';
    this.#connection = options.connection;
    this.ctx = { store, ns: this.namespace, client: this.id, clientLease: lease };
    this.keeper = new Keeper(store, clientKey(this.namespace, this.id), lease);
  }

  /**
   * Connects to Redis (≥ 6.2) and starts this client's liveness lease.
   * @throws MissingDependencyError when `ioredis` is not installed; the connection error when
   *   the server cannot be reached; TypeError/RangeError for bad options.
   */
  static async connect(options: RedisManagerOptions): Promise<RedisManager> {
    if (options === null || typeof options !== 'object')
      throw new TypeError('connect() takes { connection, namespace }');
    const { connection, namespace } = options;
    if (typeof connection !== 'string' && (connection === null || typeof connection !== 'object'))
      throw new TypeError('connection must be a redis:// URL or ioredis connection options');
    if (namespace !== undefined && (typeof namespace !== 'string' || namespace.length === 0))
      throw new TypeError('namespace must be a non-empty string');
    const lease = options.lease === undefined ? DEFAULT_LEASE : checkLease(options.lease);
    const store = new Store(connection);
    try {
      await store.open();
    } catch (err) {
      await store.close();
      throw err;
    }
    const m = new RedisManager(store, options, lease);
    await m.keeper.begin();
    return m;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #spec(kind: Kind, name: string, extra: Partial<Spec> = {}): Spec {
    if (this.#closed) throw new ShutDown('the RedisManager has been closed');
    return { kind, name: checkName(name, kind), ...extra };
  }

  #lease(options: LeaseOptions | undefined): number {
    return options?.lease === undefined ? DEFAULT_LEASE : checkLease(options.lease);
  }

  /** A lock (Python's `Lock`) held as a lease. */
  Lock(name: string, options?: LeaseOptions): RedisLock {
    return new RedisLock(this, this.#spec('lock', name, { lease: this.#lease(options) }));
  }

  /** A re-entrant lock (Python's `RLock`), owned by this client. */
  RLock(name: string, options?: LeaseOptions): RedisRLock {
    return new RedisRLock(this, this.#spec('rlock', name, { lease: this.#lease(options) }));
  }

  #value(value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw new TypeError('a semaphore value must be an integer');
    if (value < 0) throw new RangeError('semaphore initial value must be >= 0');
    return value;
  }

  /** A semaphore (Python's `Semaphore(value)`) whose permits are leases. */
  Semaphore(name: string, value = 1, options?: LeaseOptions): RedisSemaphore {
    return new RedisSemaphore(
      this,
      this.#spec('semaphore', name, { value: this.#value(value), lease: this.#lease(options) }),
    );
  }

  /** A bounded semaphore (Python's `BoundedSemaphore(value)`). */
  BoundedSemaphore(name: string, value = 1, options?: LeaseOptions): RedisBoundedSemaphore {
    return new RedisBoundedSemaphore(
      this,
      this.#spec('boundedSemaphore', name, { value: this.#value(value), lease: this.#lease(options) }),
    );
  }

  /** An event (Python's `Event`). */
  Event(name: string): RedisEvent {
    return new RedisEvent(this, this.#spec('event', name));
  }

  /**
   * A condition variable (Python's `Condition(lock)`) over `lock` (a RedisLock or RedisRLock of
   * this manager), or its own RLock (named `condition/<name>`).
   * @throws TypeError when `lock` is not a lock of this manager.
   */
  Condition(name: string, lock?: RedisLock | RedisRLock, options?: LeaseOptions): RedisCondition {
    checkName(name, 'condition');
    const l = lock ?? this.RLock(`condition/${name}`, options);
    if (!(l instanceof RedisLock || l instanceof RedisRLock) || l.owner !== this)
      throw new TypeError('Condition(name, lock): lock must be a Lock or RLock of the same RedisManager');
    return new RedisCondition(this, this.#spec('condition', name, { lock: l.spec }), l);
  }

  /**
   * A barrier (Python's `Barrier(parties, timeout=…)`); `timeout` is the default of `wait`.
   * @throws RangeError unless `parties` is a whole number ≥ 1.
   */
  Barrier(name: string, parties: number, options: { timeout?: number } = {}): RedisBarrier {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1)
      throw new RangeError('Barrier parties must be a whole number >= 1');
    if ('action' in options)
      throw new TypeError('a Redis Barrier takes no action (no code travels through Redis)');
    const timeout = options.timeout === undefined ? undefined : checkTimeout(options.timeout);
    return new RedisBarrier(
      this,
      this.#spec('barrier', name, { parties, ...(timeout === undefined ? {} : { timeout }) }),
    );
  }

  /** A FIFO queue (Python's `JoinableQueue(maxsize)`), delivering at least once. */
  Queue<T = unknown>(name: string, options: { maxsize?: number } = {}): RedisQueue<T> {
    const m = options.maxsize ?? 0;
    if (typeof m !== 'number' || !Number.isInteger(m)) throw new TypeError('maxsize must be an integer');
    const spec = this.#spec('queue', name, { maxsize: Math.max(0, m) });
    this.#queues.set(keyOf(this.namespace, spec), spec);
    return new RedisQueue<T>(this, spec);
  }

  /** A dict (the Manager's `dict()`). */
  dict<K extends DictKey = string, V = unknown>(name: string): RedisDict<K, V> {
    return new RedisDict<K, V>(this, this.#spec('dict', name));
  }

  /** A list (the Manager's `list()`). */
  list<T = unknown>(name: string): RedisList<T> {
    return new RedisList<T>(this, this.#spec('list', name));
  }

  /** @internal */
  run(spec: Spec, m: string, args: unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ShutDown('the RedisManager has been closed'));
    const op = OPS.get(`${spec.kind}.${m}`);
    if (!op) return Promise.reject(new TypeError(`no operation ${m} on a Redis ${spec.kind}`));
    return op(this.ctx, spec, args, signal);
  }

  /** @internal */
  runSync(spec: Spec, m: string, args: unknown[]): unknown {
    if (this.#closed) throw new ShutDown('the RedisManager has been closed');
    this.#usedSync = true;
    const payload: SyncPayload = {
      connection: this.#connection,
      ns: this.namespace,
      client: this.id,
      keep: this.keeper.spec(),
      spec,
      m,
      args,
    };
    const r = blockingCall(HANDLER, 'handle', payload) as SyncResult;
    this.keeper.apply(r.report);
    if (!r.ok) throw fromEnvelope(r.e, 'Redis');
    return r.v;
  }

  /**
   * Closes this client: releases the locks and permits it holds (so waiters need not wait out
   * a lease), marks what its queues delivered to it as consumed, ends its liveness lease and
   * closes its connections. Later calls on its objects throw `ShutDown`. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const held = await this.keeper.close();
    const store = this.ctx.store;
    const c = this.id;
    await Promise.allSettled([
      ...held.map((l) => {
        const k = l.id; // the object's key prefix
        if (l.renew.script === 'lockRenew')
          return store.run('lockRelease', [k, `${k}:f`, `${k}:w`], [l.renew.args[0]!]);
        if (l.renew.script === 'rlockRenew') return store.run('rlockDrop', [k, `${k}:f`, `${k}:w`], [c]);
        return store.run('semDrop', [`${k}:v`, `${k}:h`, `${k}:e`, `${k}:t`, `${k}:f`, `${k}:w`], [c]);
      }),
      ...[...this.#queues.values()].map((q) => this.run(q, 'forget', [])),
      store.client.del(this.keeper.clientKey),
    ]);
    this.#closed = true;
    await store.close();
    // The sync helper's connections to this server (shared by this thread's managers of it).
    if (this.#usedSync) blockingCall(HANDLER, 'closeStore', this.#connection);
  }

  /** Same as {@link close} (the Manager's name). */
  shutdown(): Promise<void> {
    return this.close();
  }

  /** `await using manager = await RedisManager.connect(…)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
