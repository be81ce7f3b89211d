/**
 * One thread's connections to one Redis for a {@link RedisManager}: a command connection that
 * runs every (atomic) Lua script, and a pool of *blocking* connections for waits.
 *
 * ## Waiting without polling
 *
 * A wait is a `BLPOP` on a list that the script which changes the state pushes a *wake token*
 * onto, atomically with the change (a release, a put, a notify). Redis serves the clients
 * blocked on one list oldest-first, and a client that disconnects stops being blocked, so a
 * dead waiter never swallows a token meant for a live one. A `BLPOP` blocks its whole
 * connection, so each concurrent wait borrows a connection of its own from the pool.
 *
 * - **Timeouts** are `BLPOP`'s own (decimal seconds). Waits that also depend on a lease (a lock
 *   whose holder may die without releasing it, a barrier party that may die) pass the time
 *   left on that lease instead, when shorter: they wake when the lease ends, not on a tick.
 * - **Abort**: the borrowed connection is dropped (a blocked command cannot be withdrawn
 *   otherwise without a race), and the caller pushes a token back: the dropped `BLPOP` may have
 *   taken one just before. Tokens are hints, never counts — a waiter that wakes re-checks the
 *   state — so a spare one costs one extra check, while a lost one could strand a waiter.
 * - **A lost connection** (server restart, network): ioredis reconnects and re-sends the
 *   command; a guard timer a moment after the deadline drops the connection so that a resent
 *   wait never outlives its timeout.
 *
 * @module
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { ShutDown } from '../../core/errors.js';
import { loadIORedis } from '../deps.js';
import { SCRIPTS, type ScriptName } from './scripts.js';

/** Where the Redis server is: a `redis://` URL, or ioredis connection options (plain data). */
export type RedisConnection =
  | string
  | {
      host?: string;
      port?: number;
      path?: string;
      username?: string;
      password?: string;
      db?: number;
      tls?: Record<string, unknown>;
    };

/** A reply of a script: integers, bulk strings (Buffers), nil, and arrays of them. */
export type Reply = number | Buffer | null | Reply[];

const MAX_IDLE_BLOCKERS = 8;

function makeClient(connection: RedisConnection, extra: RedisOptions): RedisClient {
  const { Redis } = loadIORedis();
  return typeof connection === 'string'
    ? new Redis(connection, extra)
    : new Redis({ ...(connection as RedisOptions), ...extra });
}

/** Where a connection points, without credentials. */
function where(connection: RedisConnection): string {
  if (typeof connection === 'string') {
    try {
      const u = new URL(connection);
      return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    } catch {
      return 'the given URL';
    }
  }
  return connection.path ?? `${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}

/** Connections of one manager (see the module overview). */
export class Store {
  readonly connection: RedisConnection;
  readonly client: RedisClient;
  readonly #idle: RedisClient[] = [];
  readonly #busy = new Set<RedisClient>();
  readonly #sha = new Map<ScriptName, string>();
  #closed = false;

  constructor(connection: RedisConnection) {
    this.connection = connection;
    // Commands wait across a reconnect instead of failing after a few retries: a lock's
    // renewal or release must reach the server if it comes back.
    this.client = makeClient(connection, { maxRetriesPerRequest: null, lazyConnect: true });
    this.client.on('error', () => {
      // Connection errors surface as failed or delayed commands; ioredis reconnects by itself.
    });
  }

  /**
   * Connects.
   * @throws Error naming the server (without credentials) and the reason it cannot be reached.
   */
  async open(): Promise<void> {
    let reason: Error | undefined;
    const onError = (err: Error) => {
      reason ??= err;
    };
    this.client.on('error', onError);
    try {
      await this.client.connect();
    } catch (err) {
      const why = reason ?? (err as Error);
      throw new Error(`cannot connect to Redis at ${where(this.connection)}: ${why.message}`, { cause: why });
    } finally {
      this.client.off('error', onError);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs script `name` atomically with `keys` and `args` (EVALSHA, loading it on NOSCRIPT:
   * after a server restart its script cache is empty).
   */
  async run(
    name: ScriptName,
    keys: readonly string[],
    args: readonly (string | number | Buffer)[],
  ): Promise<Reply> {
    const src = SCRIPTS[name];
    let sha = this.#sha.get(name);
    if (sha === undefined) {
      sha = (await this.client.script('LOAD', src)) as string;
      this.#sha.set(name, sha);
    }
    try {
      return (await this.client.callBuffer('EVALSHA', sha, keys.length, ...keys, ...args)) as Reply;
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return (await this.client.callBuffer('EVAL', src, keys.length, ...keys, ...args)) as Reply;
    }
  }

  /**
   * Waits for a token on list `key` (BLPOP) for up to `ms` milliseconds (`Infinity`: forever).
   * @returns the token, or `null` when the time passed.
   * @throws the signal's reason when it aborts (the connection is dropped; see the overview).
   */
  async block(key: string, ms: number, signal?: AbortSignal): Promise<Buffer | null> {
    signal?.throwIfAborted();
    const conn = this.#idle.pop() ?? this.#newBlocker();
    this.#busy.add(conn);
    const seconds = ms === Number.POSITIVE_INFINITY ? 0 : Math.max(0.001, Math.ceil(ms) / 1000);
    let dropped = false;
    const drop = () => {
      dropped = true;
      conn.disconnect();
    };
    const guard =
      ms === Number.POSITIVE_INFINITY ? undefined : setTimeout(drop, Math.ceil(ms) + 2000).unref();
    const onAbort = () => drop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = (await conn.blpopBuffer(key, seconds)) as [Buffer, Buffer] | null;
      return r ? r[1] : null;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (this.#closed) throw new ShutDown('the RedisManager was closed during the wait');
      if (dropped) return null;
      throw err;
    } finally {
      if (guard) clearTimeout(guard);
      signal?.removeEventListener('abort', onAbort);
      this.#busy.delete(conn);
      if (dropped || this.#closed || this.#idle.length >= MAX_IDLE_BLOCKERS) conn.disconnect();
      else this.#idle.push(conn);
    }
  }

  #newBlocker(): RedisClient {
    // A blocking connection that loses its server re-sends its wait once reconnected; the guard
    // timer of block() bounds that wait by the caller's deadline.
    const c = makeClient(this.connection, { maxRetriesPerRequest: null });
    c.on('error', () => {});
    return c;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#idle.splice(0)) c.disconnect();
    for (const c of this.#busy) c.disconnect();
    this.#busy.clear();
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
