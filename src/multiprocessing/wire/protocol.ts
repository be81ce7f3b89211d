/**
 * Messages on skein's process sockets (after the handshake of `auth.ts`), each one frame.
 *
 * Requests (client → server), `i` the request id (0: no reply wanted):
 * - `{o: 'ensure', t, k}` — make object `t` exist, built from kind spec `k` (`[kind, ...args]`)
 *   if it does not yet (idempotent; used by objects whose id the client chose). `c: 1` marks
 *   the creator's own registration (see "Creation races" in `server.ts`).
 * - `{o: 'create', t, k}` — like ensure, but replies (manager factories).
 * - `{o: 'call', t, m, a, s?, w?, k?, u?}` — call method `m` of object `t` with arguments `a`
 *   (`s`: the handle table of the shared objects inside `a`, see core/serialize.ts; `w`: timeout in ms, -1 for none; `k`: ensure first;
 *   `u`: the caller's owner token, for locks).
 * - `{o: 'hold', t, e, d}` — this connection holds `d` more (or fewer) copies of end `e`.
 * - `{o: 'ticket', t, e, x}` — reserve a copy of end `e` under ticket `x` for another holder.
 * - `{o: 'claim', t, e, x, k}` — take over ticket `x` as a copy held by this connection.
 * - `{o: 'cancel', c}` — give up waiting for request `c` (replied `CancelledError` if still waiting).
 * - `{o: 'ping'}` — replies when the connection is authenticated.
 * - `{o: 'publish', n, r}` / `{o: 'lookup', n}` — a name for a proxy reference (manager).
 *
 * Replies (server → client): `{i, ok: true, v, s?}` (`s`: `v`'s handle table) or `{i, ok: false, e: ErrorEnvelope}`.
 *
 * @module
 */
import type { ErrorEnvelope } from '../../core/error-transport.js';
import type { HandleTable } from '../../core/serialize.js';

/** `[kind, ...constructor arguments]` of a hosted object. */
export type KindSpec = [string, ...unknown[]];

export interface Request {
  i: number;
  o: 'ensure' | 'create' | 'call' | 'hold' | 'ticket' | 'claim' | 'cancel' | 'publish' | 'lookup' | 'ping';
  t?: string;
  k?: KindSpec | undefined;
  m?: string;
  a?: unknown[];
  s?: HandleTable | undefined;
  w?: number;
  u?: string;
  e?: number;
  d?: number;
  x?: string;
  /** `cancel`: the request to cancel; `ensure`: 1 from the creator. */
  c?: number;
  n?: string;
  r?: unknown;
}

export type Reply =
  | { i: number; ok: true; v: unknown; s?: HandleTable | undefined }
  | { i: number; ok: false; e: ErrorEnvelope };
