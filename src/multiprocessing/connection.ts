/**
 * `Connection`: one end of a {@link Pipe} (Python's `multiprocessing.connection.Connection`).
 *
 * ## Ownership and reference counts
 *
 * Each `Connection` object is one *copy* of its end, counted by the pipe's server (see
 * `wire/server.ts`): `Pipe()` holds one copy of each end in the creating thread. Passing a
 * Connection to a `Thread` or `Process` (as an argument, a queue item, a value in a manager
 * container) gives the receiver its own copy — as a fork duplicates a file descriptor in
 * Python: the sender reserves a *ticket* for it (counted at once, so the end never reads as
 * closed while the copy travels) and the receiver claims the ticket on arrival. A copy ends
 * when it is `close()`d, or when the socket of the thread or process holding it closes (it
 * exited, was killed, or its isolate was recycled). `recv` fails with `EOFError` once its
 * buffer is drained and no copy of the other end is left anywhere — which is why a parent
 * must close the ends it does not use (the tutorial's lesson).
 *
 * An unclaimed ticket (the receiving thread or process died before starting) expires
 * `TICKET_TTL_MS` (60 s) after its sender has gone; while the sender lives it stays counted, so
 * a copy that takes long to arrive is never lost (see "Tickets" in `wire/server.ts`).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { RuntimeError } from '../core/errors.js';
import {
  decodeValue,
  decodeValueSync,
  encodeValue,
  type HandleTable,
  mergeHandles,
} from '../core/serialize.js';
import {
  type Destination,
  kShare,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { checkTimeout } from '../core/wait-options.js';
import { type Answer, checkServerRef, clientFor, ownerToken, type ServerRef } from './wire/client.js';
import type { KindSpec } from './wire/protocol.js';
import { requestSync } from './wire/sync.js';

const TAG = 'skein.Connection';

/** How many waiting messages one receive fetches at most (the rest wait in this copy). */
const RECV_BATCH = 256;

/** What a Connection turns into to cross into another thread or process. */
interface ConnectionData {
  ref: ServerRef;
  id: string;
  end: 0 | 1;
  duplex: boolean;
  ticket: string;
}

/** Decodes an answer that may carry shared objects. */
export function answerValue<T>(a: Answer): T | Promise<T> {
  return decodeValue(a.v as T, a.s, 'process');
}

/** Decodes an answer synchronously. */
export function answerValueSync<T>(a: Answer): T {
  return decodeValueSync(a.v as T, a.s, 'process');
}

/**
 * One end of a pipe. `send` never waits; `recv` waits for a message; `poll` says whether one
 * is ready. See {@link Pipe} for how to get a pair.
 *
 * Differences from Python: `recv`/`poll` return Promises (`recvSync`/`pollSync` block the
 * calling thread); messages are any V8-serializable values (not pickles); `sendBytes` and
 * `recvBytes` are not provided (send a `Uint8Array`).
 *
 * @typeParam T the type of the messages.
 */
export class Connection<T = unknown> {
  readonly #ref: ServerRef;
  readonly #id: string;
  readonly #end: 0 | 1;
  readonly #duplex: boolean;
  #closed = false;
  readonly #ticket: () => string;
  /**
   * Messages fetched by one `recvMany` round trip and not yet returned by `recv` (raw:
   * decoded only when taken), and the handle table that came with them (one for the batch; each
   * message's handles are found in it by identity, see core/serialize.ts). Put back on the
   * server, with the table, if this copy is closed.
   */
  #inbox: unknown[] = [];
  #inboxHandles: HandleTable | undefined;

  /** @internal Use {@link Pipe}. */
  constructor(ref: ServerRef, id: string, end: 0 | 1, duplex: boolean, claim?: string) {
    this.#ref = ref;
    this.#id = id;
    this.#end = end;
    this.#duplex = duplex;
    const client = clientFor(ref);
    if (claim !== undefined) client.post({ o: 'claim', t: id, e: end, x: claim, k: this.#kind() });
    // One ticket per message that carries this end (core/serialize.ts asks once per message).
    this.#ticket = () => {
      const x = randomUUID();
      clientFor(this.#ref).post({ o: 'ticket', t: this.#id, e: this.#end, x, k: this.#kind() });
      return x;
    };
  }

  #kind(): KindSpec {
    return ['pipe', this.#duplex];
  }

  /** True when this end can receive (Python's `readable`). */
  get readable(): boolean {
    return this.#duplex || this.#end === 0;
  }

  /** True when this end can send (Python's `writable`). */
  get writable(): boolean {
    return this.#duplex || this.#end === 1;
  }

  /** True once {@link close} was called on this copy (Python's `closed`). */
  get closed(): boolean {
    return this.#closed;
  }

  #check(op: 'send' | 'recv'): void {
    if (this.#closed) throw new RuntimeError(`cannot ${op} on a closed Connection (handle is closed)`);
    if (op === 'send' && !this.writable)
      throw new RuntimeError('this Connection is read-only (the reader of a one-way Pipe)');
    if (op === 'recv' && !this.readable)
      throw new RuntimeError('this Connection is write-only (the writer of a one-way Pipe)');
  }

  /**
   * Sends `obj` to the other end (Python's `send`). Does not wait: the message is queued
   * and delivered in order. Sending when every copy of the other end is closed drops the
   * message (Python raises `BrokenPipeError` there; skein cannot know at the call).
   * @throws TypeError naming the path of a value that cannot be sent (nothing is sent).
   * @throws RuntimeError on a closed or read-only end.
   * @example
   * const [a, b] = Pipe();
   * a.send({ hello: 'world' });
   * console.log(await b.recv()); // { hello: 'world' }
   */
  send(obj: T): void {
    this.#check('send');
    const enc = encodeValue(obj, 'process', 'obj');
    clientFor(this.#ref).post({
      o: 'call',
      t: this.#id,
      m: 'send',
      a: [this.#end, enc.value],
      s: enc.shared,
    });
  }

  /**
   * Receives the next message (Python's `recv`): waits until one arrives.
   * @throws EOFError when nothing is left to read and every copy of the other end is closed
   *   (or its holder has exited).
   * @throws RuntimeError on a closed or write-only end.
   */
  async recv(): Promise<T> {
    this.#check('recv');
    if (this.#inbox.length === 0) {
      this.#fill(
        await clientFor(this.#ref).request({
          o: 'call',
          t: this.#id,
          m: 'recvMany',
          a: [this.#end, RECV_BATCH],
        }),
      );
    }
    return answerValue<T>({ v: this.#inbox.shift(), s: this.#inboxHandles });
  }

  /** {@link recv} that blocks the calling thread (for worker code in Python's style). */
  recvSync(): T {
    this.#check('recv');
    if (this.#inbox.length === 0) {
      this.#fill(
        requestSync(this.#ref, {
          o: 'call',
          t: this.#id,
          m: 'recvMany',
          a: [this.#end, RECV_BATCH],
          k: this.#kind(),
          u: ownerToken,
        }),
      );
    }
    return answerValueSync<T>({ v: this.#inbox.shift(), s: this.#inboxHandles });
  }

  #fill(a: Answer): void {
    const got = a.v as unknown[];
    // The table of messages already taken is dropped with them.
    this.#inboxHandles = this.#inbox.length === 0 ? a.s : mergeHandles([this.#inboxHandles, a.s]);
    for (const v of got) this.#inbox.push(v);
  }

  /**
   * Whether a message (or EOF) is ready to be received (Python's `poll`). With no argument it
   * does not wait (as in Python); with `timeout` ms it waits up to that long; `null` waits forever.
   */
  async poll(timeout?: number | null): Promise<boolean> {
    this.#check('recv');
    if (this.#inbox.length > 0) return true;
    const w = timeout === undefined ? 0 : timeout === null ? -1 : checkTimeout(timeout);
    const a = await clientFor(this.#ref).request({ o: 'call', t: this.#id, m: 'poll', a: [this.#end], w });
    return a.v === true;
  }

  /** {@link poll} that blocks the calling thread. */
  pollSync(timeout?: number | null): boolean {
    this.#check('recv');
    if (this.#inbox.length > 0) return true;
    const w = timeout === undefined ? 0 : timeout === null ? -1 : checkTimeout(timeout);
    return (
      requestSync(this.#ref, { o: 'call', t: this.#id, m: 'poll', a: [this.#end], w, k: this.#kind() }).v ===
      true
    );
  }

  /**
   * Closes this copy of the end (Python's `close`). Idempotent. Other copies — in other
   * threads or processes — stay open; the other end reads EOF once all are closed.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const c = clientFor(this.#ref);
    if (c.dead) return;
    if (this.#inbox.length > 0) {
      // Fetched but never received: back to the server, for the end's other copies.
      c.post({ o: 'call', t: this.#id, m: 'unrecv', a: [this.#end, this.#inbox], s: this.#inboxHandles });
      this.#inbox = [];
      this.#inboxHandles = undefined;
    }
    c.post({ o: 'hold', t: this.#id, e: this.#end, d: -1 });
  }

  /** `using conn = …` closes it. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  [kShare](_destination: Destination): SharedDescriptor {
    if (this.#closed) throw new TypeError('a closed Connection cannot be sent');
    const data: ConnectionData = {
      ref: this.#ref,
      id: this.#id,
      end: this.#end,
      duplex: this.#duplex,
      ticket: this.#ticket(),
    };
    return { tag: TAG, data };
  }

  /** A short description of this end (its id, and whether it is closed), for logs. */
  toString(): string {
    return `<Connection ${this.#duplex ? 'duplex' : this.#end === 0 ? 'reader' : 'writer'}${this.#closed ? ' closed' : ''}>`;
  }
}

registerSharedType(TAG, (data) => {
  // From another process, perhaps: checked before use.
  const d = data as Partial<ConnectionData> | null;
  if (
    typeof d?.id !== 'string' ||
    (d.end !== 0 && d.end !== 1) ||
    typeof d.duplex !== 'boolean' ||
    typeof d.ticket !== 'string'
  )
    throw new TypeError('skein: received a malformed Connection');
  return new Connection(checkServerRef(d.ref, 'Connection'), d.id, d.end, d.duplex, d.ticket);
});
