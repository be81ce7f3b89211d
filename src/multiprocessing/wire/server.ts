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
 *   A TCP peer (anyone on the network) must answer within {@link HANDSHAKE_DEADLINE_MS}, and
 *   at most {@link MAX_UNAUTHENTICATED} may be answering at once; a Unix-socket peer is this
 *   user, whose thread may sit blocked in a `…Sync` call mid-handshake, so it has no deadline.
 * - **Dispatch.** Every frame is checked by `parseRequest` (`protocol.ts`) before use: a frame
 *   that is not an object closes that peer's connection; a malformed request gets an error
 *   reply (when it has an id). A valid one goes to its handler in `HANDLERS`; a method must
 *   be an own entry of the object's `calls` table (a fixed allow-list). Whatever a handler or
 *   a method throws fails that request only; timers and clean-ups are guarded the same way, so
 *   no peer can stop the server. Received data is only ever `v8.deserialize`d, never
 *   evaluated. Errors to a TCP peer carry no stack of this server.
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
 * - **Manager objects** (made by `create`) are counted the same way, as one end: the creator's
 *   proxy (counted by `create`), each copy in transit (a ticket) or claimed (a hold), and each
 *   *anchor* — a reference to one of this server's objects carried inside a value stored here
 *   (a dict value, a list item, a published name). The client lists a call's anchors (`h`);
 *   the server counts each once, and stored values carry their anchors' ids (`Stored.h`), each
 *   anchor counting its users. A value overwritten or deleted gives its anchors back; a value
 *   handed out (`pop`) turns them into tickets for the reader's copy; a reader of a value still
 *   stored claims the anchor without using it up; a deleted container gives back all it held.
 *   At zero the object is deleted (and the references its own values held are given back).
 * - **Tickets.** A ticket counts a copy in transit from its sender's `ticket` until the
 *   receiver's `claim` (which may arrive first: an early claim is counted at once and its ticket
 *   then ignored). A ticket expires only {@link TICKET_TTL_MS} after its sender's last connection
 *   closed — the receiver may have died before claiming, and nobody else could release it. (A
 *   fixed TTL from issue made the tutorial's Pipe program hang under heavy load: when its child
 *   takes over a minute to start, both tickets expire, the pipe's counts reach zero and it is
 *   collected with its messages; the child's late claim then re-created it as an *unconfirmed*
 *   pipe, which never reads EOF — a recv that could never return.)
 * - **Collected objects.** The ids of the last {@link COLLECTED_MEMORY} collected pipes and
 *   queues are remembered; any later use of one fails with `EOFError` (every copy was closed)
 *   instead of re-creating it unconfirmed, so no request can wait on an object nobody can reach.
 * - **Creation races.** Pipes and process queues get their ids from the creating thread, so
 *   a copy in a fast child can reach the server before the creator's own registration (the
 *   creator's socket may still be connecting). Such an object is made *unconfirmed*: it reads
 *   no EOF and is never collected until the creator's `ensure` (flag `c`) arrives — the
 *   creator's copies are counted by then, so a zero count means what it says.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import { type ErrorEnvelope, toEnvelope } from '../../core/error-transport.js';
import { EOFError, RuntimeError, ValueError } from '../../core/errors.js';
import { type HandleTable, mergeHandles } from '../../core/serialize.js';
import { digest, nonce, verify } from './auth.js';
import { encodeFrame, FrameReader, MAX_FRAME } from './frame.js';
import {
  type Anchor,
  type KindSpec,
  MAX_ID,
  MAX_TIMEOUT_MS,
  ProtocolError,
  parseRequest,
  type Reply,
  type Request,
} from './protocol.js';

/**
 * A stored value with the handle table that came with it (see core/serialize.ts) — kept
 * together as received, never looked into, and sent on together in one frame — and the
 * anchors of the references to this server's objects inside it (see "Holders" above).
 */
export interface Stored {
  v: unknown;
  s: HandleTable | undefined;
  h?: string[] | undefined;
}

/** A method result that carries a handle table. */
export class Out {
  constructor(
    readonly v: unknown,
    readonly s: HandleTable | undefined,
  ) {}
  /** A result `v` made of several stored values: their tables, merged. */
  static of(items: readonly Stored[], v: unknown): Out {
    return new Out(v, mergeHandles(items.map((it) => it.s)));
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
  /** A TCP peer (maybe another machine): its error replies carry no stack of this server. */
  readonly remote: boolean;
  constructor(
    readonly socket: Socket,
    readonly server: ObjectServer,
  ) {
    this.remote = socket.remoteAddress !== undefined;
  }
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
    /** The handle table of the arguments. */
    readonly tags: HandleTable | undefined,
    /** Owner token of the calling thread (locks). */
    readonly owner: string,
    /** Anchors of the references to this server's objects inside the arguments. */
    readonly anchors?: string[] | undefined,
  ) {}
  /** A value of the arguments, to be stored: it holds the references inside it. */
  store(v: unknown): Stored {
    return this.conn.server.retain({ v, s: this.tags, h: this.anchors });
  }
  /** A stored value was overwritten or deleted. */
  forget(st: Stored | undefined): void {
    if (st) this.conn.server.forget(st);
  }
  /** A stored value leaves its container for the caller (see {@link ObjectServer.handOut}). */
  handOut(st: Stored): Out {
    this.conn.server.handOut(st, this.conn.token);
    return new Out(st.v, st.s);
  }
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
    if (this.id !== 0) this.conn.write({ i: this.id, ok: false, e: envelopeFor(this.conn, err) });
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
        if (this.done) return;
        // Runs outside the request's dispatch: a throw must fail this request, not the server.
        try {
          onTimeout();
        } catch (err) {
          this.fail(err);
        }
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
  /** Its object id, set by the server when it makes it (for reports). */
  id?: string;
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
  /** The values it stores (given back when the object is deleted). */
  stored?(): Iterable<Stored>;
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
  /** The sender's owner token (undefined: nobody who could still claim for it; armed at once). */
  owner: string | undefined;
  /** Expiry, armed only once every connection of `owner` has closed. */
  timer: NodeJS.Timeout | undefined;
}

/** Options of an {@link ObjectServer}. */
export interface ObjectServerOptions {
  authkey: Uint8Array;
  kinds: Kinds;
}

/** How long a TCP peer has to pass the handshake before its connection is closed. */
export const HANDSHAKE_DEADLINE_MS = 5_000;
/** Most TCP connections still in their handshake at once; more are closed at once. */
export const MAX_UNAUTHENTICATED = 64;

/** An error's envelope for `conn`: a remote (TCP) peer gets no stack of this server. */
function envelopeFor(conn: Conn, err: unknown): ErrorEnvelope {
  const env = toEnvelope(err);
  if (conn.remote) stripStacks(env, 0);
  return env;
}

function stripStacks(env: ErrorEnvelope, depth: number): void {
  env.stack = undefined;
  if (depth > 16) return;
  if (env.cause && 'name' in env.cause) stripStacks(env.cause, depth + 1);
  for (const e of env.errors ?? []) stripStacks(e, depth + 1);
}

/**
 * Runs a clean-up step of one object; a bug there must not stop the others' (or the server).
 */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`skein: object server clean-up failed: ${(err as Error)?.message}`);
  }
}

/** Requests whose handler answers by itself (or never). */
const SELF_ANSWERED: unique symbol = Symbol('self-answered') as never;

/** A reference to an object held by values stored in this server (see "Holders" above). */
interface AnchorEntry {
  t: string;
  /** Stored values that carry this anchor. */
  users: number;
}

type Handler<R extends Request> = (server: ObjectServer, conn: Conn, req: R) => unknown;
type Handlers = { [O in Request['o']]: Handler<Extract<Request, { o: O }>> };

/** `globalThis.gc` when the process runs with `--expose-gc` (a manager's server does). */
const gc = (globalThis as { gc?: () => void }).gc;

export class ObjectServer {
  readonly objects = new Map<string, Hosted>();
  readonly conns = new Set<Conn>();
  readonly names = new Map<string, Stored>();
  /** Objects created with `create` (manager objects): freed when no reference is left. */
  readonly #managed = new Set<string>();
  /** Reference counts of managed objects that do not count their own holders. */
  readonly #counts = new Map<string, number>();
  /** Live connections per owner token. */
  readonly #tokenConns = new Map<string, Set<Conn>>();
  /** Copies held per owner token: token → (`objectId:end` → count). */
  readonly #tokenHolds = new Map<string, Map<string, number>>();
  readonly #tickets = new Map<string, Ticket>();
  /** Ids of collected pipes and queues (insertion order: the oldest are forgotten first). */
  readonly #collected = new Set<string>();
  /**
   * Claims whose ticket has not arrived yet. Kept until it does, however late: forgetting one
   * would count its copy twice (claim and ticket), and the other end would never read EOF.
   */
  readonly #earlyClaims = new Set<string>();
  readonly #anchors = new Map<string, AnchorEntry>();
  #unauthenticated = 0;
  constructor(readonly options: ObjectServerOptions) {}

  /** Serves `server`'s connections. */
  attach(server: Server): void {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Runs the handshake on a fresh socket, then serves it. */
  accept(socket: Socket): void {
    socket.on('error', () => {});
    const conn = new Conn(socket, this);
    // A Unix socket peer is this user (the socket is 0600 in a 0700 folder) and may sit in its
    // handshake while its thread is blocked in a …Sync call; a TCP peer may be anyone, so it
    // gets a deadline and a share of a bounded number of handshake slots.
    let deadline: NodeJS.Timeout | undefined;
    if (conn.remote) {
      if (this.#unauthenticated >= MAX_UNAUTHENTICATED) {
        socket.destroy();
        return;
      }
      this.#unauthenticated++;
      deadline = setTimeout(() => socket.destroy(), HANDSHAKE_DEADLINE_MS);
      deadline.unref();
    }
    const settle = () => {
      if (deadline === undefined) return;
      clearTimeout(deadline);
      deadline = undefined;
      this.#unauthenticated--;
    };
    socket.setNoDelay?.(true);
    const challenge = nonce();
    let authed = false;
    const reader = new FrameReader(
      (msg) => {
        if (authed) {
          this.#frame(conn, msg);
          return;
        }
        const answer = (typeof msg === 'object' && msg !== null ? msg : {}) as {
          d?: unknown;
          n?: unknown;
          u?: unknown;
        };
        if (
          !verify(this.options.authkey, 'client', challenge, answer.d) ||
          !(answer.n instanceof Uint8Array) ||
          answer.n.length > 1024
        ) {
          settle();
          socket.end(encodeFrame({ ok: false }));
          socket.destroySoon();
          return;
        }
        settle();
        authed = true;
        reader.limit = MAX_FRAME;
        conn.token =
          typeof answer.u === 'string' && answer.u && answer.u.length <= MAX_ID ? answer.u : conn.id;
        this.conns.add(conn);
        const set = this.#tokenConns.get(conn.token) ?? new Set<Conn>();
        this.#tokenConns.set(conn.token, set);
        set.add(conn);
        socket.write(encodeFrame({ ok: true, d: digest(this.options.authkey, 'server', answer.n) }));
      },
      () => socket.destroy(),
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('close', () => {
      settle();
      this.#closed(conn);
    });
    socket.write(encodeFrame({ n: challenge }));
  }

  /** One frame from an authenticated peer: validated, then dispatched. */
  #frame(conn: Conn, msg: unknown): void {
    if (conn.closed) return;
    let req: Request;
    try {
      req = parseRequest(msg);
    } catch (err) {
      const id = err instanceof ProtocolError ? err.id : 0;
      // Not even an object: this peer does not speak the protocol; stop listening to it.
      if (typeof msg !== 'object' || msg === null) conn.socket.destroy();
      else if (id) conn.write({ i: id, ok: false, e: envelopeFor(conn, err) });
      return;
    }
    try {
      const handler = HANDLERS[req.o] as Handler<Request>;
      const value = handler(this, conn, req);
      if (value !== SELF_ANSWERED && req.i) conn.write({ i: req.i, ok: true, v: value });
    } catch (err) {
      if (req.i) conn.write({ i: req.i, ok: false, e: envelopeFor(conn, err) });
    }
  }

  #closed(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    if (!this.conns.delete(conn)) return;
    for (const ctx of conn.parked.values()) ctx.drop();
    conn.parked.clear();
    for (const obj of this.objects.values()) guard(() => obj.connectionClosed?.(conn));
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
    for (const obj of this.objects.values()) guard(() => obj.ownerGone?.(conn.token));
  }

  /** @internal */
  ensure(t: string, k: KindSpec | undefined, creator = false): Hosted {
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
    if (!make) throw new TypeError(`unknown shared object kind ${String(kind).slice(0, 40)}`);
    obj = (make as (...a: unknown[]) => Hosted)(...args);
    obj.id = t;
    if (!creator) obj.confirmed = false;
    this.objects.set(t, obj);
    return obj;
  }

  /** @internal Makes a manager object: freed when no reference to it is left. */
  create(conn: Conn, t: string, k: KindSpec): void {
    if (this.objects.has(t)) throw new ValueError(`object id ${t} is taken`);
    this.ensure(t, k, true);
    this.#managed.add(t);
    if (!this.objects.get(t)!.hold) this.#counts.set(t, 0);
    this.hold(conn, t, 0, 1);
  }

  #held(t: string, obj: Hosted): number {
    return obj.held?.() ?? this.#counts.get(t) ?? 0;
  }

  #adjust(t: string, end: number, delta: number): void {
    const obj = this.objects.get(t);
    if (!obj) return;
    if (obj.hold) obj.hold(end, delta);
    else if (this.#counts.has(t)) this.#counts.set(t, this.#counts.get(t)! + delta);
    if ((obj.collectable || this.#managed.has(t)) && obj.confirmed !== false && this.#held(t, obj) <= 0)
      this.#delete(t, obj);
  }

  /** Drops an object nobody holds, and gives back the references its stored values held. */
  #delete(t: string, obj: Hosted): void {
    this.objects.delete(t);
    if (obj.collectable) {
      this.#collected.add(t);
      if (this.#collected.size > COLLECTED_MEMORY) {
        const oldest = this.#collected.values().next().value;
        if (oldest !== undefined) this.#collected.delete(oldest);
      }
    }
    this.#managed.delete(t);
    this.#counts.delete(t);
    for (const st of obj.stored?.() ?? []) this.forget(st);
  }

  /** @internal */
  hold(conn: Conn, t: string, end: number, delta: number): void {
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

  /**
   * @internal Reserves a copy of end `e` of `t` under ticket `x` for a receiver, sent by the
   * thread with owner token `owner` (expires unclaimed only once that sender is gone).
   */
  ticket(x: string, t: string, e: number, owner: string): void {
    if (this.#earlyClaims.delete(x)) return; // claimed before its ticket came: already counted
    if (this.#tickets.has(x) || this.#anchors.has(x)) return;
    this.#adjust(t, e, 1);
    this.#reserve(x, t, e, owner);
  }

  #reserve(x: string, t: string, e: number, owner: string | undefined): void {
    const ticket: Ticket = { t, e, owner, timer: undefined };
    this.#tickets.set(x, ticket);
    if (owner === undefined || !this.#tokenConns.has(owner)) this.#armTicket(x, ticket);
  }

  #armTicket(x: string, ticket: Ticket): void {
    ticket.timer = setTimeout(() => {
      this.#tickets.delete(x);
      this.#adjust(ticket.t, ticket.e, -1);
    }, TICKET_TTL_MS);
    ticket.timer.unref();
  }

  /** @internal Takes over ticket (or stored anchor) `x` as a copy held by `conn`. */
  claim(conn: Conn, x: string, t: string, e: number): void {
    const ticket = this.#tickets.get(x);
    // The copy moves from the ticket to this connection (count first, then release the
    // ticket, so the end never reads zero in between).
    this.hold(conn, t, e, 1);
    if (ticket) {
      clearTimeout(ticket.timer);
      this.#tickets.delete(x);
      this.#adjust(ticket.t, ticket.e, -1);
    } else if (!this.#anchors.has(x)) {
      // An anchor stays with its stored value (each reader claims a copy of its own).
      this.#earlyClaims.add(x);
    }
  }

  /** @internal Counts references carried inside a value stored by this call. */
  anchor(anchors: readonly Anchor[] | undefined): string[] | undefined {
    if (!anchors?.length) return undefined;
    const out: string[] = [];
    for (const [x, t] of anchors) {
      if (this.#anchors.has(x) || this.#tickets.has(x) || !this.objects.has(t)) continue;
      this.#anchors.set(x, { t, users: 0 });
      this.#adjust(t, 0, 1);
      out.push(x);
    }
    return out.length ? out : undefined;
  }

  /** @internal Releases anchors of a call that no stored value took. */
  unanchor(xs: readonly string[] | undefined): void {
    for (const x of xs ?? []) {
      const a = this.#anchors.get(x);
      if (a && a.users === 0) {
        this.#anchors.delete(x);
        this.#adjust(a.t, 0, -1);
      }
    }
  }

  /** @internal A stored value now carries its anchors. */
  retain(st: Stored): Stored {
    for (const x of st.h ?? []) {
      const a = this.#anchors.get(x);
      if (a) a.users++;
    }
    return st;
  }

  /** @internal A stored value was overwritten or deleted: its references go. */
  forget(st: Stored): void {
    for (const x of st.h ?? []) {
      const a = this.#anchors.get(x);
      if (!a || --a.users > 0) continue;
      this.#anchors.delete(x);
      this.#adjust(a.t, 0, -1);
    }
  }

  /**
   * @internal A stored value left its container for a reader (pop): each of its references
   * becomes a ticket the reader's copy claims (it expires if the reader never does).
   */
  handOut(st: Stored, owner?: string): void {
    for (const x of st.h ?? []) {
      const a = this.#anchors.get(x);
      if (!a || --a.users > 0) continue;
      this.#anchors.delete(x);
      this.#reserve(x, a.t, 0, owner);
    }
  }

  /** @internal Diagnostics for tests: live objects and heap use after a full collection. */
  stats(): { objects: number; anchors: number; tickets: number; heapUsed: number } {
    // Twice: the first collection runs finalizers and frees what they held.
    gc?.();
    gc?.();
    return {
      objects: this.objects.size,
      anchors: this.#anchors.size,
      tickets: this.#tickets.size,
      heapUsed: process.memoryUsage().heapUsed,
    };
  }

  /** Closes every connection (their parked requests are dropped). */
  closeAll(): void {
    for (const c of [...this.conns]) c.socket.destroy();
  }
}

const HANDLERS: Handlers = {
  call(server, conn, req) {
    const obj = server.ensure(req.t, req.k);
    const fn = Object.hasOwn(obj.calls, req.m) ? obj.calls[req.m] : undefined;
    if (!fn) throw new TypeError(`shared object has no method ${req.m.slice(0, 40)}`);
    const w = req.w;
    const timeout = w === undefined || w < 0 || w > MAX_TIMEOUT_MS ? Number.POSITIVE_INFINITY : w;
    const anchors = server.anchor(req.h);
    const ctx = new CallCtx(conn, req.i, timeout, req.s, conn.token, anchors);
    try {
      const r = (fn as (c: CallCtx, ...a: unknown[]) => unknown)(ctx, ...req.a);
      if (r !== PARKED) ctx.reply(r);
    } catch (err) {
      ctx.fail(err);
    } finally {
      server.unanchor(anchors);
    }
    return SELF_ANSWERED;
  },
  ping: () => undefined,
  stats(server, conn, req) {
    // Measured on a later turn: the frame being handled (and what it referenced) is gone.
    setImmediate(() => {
      if (req.i) conn.write({ i: req.i, ok: true, v: server.stats() });
    });
    return SELF_ANSWERED;
  },
  ensure(server, _conn, req) {
    server.ensure(req.t, req.k, req.c === 1);
  },
  create(server, conn, req) {
    server.create(conn, req.t, req.k);
  },
  hold(server, conn, req) {
    server.ensure(req.t, req.k);
    server.hold(conn, req.t, req.e, req.d);
  },
  ticket(server, conn, req) {
    server.ensure(req.t, req.k);
    server.ticket(req.x, req.t, req.e, conn.token);
  },
  claim(server, conn, req) {
    server.ensure(req.t, req.k);
    server.claim(conn, req.x, req.t, req.e);
  },
  cancel(_server, conn, req) {
    const ctx = conn.parked.get(req.c);
    if (ctx) {
      const err = new Error('wait cancelled');
      err.name = 'CancelledError';
      ctx.fail(err);
    }
    return SELF_ANSWERED;
  },
  publish(server, _conn, req) {
    const anchors = server.anchor(req.h);
    const old = server.names.get(req.n);
    server.names.set(req.n, server.retain({ v: req.r, s: req.s, h: anchors }));
    if (old) server.forget(old);
  },
  lookup(server, conn, req) {
    const found = server.names.get(req.n);
    if (!found) throw new RangeError(`no object published under the name ${JSON.stringify(req.n)}`);
    if (req.i) conn.write({ i: req.i, ok: true, v: found.v, s: found.s });
    return SELF_ANSWERED;
  },
};
