/**
 * Messages on skein's process sockets (after the handshake of `auth.ts`), each one frame.
 *
 * Requests (client → server) are a discriminated union on `o`; `i` is the request id (0: no
 * reply wanted). Field names are one letter to keep frames small; each operation has exactly
 * the fields listed, and {@link parseRequest} checks every one before the server uses it.
 *
 * - `ensure {t, k?, c?}` — make object `t` exist, built from kind spec `k` (`[kind, ...args]`)
 *   if it does not yet (idempotent; used by objects whose id the client chose). `c: 1` marks
 *   the creator's own registration (see "Creation races" in `server.ts`).
 * - `create {t, k}` — like ensure, but replies, and counts one reference held by the caller
 *   (manager factories; see "Holders" in `server.ts`).
 * - `call {t, m, a, s?, w?, k?, u?, h?}` — call method `m` of object `t` with arguments `a`
 *   (`s`: the handle table of the shared objects inside `a`, see core/serialize.ts; `w`: timeout in ms, -1 for none; `k`: ensure first;
 *   `u`: the caller's owner token, for locks; `h`: references to objects of this server
 *   carried inside `a`, as `[anchor, objectId]` pairs — the value that stores them holds them).
 * - `hold {t, e, d, k?}` — this connection holds `d` more (or fewer) copies of end `e`.
 * - `ticket {t, e, x, k?}` — reserve a copy of end `e` under ticket `x` for another holder.
 * - `claim {t, e, x, k?}` — take over ticket `x` as a copy held by this connection.
 * - `cancel {c}` — give up waiting for request `c` (replied `CancelledError` if still waiting).
 * - `ping {}` — replies when the connection is authenticated.
 * - `stats {}` — replies `{objects, heapUsed}` after a full garbage collection (diagnostics).
 * - `publish {n, r, s?, h?}` / `lookup {n}` — a name for a proxy reference (manager).
 *
 * Replies (server → client): `{i, ok: true, v, s?}` (`s`: `v`'s handle table) or `{i, ok: false, e: ErrorEnvelope}`.
 *
 * Nothing here is trusted: a request comes from a peer that knows the authkey, but may be
 * buggy or hostile. {@link parseRequest} refuses anything that is not exactly one of these
 * shapes, with bounded strings and counts, so handlers never see a wrong type.
 *
 * @module
 */
import type { ErrorEnvelope } from '../../core/error-transport.js';
import type { HandleTable } from '../../core/serialize.js';
import { isSharedTag } from '../../core/shared-registry.js';

/** `[kind, ...constructor arguments]` of a hosted object. */
export type KindSpec = [string, ...unknown[]];

/** A reference to an object of this server carried inside a value: `[anchor, objectId]`. */
export type Anchor = [string, string];

interface Base {
  i: number;
}
export interface EnsureRequest extends Base {
  o: 'ensure';
  t: string;
  k?: KindSpec | undefined;
  c?: number | undefined;
}
export interface CreateRequest extends Base {
  o: 'create';
  t: string;
  k: KindSpec;
}
export interface CallRequest extends Base {
  o: 'call';
  t: string;
  m: string;
  a: unknown[];
  s?: HandleTable | undefined;
  w?: number | undefined;
  k?: KindSpec | undefined;
  u?: string | undefined;
  h?: Anchor[] | undefined;
}
export interface HoldRequest extends Base {
  o: 'hold';
  t: string;
  e: number;
  d: number;
  k?: KindSpec | undefined;
}
export interface TicketRequest extends Base {
  o: 'ticket';
  t: string;
  e: number;
  x: string;
  k?: KindSpec | undefined;
}
export interface ClaimRequest extends Base {
  o: 'claim';
  t: string;
  e: number;
  x: string;
  k?: KindSpec | undefined;
}
export interface CancelRequest extends Base {
  o: 'cancel';
  c: number;
}
export interface PingRequest extends Base {
  o: 'ping';
}
export interface StatsRequest extends Base {
  o: 'stats';
}
export interface PublishRequest extends Base {
  o: 'publish';
  n: string;
  r: unknown;
  s?: HandleTable | undefined;
  h?: Anchor[] | undefined;
}
export interface LookupRequest extends Base {
  o: 'lookup';
  n: string;
}

/** Every request, discriminated by `o`. */
export type Request =
  | EnsureRequest
  | CreateRequest
  | CallRequest
  | HoldRequest
  | TicketRequest
  | ClaimRequest
  | CancelRequest
  | PingRequest
  | StatsRequest
  | PublishRequest
  | LookupRequest;

/** A request without its id, as callers build it (the client numbers it). */
export type Outgoing = Request extends infer R ? (R extends Request ? Omit<R, 'i'> : never) : never;

export type Reply =
  | { i: number; ok: true; v: unknown; s?: HandleTable | undefined }
  | { i: number; ok: false; e: ErrorEnvelope };

/** Longest object id, ticket, token, name or method name accepted. */
export const MAX_ID = 256;
/** Most shared tags or anchors one request may carry. */
export const MAX_REFS = 100_000;
/** Largest timeout in ms honoured (Node timers overflow above it; longer means "none"). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Largest request id or hold delta accepted (ids are counters; deltas are small). */
const MAX_INT = Number.MAX_SAFE_INTEGER;

/** A request the server refuses; `id` is the request id when one could be read (else 0). */
export class ProtocolError extends TypeError {
  constructor(
    message: string,
    readonly id: number,
  ) {
    super(`bad request: ${message}`);
    this.name = 'TypeError';
  }
}

const FIELDS: Record<Request['o'], ReadonlySet<string>> = {
  ensure: new Set(['i', 'o', 't', 'k', 'c']),
  create: new Set(['i', 'o', 't', 'k']),
  call: new Set(['i', 'o', 't', 'm', 'a', 's', 'w', 'k', 'u', 'h']),
  hold: new Set(['i', 'o', 't', 'e', 'd', 'k']),
  ticket: new Set(['i', 'o', 't', 'e', 'x', 'k']),
  claim: new Set(['i', 'o', 't', 'e', 'x', 'k']),
  cancel: new Set(['i', 'o', 'c']),
  ping: new Set(['i', 'o']),
  stats: new Set(['i', 'o']),
  publish: new Set(['i', 'o', 'n', 'r', 's', 'h']),
  lookup: new Set(['i', 'o', 'n']),
};

function isPlainRecord(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `msg` is one of the requests above and returns it typed.
 * @throws ProtocolError naming the first bad field.
 */
export function parseRequest(msg: unknown): Request {
  if (!isPlainRecord(msg)) throw new ProtocolError('a request must be an object', 0);
  const rawId = msg.i;
  const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId > 0 ? rawId : 0;
  const bad = (why: string): never => {
    throw new ProtocolError(why, id);
  };
  if (rawId !== undefined && id === 0 && rawId !== 0) bad('i must be a request id (a positive integer)');
  const o = msg.o;
  if (typeof o !== 'string' || !Object.hasOwn(FIELDS, o)) bad(`unknown operation ${describe(o)}`);
  const allowed = FIELDS[o as Request['o']];
  for (const key of Object.keys(msg)) if (!allowed.has(key)) bad(`${o} takes no field ${describe(key)}`);
  const str = (key: string, optional = false): void => {
    const v = msg[key];
    if (optional && v === undefined) return;
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID)
      bad(`${key} must be a string of 1–${MAX_ID} characters`);
  };
  const int = (key: string, min: number, max: number, optional = false): void => {
    const v = msg[key];
    if (optional && v === undefined) return;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      bad(`${key} must be an integer ${min}…${max}`);
  };
  const kind = (optional: boolean): void => {
    const k = msg.k;
    if (optional && k === undefined) return;
    if (
      !Array.isArray(k) ||
      k.length === 0 ||
      k.length > 16 ||
      typeof k[0] !== 'string' ||
      k[0].length > MAX_ID
    )
      bad('k must be a kind spec [kind, ...args]');
  };
  const tags = (): void => {
    const s = msg.s;
    if (s === undefined) return;
    if (
      !Array.isArray(s) ||
      s.length > MAX_REFS ||
      !s.every(
        (x) =>
          typeof x === 'object' &&
          x !== null &&
          !Array.isArray(x) &&
          isSharedTag((x as { tag?: unknown }).tag),
      )
    )
      bad("s must be a handle table: an array of { tag, data } with tags of skein's shared types");
  };
  const anchors = (): void => {
    const h = msg.h;
    if (h === undefined) return;
    if (
      !Array.isArray(h) ||
      h.length > MAX_REFS ||
      !h.every(
        (p) =>
          Array.isArray(p) &&
          p.length === 2 &&
          p.every((x) => typeof x === 'string' && x.length > 0 && x.length <= MAX_ID),
      )
    )
      bad('h must be an array of [anchor, objectId] pairs');
  };
  switch (o as Request['o']) {
    case 'ensure':
      str('t');
      kind(true);
      int('c', 0, 1, true);
      break;
    case 'create':
      str('t');
      kind(false);
      break;
    case 'call': {
      str('t');
      str('m');
      if (!Array.isArray(msg.a) || msg.a.length > 64) bad('a must be an array of at most 64 arguments');
      tags();
      const w = msg.w;
      if (w !== undefined && (typeof w !== 'number' || Number.isNaN(w) || (w < 0 && w !== -1)))
        bad('w must be a timeout in ms ≥ 0, or -1 for none');
      kind(true);
      str('u', true);
      anchors();
      break;
    }
    case 'hold':
      str('t');
      int('e', 0, 1);
      int('d', -MAX_INT, MAX_INT);
      kind(true);
      break;
    case 'ticket':
    case 'claim':
      str('t');
      int('e', 0, 1);
      str('x');
      kind(true);
      break;
    case 'cancel':
      int('c', 0, MAX_INT);
      break;
    case 'ping':
    case 'stats':
      break;
    case 'publish':
      str('n');
      if (!('r' in msg)) bad('publish needs r');
      tags();
      anchors();
      break;
    case 'lookup':
      str('n');
      break;
  }
  return msg as unknown as Request;
}

function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  return x === null ? 'null' : typeof x;
}
