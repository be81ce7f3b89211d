/**
 * What every RedisManager object shares: its keys, its operations (one table that both the
 * async methods and the sync helper run, so a `…Sync` twin does exactly what its async twin
 * does), and the wait loop.
 *
 * An *operation* is an async function of `(ctx, spec, args, signal)` returning plain data
 * (values stay encoded bytes until the caller decodes them), so the sync helper can run it on
 * the caller's behalf (`ctx.client` is then the caller's client id) and send back the result.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type BlockingWaitOptions, parseWait } from '../../core/wait-options.js';
import type { Reply, Store } from './store.js';

/** The context an operation runs in: connections, namespace, and the acting client. */
export interface Ctx {
  store: Store;
  ns: string;
  client: string;
  /** The client lease: how often a wait that depends on other clients' liveness re-checks it. */
  clientLease: number;
}

/** The kinds of objects. */
export type Kind =
  | 'lock'
  | 'rlock'
  | 'semaphore'
  | 'boundedSemaphore'
  | 'event'
  | 'condition'
  | 'barrier'
  | 'queue'
  | 'dict'
  | 'list';

/** An object as plain data: kind, name and the options it was made with. */
export interface Spec {
  kind: Kind;
  name: string;
  /** Lock/RLock/Semaphore lease in ms. */
  lease?: number;
  /** Semaphore initial value. */
  value?: number;
  /** Barrier parties. */
  parties?: number;
  /** Barrier default wait timeout in ms. */
  timeout?: number;
  /** Queue bound (0: none). */
  maxsize?: number;
  /** A Condition's lock. */
  lock?: Spec;
}

/** One operation (see the module overview). */
export type Op = (ctx: Ctx, spec: Spec, args: unknown[], signal?: AbortSignal) => Promise<unknown>;

/** Every operation, by `kind.name` (registered by each object's module). */
export const OPS = new Map<string, Op>();

/** Registers the operations of `kinds`. */
export function defineOps(kinds: readonly Kind[], table: Record<string, Op>): void {
  for (const k of kinds) for (const [m, op] of Object.entries(table)) OPS.set(`${k}.${m}`, op);
}

/** The key prefix of an object: `<ns>:<kind>:<name>`. */
export function keyOf(ns: string, spec: Spec): string {
  return `${ns}:${spec.kind}:${spec.name}`;
}

/** A waiter's own wake list. */
export function waiterKey(ns: string, wid: string): string {
  return `${ns}:w:${wid}`;
}

/** A client's liveness key. */
export function clientKey(ns: string, client: string): string {
  return `${ns}:client:${client}`;
}

/** A fresh waiter id. */
export function newWaiter(): string {
  return randomUUID();
}

/** A wait as plain data: `timeout` in ms (`-1`: forever). */
export interface Wait {
  timeout: number;
}

/** Reads a wait argument; `sync` refuses a signal (a blocked thread could not see it fire). */
export function readWait(
  arg: number | BlockingWaitOptions | undefined,
  sync: boolean,
  what: string,
): { wait: Wait; signal: AbortSignal | undefined } {
  const { timeout, signal } = parseWait(arg);
  if (sync && signal) throw new TypeError(`${what}Sync() takes no signal`);
  return { wait: { timeout: timeout === Number.POSITIVE_INFINITY ? -1 : timeout }, signal };
}

/** The deadline (performance.now()) of a wait. */
export function deadline(w: Wait): number {
  return w.timeout < 0 ? Number.POSITIVE_INFINITY : performance.now() + w.timeout;
}

/** Milliseconds left before `dl`, at least 0. */
export function left(dl: number): number {
  return dl === Number.POSITIVE_INFINITY ? dl : Math.max(0, dl - performance.now());
}

/** A reply as a number. */
export function num(r: Reply | undefined): number {
  if (typeof r === 'number') return r;
  if (Buffer.isBuffer(r)) return Number(r.toString());
  throw new Error(`skein internal error: expected a number from Redis, got ${String(r)}`);
}

/** A reply as an array. */
export function arr(r: Reply): Reply[] {
  if (!Array.isArray(r))
    throw new Error(`skein internal error: expected an array from Redis, got ${String(r)}`);
  return r;
}

/** Checks a name. @throws TypeError unless a non-empty string. */
export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`${what} needs a name: a non-empty string naming it on the server`);
  }
  return name;
}

/** Checks a positive whole number of milliseconds. */
export function checkLease(lease: unknown, what = 'lease'): number {
  if (typeof lease !== 'number' || !Number.isFinite(lease) || lease < 30) {
    throw new RangeError(`${what} must be a number of milliseconds of at least 30, got ${String(lease)}`);
  }
  return Math.floor(lease);
}

/**
 * Waits on a wake list (store.ts) for up to `ms`; on abort, puts back the token the dropped
 * wait may have taken (tokens are hints: a spare one costs a re-check, a lost one a stall).
 */
export async function blockOn(
  ctx: Ctx,
  list: string,
  ms: number,
  signal?: AbortSignal,
): Promise<Buffer | null> {
  try {
    return await ctx.store.block(list, ms, signal);
  } catch (err) {
    if (signal?.aborted) {
      ctx.store.client
        .multi()
        .rpush(list, '1')
        .pexpire(list, 60000)
        .exec()
        .catch(() => {});
    }
    throw err;
  }
}
