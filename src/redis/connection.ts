/**
 * How skein/redis is told where Redis is: a `redis://` URL or ioredis's options object, turned
 * into the options object that both ioredis and BullMQ accept.
 *
 * Every client skein creates sets `maxRetriesPerRequest: null`: a command issued while the
 * server is unreachable waits for the reconnection instead of failing after a few retries. That
 * is what BullMQ's workers require, and what lets an executor ride out a Redis restart (its
 * pending results are re-checked once it is back, see `executor/redis-executor.ts`).
 *
 * @module
 */
import type { RedisOptions } from 'ioredis';
import { loadIORedis } from './deps.js';

/**
 * Where Redis is: a URL (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS,
 * `unix:///path/to/redis.sock`) or ioredis's connection options (`{ host, port, password, … }`).
 */
export type RedisConnection = string | RedisOptions;

/**
 * The ioredis options for a connection argument.
 * @throws TypeError when it is neither a URL string nor an object, or the URL's scheme is not
 *   `redis:`, `rediss:` or `unix:`.
 */
export function connectionOptions(connection: RedisConnection, what = 'connection'): RedisOptions {
  if (typeof connection === 'string') return parseRedisUrl(connection, what);
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection))
    throw new TypeError(
      `${what} must be a redis:// URL or ioredis options ({ host, port }), got ${String(connection)}`,
    );
  return { ...connection };
}

function parseRedisUrl(text: string, what: string): RedisOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new TypeError(`${what}: ${JSON.stringify(text)} is not a URL (expected redis://host:port)`, {
      cause,
    });
  }
  if (url.protocol === 'unix:') return { path: decodeURIComponent(url.pathname) };
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new TypeError(`${what}: unsupported scheme ${url.protocol} (expected redis:, rediss: or unix:)`);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
  };
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '') {
    const n = Number(db);
    if (!Number.isInteger(n) || n < 0)
      throw new TypeError(`${what}: database ${JSON.stringify(db)} is not a number`);
    options.db = n;
  }
  if (url.protocol === 'rediss:') options.tls = {};
  return options;
}

/** A short description of where a connection points, for messages (no password). */
export function describeConnection(options: RedisOptions): string {
  if (options.path) return `unix:${options.path}`;
  return `redis://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}${options.db ? `/${options.db}` : ''}`;
}

/** The options every skein client uses on top of the user's. */
export function clientOptions(options: RedisOptions, name: string): RedisOptions {
  return { ...options, maxRetriesPerRequest: null, connectionName: options.connectionName ?? name };
}

/**
 * The same options typed for BullMQ. BullMQ declares its own copy of ioredis's options type,
 * which differs only in `retryStrategy` accepting `null`; the object is the one ioredis takes.
 */
export function bullConnection(options: RedisOptions, name: string): import('bullmq').ConnectionOptions {
  return clientOptions(options, name) as import('bullmq').ConnectionOptions;
}

/** A new ioredis client (connecting at once) with skein's settings. */
export function newClient(options: RedisOptions, name: string): import('ioredis').Redis {
  const { Redis } = loadIORedis();
  return new Redis(clientOptions(options, name));
}
