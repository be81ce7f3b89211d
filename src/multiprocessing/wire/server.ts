/**
 * The object server: holds skein's process-shared state (pipe buffers, queue items, manager
 * objects) and serves it over a socket. The same server runs in two places: a helper worker
 * thread of the process that creates a `Pipe` or a process `Queue` (`local-host.ts`), and a
 * manager's own child process (`manager/server-entry.ts`).
 *
 * ## Implementer's overview
 *
 * - **Connections.** Every peer (one per thread and server, plus one per thread's sync helper)
 *   first passes the HMAC handshake of `auth.ts`; until then frames are capped at 1 KiB and
 *   nothing is read but the answer. A wrong answer gets `{ok: false}` and the socket is closed.
 * - **Dispatch.** Requests (see `protocol.ts`) name an object id and a method; the method must
 *   be an own entry of the object's `calls` table (a fixed allow-list). Received data is only
 *   ever `v8.deserialize`d, never evaluated.
 * - **Waiting.** A method that cannot answer yet *parks* the request (`ctx.park`): the object
 *   keeps the context in its waiter list and answers later with `ctx.reply`/`ctx.fail`. A
 *   parked request ends exactly once — answered, timed out (`w` ms; the object's `onTimeout`
 *   decides the answer), cancelled by the client, or dropped because its connection closed.
 *   Objects skip contexts whose `done` is set when they wake waiters.
 * - **Holders.** Objects with ends (pipes, process queues) count the copies held: per
 *   connection (`hold`), plus tickets reserved for a copy in transit to a new thread or process
 *   (`ticket`/`claim`). Copies and locks belong to the *owner token* of a thread (its own
 *   connection and its sync helper's share it, so frames may travel on either); when the last
 *   connection of a token closes, every copy it held and every lock it owned is released
 *   (`ownerGone`) — a holder's death is a close. Invariant: an end's count is
 *   the sum of its holders' counts and its unclaimed tickets; a collectable object whose every
 *   count is zero is deleted.
 * - **Creation races.** Pipes and process queues get their ids from the creating thread, so
 *   a copy in a fast child can reach the server before the creator's own registration (the
 *   creator's socket may still be connecting). Such an object is made *unconfirmed*: it reads
 *   no EOF and is never collected until the creator's `ensure` (flag `c`) arrives — the
 *   creator's copies are counted by then, so a zero count means what it says.
 * - **Tickets.** A ticket counts a copy in transit from its sender's `ticket` until the
 *   receiver's `claim` (which may arrive first: an early claim is counted at once and its ticket
 *   then ignored). A ticket expires only {@link TICKET_TTL_MS} after its sender's last connection
 *   closed — the receiver may have died before claiming, and nobody else could release it. (A
 *   fixed TTL from issue made the tutorial's Pipe program hang under heavy load: when its child
 *   takes over a minute to start, both tickets expire, the pipe's counts reach zero and it is
 *   collected with its messages; the child's late claim then re-created it as an *unconfirmed*
 *   pipe, which never reads EOF — a recv that could never return.)
 * - **Collected objects.** The ids of the last {@link COLLECTED_MEMORY} collected objects are
 *   remembered; any later use of one fails with `EOFError` (every copy was closed) instead of
 *   re-creating it unconfirmed, so no request can wait on an object nobody can reach.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import { toEnvelope } from '../../core/error-transport.js';
import { EOFError, RuntimeError } from '../../core/errors.js';
import { digest, nonce, verify } from './auth.js';
import { encodeFrame, FrameReader, MAX_FRAME } from './frame.js';
import type { KindSpec, Reply, Request } from './protocol.js';

/** A stored value with the shared tags it carries (see core/serialize.ts). */
export interface Stored {
  v: unknown;
  s: string[] | undefined;
}

/** A method result that carries shared tags. */
export class Out {
  constructor(
    readonly v: unknown,
    readonly s: string[] | undefined,
  ) {}
  static of(items: readonly Stored[], v: unknown): Out {
    let s: string[] | undefined;
    for (const it of items) if (it.s) s = [...new Set([...(s ?? []), ...it.s])];
    return new Out(v, s);
  }
}

/** Returned by a method that parked its request. */
export const PARKED: unique symbol = Symbol('parked') as never;

/** One peer connection. */
export class Conn {
  readonly id = randomUUID();
  /**
   * The owner token of the thread behind this connection (sent in the handshake). A thread
   * may have two connections to a server — its own and its sync helper's — with one token.
   */
  token = '';
  /** Parked requests by id. */
  readonly parked = new Map<number, CallCtx>();
  closed = false;
  constructor(
    readonly socket: Socket,
    readonly server: ObjectServer,
  ) {}
  #corked = false;
  readonly #uncork = () => {
    this.#corked = false;
    this.socket.uncork();
  };
  write(reply: Reply): void {
    if (this.closed) return;
    // Replies made in one tick (a batch of requests read at once) leave in one system call.
    if (!this.#corked) {
      this.#corked = true;
      this.socket.cork();
      process.nextTick(this.#uncork);
    }
    this.socket.write(encodeFrame(reply));
  }
}

/** The context of one call: who asked, how long it may wait, and how to answer. */
export class CallCtx {
  done = false;
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly conn: Conn,
    readonly id: number,
    /** Timeout in ms; `Infinity` when none. */
    public timeout: number,
    /** Shared tags of the arguments. */
    readonly tags: string[] | undefined,
    /** Owner token of the calling thread (locks). */
    readonly owner: string,
  ) {}
  reply(value: unknown): void {
    if (this.done) return;
    this.#end();
    if (this.id === 0) return;
    if (value instanceof Out) this.conn.write({ i: this.id, ok: true, v: value.v, s: value.s });
    else this.conn.write({ i: this.id, ok: true, v: value });
  }
  fail(err: unknown): void {
    if (this.done) return;
    this.#end();
    if (this.id !== 0) this.conn.write({ i: this.id, ok: false, e: toEnvelope(err) });
  }
  /**
   * Parks this request: the object will answer later. After `timeout` ms `onTimeout` runs
   * (it answers, or parks again in another form — e.g. a Condition re-acquiring its lock).
   */
  park(onTimeout: () => void): typeof PARKED {
    this.conn.parked.set(this.id, this);
    if (this.timeout !== Number.POSITIVE_INFINITY) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.done) onTimeout();
      }, this.timeout);
    }
    return PARKED;
  }
  /** Stops the timeout clock without answering (the wait goes on without a deadline). */
  clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
  #end(): void {
    this.done = true;
    this.clearTimer();
    this.conn.parked.delete(this.id);
  }
  /** Drops the request without an answer (its connection closed). */
  drop(): void {
    this.done = true;
    this.clearTimer();
  }
}

/** A method of a hosted object: returns a value (or {@link Out}), throws, or parks. */
export type Method = (ctx: CallCtx, ...args: never[]) => unknown;

/** An object held by the server. */
export interface Hosted {
  /** The allow-list of callable methods. */
  readonly calls: Readonly<Record<string, Method>>;
  /** Deleted when no copy of any end is held (pipes, process queues). */
  readonly collectable?: boolean;
  /** Holder count of end `end` changed by `delta`. */
  hold?(end: number, delta: number): void;
  /** Total copies held (ends and tickets); a collectable object is deleted at 0. */
  held?(): number;
  /** A connection closed: release what it owned (locks), forget its waiters. */
  connectionClosed?(conn: Conn): void;
  /** Every connection of owner token `token` closed: release what it owned (locks). */
  ownerGone?(token: string): void;
  /**
   * False while the object exists only because a copy was used before its creator's
   * registration arrived (see "Creation races" above); the creator's `ensure` with `c` sets it.
   */
  confirmed?: boolean;
  /** Called when the creator's registration arrives after the object was made by a copy. */
  onConfirm?(): void;
}

/** Builds hosted objects from kind specs; the allow-list of kinds. */
export type Kinds = Readonly<Record<string, (...args: never[]) => Hosted>>;

/**
 * How long a ticket for a copy in transit stays valid unclaimed *once its sender is gone*.
 * While the sender lives the ticket never expires: under heavy load a child process may take
 * longer than any fixed bound to start and claim its copy, and an expired ticket let the end's
 * count reach zero with the copy still on its way (see "Tickets" above).
 */
export const TICKET_TTL_MS = ticketTtl();

/** 60 s, or `SKEIN_TEST_TICKET_TTL_MS` (tests shorten it to put the expiry path under load). */
function ticketTtl(): number {
  const v = Number(process.env.SKEIN_TEST_TICKET_TTL_MS);
  return Number.isFinite(v) && v >= 0 ? v : 60_000;
}

/** How many ids of collected objects the server remembers (see "Collected objects" above). */
const COLLECTED_MEMORY = 65_536;

interface Ticket {
  t: string;
  e: number;
  /** The sender's owner token. */
  owner: string;
  /** Expiry, armed only once every connection of `owner` has closed. */
  timer: NodeJS.Timeout | undefined;
}

/** Options of an {@link ObjectServer}. */
export interface ObjectServerOptions {
  authkey: Uint8Array;
  kinds: Kinds;
  /** Called when a peer asks the server to stop (manager shutdown), if allowed. */
  onShutdown?: (() => void) | undefined;
}

export class ObjectServer {
  readonly objects = new Map<string, Hosted>();
  readonly conns = new Set<Conn>();
  readonly names = new Map<string, Stored>();
  /** Live connections per owner token. */
  readonly #tokenConns = new Map<string, Set<Conn>>();
  /** Copies held per owner token: token → (`objectId:end` → count). */
  readonly #tokenHolds = new Map<string, Map<string, number>>();
  readonly #tickets = new Map<string, Ticket>();
  /** Ids of collected objects (insertion order: the oldest are forgotten first). */
  readonly #collected = new Set<string>();
  /**
   * Claims whose ticket has not arrived yet. Kept until it does, however late: forgetting one
   * would count its copy twice (claim and ticket), and the other end would never read EOF.
   */
  readonly #earlyClaims = new Set<string>();
  constructor(readonly options: ObjectServerOptions) {}

  /** Serves `server`'s connections. */
  attach(server: Server): void {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Runs the handshake on a fresh socket, then serves it. */
  accept(socket: Socket): void {
    socket.setNoDelay?.(true);
    const conn = new Conn(socket, this);
    const challenge = nonce();
    let authed = false;
    const reader = new FrameReader(
      (msg) => {
        if (authed) {
          this.#handle(conn, msg as Request);
          return;
        }
        const answer = msg as { d?: unknown; n?: unknown; u?: unknown };
        if (
          !verify(this.options.authkey, 'client', challenge, answer?.d) ||
          !(answer.n instanceof Uint8Array)
        ) {
          socket.end(encodeFrame({ ok: false }));
          socket.destroySoon();
          return;
        }
        authed = true;
        reader.limit = MAX_FRAME;
        conn.token = typeof answer.u === 'string' && answer.u ? answer.u : conn.id;
        this.conns.add(conn);
        const set = this.#tokenConns.get(conn.token) ?? new Set<Conn>();
        this.#tokenConns.set(conn.token, set);
        set.add(conn);
        socket.write(encodeFrame({ ok: true, d: digest(this.options.authkey, 'server', answer.n) }));
      },
      () => socket.destroy(),
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.#closed(conn));
    socket.write(encodeFrame({ n: challenge }));
  }

  #closed(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    if (!this.conns.delete(conn)) return;
    for (const ctx of conn.parked.values()) ctx.drop();
    conn.parked.clear();
    for (const obj of this.objects.values()) obj.connectionClosed?.(conn);
    const set = this.#tokenConns.get(conn.token);
    set?.delete(conn);
    if (set && set.size > 0) return;
    this.#tokenConns.delete(conn.token);
    // The sender is gone: its tickets still unclaimed may now expire (see "Tickets").
    for (const [x, ticket] of this.#tickets) {
      if (ticket.owner === conn.token && ticket.timer === undefined) this.#armTicket(x, ticket);
    }
    const holds = this.#tokenHolds.get(conn.token);
    this.#tokenHolds.delete(conn.token);
    for (const [key, n] of holds ?? []) {
      const cut = key.lastIndexOf(':');
      this.#adjust(key.slice(0, cut), Number(key.slice(cut + 1)), -n);
    }
    for (const obj of this.objects.values()) obj.ownerGone?.(conn.token);
  }

  #ensure(t: string, k: KindSpec | undefined, creator = false): Hosted {
    let obj = this.objects.get(t);
    if (obj) {
      if (creator && obj.confirmed === false) {
        obj.confirmed = true;
        obj.onConfirm?.();
      }
      return obj;
    }
    if (this.#collected.has(t)) {
      throw new EOFError(
        'this pipe or queue was closed everywhere and collected (no copy of it is left open)',
      );
    }
    if (!k) throw new RuntimeError(`no shared object ${t} on this server (it was deleted or never created)`);
    const [kind, ...args] = k;
    const make = Object.hasOwn(this.options.kinds, kind) ? this.options.kinds[kind] : undefined;
    if (!make) throw new TypeError(`unknown shared object kind ${String(kind)}`);
    obj = (make as (...a: unknown[]) => Hosted)(...args);
    if (!creator) obj.confirmed = false;
    this.objects.set(t, obj);
    return obj;
  }

  #adjust(t: string, end: number, delta: number): void {
    const obj = this.objects.get(t);
    if (!obj) return;
    obj.hold?.(end, delta);
    if (obj.collectable && obj.confirmed !== false && (obj.held?.() ?? 0) <= 0) this.#collect(t);
  }

  #collect(t: string): void {
    this.objects.delete(t);
    this.#collected.add(t);
    if (this.#collected.size > COLLECTED_MEMORY) {
      const oldest = this.#collected.values().next().value;
      if (oldest !== undefined) this.#collected.delete(oldest);
    }
  }

  #armTicket(x: string, ticket: Ticket): void {
    ticket.timer = setTimeout(() => {
      this.#tickets.delete(x);
      this.#adjust(ticket.t, ticket.e, -1);
    }, TICKET_TTL_MS);
    ticket.timer.unref();
  }

  #hold(conn: Conn, t: string, end: number, delta: number): void {
    const key = `${t}:${end}`;
    const holds = this.#tokenHolds.get(conn.token) ?? new Map<string, number>();
    this.#tokenHolds.set(conn.token, holds);
    // A thread's frames may arrive on two connections (its own and its sync helper's), so a
    // release may briefly precede its hold: counts may dip below zero in between.
    const n = (holds.get(key) ?? 0) + delta;
    if (n === 0) holds.delete(key);
    else holds.set(key, n);
    this.#adjust(t, end, delta);
  }

  #handle(conn: Conn, req: Request): void {
    const id = typeof req.i === 'number' ? req.i : 0;
    try {
      switch (req.o) {
        case 'call': {
          const obj = this.#ensure(String(req.t), req.k);
          const m = String(req.m);
          const fn = Object.hasOwn(obj.calls, m) ? obj.calls[m] : undefined;
          if (!fn) throw new TypeError(`shared object has no method ${m}`);
          const timeout = typeof req.w === 'number' && req.w >= 0 ? req.w : Number.POSITIVE_INFINITY;
          const ctx = new CallCtx(conn, id, timeout, req.s, conn.token);
          const args = Array.isArray(req.a) ? req.a : [];
          try {
            const r = (fn as (c: CallCtx, ...a: unknown[]) => unknown)(ctx, ...args);
            if (r !== PARKED) ctx.reply(r);
          } catch (err) {
            ctx.fail(err);
          }
          return;
        }
        case 'ping':
          break;
        case 'ensure':
          this.#ensure(String(req.t), req.k, req.c === 1);
          break;
        case 'create':
          this.#ensure(String(req.t), req.k, true);
          break;
        case 'hold':
          this.#ensure(String(req.t), req.k);
          this.#hold(conn, String(req.t), Number(req.e), Number(req.d));
          break;
        case 'ticket': {
          const x = String(req.x);
          if (this.#earlyClaims.delete(x)) break; // claimed before its ticket came: already counted
          this.#ensure(String(req.t), req.k);
          const t = String(req.t);
          const e = Number(req.e);
          this.#adjust(t, e, 1);
          const ticket: Ticket = { t, e, owner: conn.token, timer: undefined };
          this.#tickets.set(x, ticket);
          if (!this.#tokenConns.has(conn.token)) this.#armTicket(x, ticket);
          break;
        }
        case 'claim': {
          const x = String(req.x);
          const t = String(req.t);
          const e = Number(req.e);
          const ticket = this.#tickets.get(x);
          this.#ensure(t, req.k);
          // The copy moves from the ticket to this connection (count first, then release the
          // ticket, so the end never reads zero in between).
          this.#hold(conn, t, e, 1);
          if (ticket) {
            if (ticket.timer) clearTimeout(ticket.timer);
            this.#tickets.delete(x);
            this.#adjust(t, e, -1);
          } else this.#earlyClaims.add(x);
          break;
        }
        case 'cancel': {
          const ctx = conn.parked.get(Number(req.c));
          if (ctx) {
            const err = new Error('wait cancelled');
            err.name = 'CancelledError';
            ctx.fail(err);
          }
          return;
        }
        case 'publish':
          this.names.set(String(req.n), { v: req.r, s: req.s });
          break;
        case 'lookup': {
          const n = String(req.n);
          if (!this.names.has(n))
            throw new RangeError(`no object published under the name ${JSON.stringify(n)}`);
          const found = this.names.get(n)!;
          if (id) conn.write({ i: id, ok: true, v: found.v, s: found.s });
          return;
        }
        default:
          throw new TypeError(`unknown request ${String((req as { o?: unknown }).o)}`);
      }
      if (id) conn.write({ i: id, ok: true, v: undefined });
    } catch (err) {
      if (id) conn.write({ i: id, ok: false, e: toEnvelope(err) });
    }
  }

  /** Closes every connection (their parked requests are dropped). */
  closeAll(): void {
    for (const c of [...this.conns]) c.socket.destroy();
  }
}
