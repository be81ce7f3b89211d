/**
 * The client side of skein's process sockets: one {@link Client} per thread and server,
 * multiplexing every request of that thread's pipes, queues and proxies on one socket.
 *
 * - **Ordering.** Frames are written in call order (queued in memory until the handshake of
 *   `auth.ts` completes), and the server handles one connection's frames in order, so a
 *   thread's `send`s arrive in the order made, and an object's `ensure`/`hold` precede its use.
 * - **Liveness.** The socket is `ref`ed only while a request awaits its reply or frames wait
 *   for the handshake; an idle client never keeps the program alive. Queued frames are flushed
 *   before a Thread's isolate is judged idle (core/flush-hooks.ts).
 * - **Loss.** When the socket closes, every pending request fails: with `AuthenticationError`
 *   if the handshake failed, `ShutDown` for a manager that is gone, `EOFError` for a pipe or
 *   queue whose hosting thread is gone. The client is then forgotten, so a later call
 *   reconnects (and fails the same way if the server is gone).
 * - **Cancellation.** An aborted wait sends `cancel`; the promise rejects at once with the
 *   signal's reason. If the server had already answered, the caller's `undo` runs on the
 *   answer (a queue item is put back, a lock released), so nothing is lost.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fromEnvelope } from '../../core/error-transport.js';
import { AuthenticationError, EOFError, ShutDown } from '../../core/errors.js';
import { registerFlushHook } from '../../core/flush-hooks.js';
import type { HandleTable } from '../../core/serialize.js';
import { digest, nonce, verify } from './auth.js';
import { encodeFrame, FrameReader, MAX_FRAME } from './frame.js';
import type { Outgoing, Reply } from './protocol.js';

/** Where a server is and how to prove we may use it: plain data, safe to send to a child. */
export interface ServerRef {
  /** A Unix socket path, or a TCP address. */
  address: string | { host: string; port: number };
  authkey: Uint8Array;
  /** `local`: hosted by the thread that made the pipe/queue; `manager`: a manager's server. */
  role: 'local' | 'manager';
}

/**
 * Checks that a received handle's `ref` (inside a pipe end's, process queue's or proxy's data,
 * which may come from another process) has the shape of a {@link ServerRef}.
 * @throws TypeError naming `what` otherwise.
 */
export function checkServerRef(ref: unknown, what: string): ServerRef {
  const r = ref as Partial<ServerRef> | null;
  const a = r?.address as { host?: unknown; port?: unknown } | string | undefined;
  const addressOk =
    typeof a === 'string' ||
    (typeof a === 'object' && a !== null && typeof a.host === 'string' && Number.isInteger(a.port));
  if (
    typeof r !== 'object' ||
    r === null ||
    !addressOk ||
    !(r.authkey instanceof Uint8Array) ||
    (r.role !== 'local' && r.role !== 'manager')
  )
    throw new TypeError(`skein: received a malformed ${what} (bad server reference)`);
  return r as ServerRef;
}

/**
 * The calling thread's owner token: identifies the thread to servers (its copies of pipe ends
 * and queues, the locks it owns). A sync helper adopts its caller's token.
 */
export let ownerToken: string = randomUUID();

/** @internal For the sync helper: act on behalf of the calling thread. */
export function adoptOwnerToken(token: string): void {
  ownerToken = token;
}

/** @internal Every client of this thread. */
export function allClients(): Iterable<Client> {
  return clients.values();
}

/** A successful reply: the value and its handle table (see core/serialize.ts). */
export interface Answer {
  v: unknown;
  s: HandleTable | undefined;
}

interface Pending {
  resolve(a: Answer): void;
  reject(e: Error): void;
  aborted: boolean;
  undo: ((a: Answer) => void) | undefined;
}

/** Options of one request. */
export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** Runs on a success that arrives after the caller gave up (see the module notes). */
  undo?: ((a: Answer) => void) | undefined;
}

const clients = new Map<string, Client>();

function keyOf(ref: ServerRef): string {
  const a = typeof ref.address === 'string' ? ref.address : `${ref.address.host}:${ref.address.port}`;
  return `${a}|${Buffer.from(ref.authkey).toString('hex')}`;
}

const byRef = new WeakMap<ServerRef, Client>();

/** The calling thread's client for `ref` (connecting on first use). */
export function clientFor(ref: ServerRef): Client {
  const known = byRef.get(ref);
  if (known && !known.dead) return known;
  const c = clientForKey(ref);
  byRef.set(ref, c);
  return c;
}

function clientForKey(ref: ServerRef): Client {
  const key = keyOf(ref);
  let c = clients.get(key);
  if (!c) {
    c = new Client(ref, key);
    clients.set(key, c);
  }
  return c;
}

/**
 * How long a client retries connecting to a local host that is still starting. The host is a
 * worker thread; on a loaded machine its start was seen to take more than 10 s (the first
 * `Pipe()` then failed with EOFError), so the bound is a deadlock guard, not an expectation.
 */
const LOCAL_CONNECT_RETRY_MS = 120_000;

export class Client {
  #socket: Socket | undefined;
  #state: 'connecting' | 'ready' | 'dead' = 'connecting';
  /** Frames waiting for the handshake; `post`: a frame that wants no reply. */
  #out: { frame: Buffer; post: boolean }[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #error: Error | undefined;
  readonly #started = performance.now();

  constructor(
    readonly ref: ServerRef,
    readonly key: string,
  ) {
    this.#connect();
  }

  /** True once the socket is gone. */
  get dead(): boolean {
    return this.#state === 'dead';
  }

  #connect(): void {
    const { address } = this.ref;
    const socket = typeof address === 'string' ? connect(address) : connect(address.port, address.host);
    this.#socket = socket;
    socket.setNoDelay?.(true);
    const myNonce = nonce();
    let greeted = false;
    const reader = new FrameReader(
      (msg) => {
        if (this.#state === 'ready') {
          this.#reply(msg as Reply);
          return;
        }
        const m = msg as { n?: unknown; ok?: unknown; d?: unknown };
        if (!greeted) {
          if (!(m?.n instanceof Uint8Array))
            return this.#die(new AuthenticationError('bad handshake from server'));
          greeted = true;
          socket.write(
            encodeFrame({ d: digest(this.ref.authkey, 'client', m.n), n: myNonce, u: ownerToken }),
          );
          return;
        }
        if (m?.ok !== true)
          return this.#die(new AuthenticationError('digest sent was rejected (wrong authkey)'));
        if (!verify(this.ref.authkey, 'server', myNonce, m.d)) {
          return this.#die(
            new AuthenticationError('digest received was wrong (the server does not know the authkey)'),
          );
        }
        this.#state = 'ready';
        reader.limit = MAX_FRAME;
        const out = this.#out;
        this.#out = [];
        for (const f of out) socket.write(f.frame);
        this.#refresh();
      },
      (err) => this.#die(err),
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (
        !greeted &&
        this.ref.role === 'local' &&
        (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') &&
        performance.now() - this.#started < LOCAL_CONNECT_RETRY_MS
      ) {
        // The host worker is still starting: try again shortly.
        socket.removeAllListeners('close');
        socket.destroy();
        setTimeout(() => this.#connect(), 5);
        return;
      }
      this.#die(this.#lost(err));
    });
    socket.on('close', () => this.#die(this.#lost()));
    this.#refresh();
  }

  #lost(cause?: Error): Error {
    if (this.#error) return this.#error;
    return this.ref.role === 'manager'
      ? new ShutDown('the manager has shut down (or its server is unreachable); its proxies cannot be used', {
          cause,
        })
      : new EOFError('the thread or process that hosted this pipe or queue has exited', { cause });
  }

  #die(err: Error): void {
    if (this.#state === 'dead') return;
    this.#state = 'dead';
    this.#error = err;
    this.#out = [];
    if (clients.get(this.key) === this) clients.delete(this.key);
    this.#socket?.destroy();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) if (!p.aborted) p.reject(err);
  }

  #reply(r: Reply): void {
    if (typeof r !== 'object' || r === null || typeof r.i !== 'number') {
      this.#die(new AuthenticationError('the server sent a malformed reply'));
      return;
    }
    const p = this.#pending.get(r.i);
    if (!p) return;
    this.#pending.delete(r.i);
    this.#refresh();
    if (p.aborted) {
      if (r.ok) p.undo?.({ v: r.v, s: r.s });
      return;
    }
    if (r.ok) p.resolve({ v: r.v, s: r.s });
    else p.reject(fromEnvelope(r.e, 'a skein server'));
  }

  #refresh(): void {
    const s = this.#socket;
    if (!s || this.#state === 'dead') return;
    if (this.#pending.size > 0 || (this.#state !== 'ready' && this.#out.length > 0)) s.ref();
    else s.unref();
  }

  #corked = false;
  readonly #uncork = () => {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket?.uncork();
  };

  #write(frame: Buffer, post = false): void {
    if (this.#state === 'ready') {
      // Frames written in one tick leave in one system call (a burst of sends costs one write).
      if (!this.#corked) {
        this.#corked = true;
        this.#socket!.cork();
        process.nextTick(this.#uncork);
      }
      this.#socket!.write(frame);
    } else if (this.#state === 'connecting') this.#out.push({ frame, post });
  }

  /** Hands corked frames to the OS now (before the thread blocks in a …Sync call). */
  flushNow(): void {
    this.#uncork();
  }

  /**
   * Takes the reply-less frames still waiting for the handshake, for the sync helper to send
   * before a blocking call: a thread blocked in `Atomics.wait` cannot finish its own handshake,
   * and the other side may be waiting for those frames (see `wire/sync.ts`).
   */
  takePosts(): Buffer[] {
    if (this.#state !== 'connecting' || this.#out.length === 0) return [];
    const posts = this.#out.filter((f) => f.post).map((f) => f.frame);
    this.#out = this.#out.filter((f) => !f.post);
    this.#refresh();
    return posts;
  }

  /** Writes frames taken from another client of the same thread (in order, before anything else). */
  writeFrames(frames: Buffer[]): void {
    for (const f of frames) this.#write(f, true);
    this.#refresh();
  }

  /** Sends a request that wants no reply (`i = 0`). Throws if the client is dead. */
  post(msg: Outgoing): void {
    if (this.#state === 'dead') throw this.#error!;
    this.#write(encodeFrame({ ...msg, i: 0 }), true);
    this.#refresh();
  }

  /** Sends a request and resolves with its answer. */
  request(msg: Outgoing, options: RequestOptions = {}): Promise<Answer> {
    if (this.#state === 'dead') return Promise.reject(this.#error);
    const { signal, undo } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const entry: Pending = { resolve, reject, aborted: false, undo };
      const onAbort = () => {
        entry.aborted = true;
        if (this.#state !== 'dead') this.#write(encodeFrame({ i: 0, o: 'cancel', c: id }), true);
        reject(signal!.reason);
      };
      if (signal) {
        signal.addEventListener('abort', onAbort, { once: true });
        entry.resolve = (a) => {
          signal.removeEventListener('abort', onAbort);
          resolve(a);
        };
        entry.reject = (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        };
      }
      this.#pending.set(id, entry);
      this.#write(encodeFrame({ ...msg, i: id }));
      this.#refresh();
    });
  }

  /** Resolves once every queued frame has been handed to the OS (or the client died). */
  flushed(): Promise<void> | undefined {
    const done = () =>
      this.#state === 'dead' || (this.#state === 'ready' && (this.#socket?.writableLength ?? 0) === 0);
    if (done()) return undefined;
    return new Promise((resolve) => {
      const check = () => (done() ? resolve() : setTimeout(check, 2));
      check();
    });
  }

  /** Closes the socket (the server releases what this thread held through it). */
  close(): void {
    this.#die(this.#lost());
  }
}

/**
 * Called (by the sync module) when a thread's work is over; stops its sync helper.
 * @internal
 */
let onThreadEnd: (() => Promise<void> | undefined) | undefined;

/** @internal Lets `sync.ts` stop its helper when the thread ends (no import cycle). */
export function setThreadEndHandler(fn: () => Promise<void> | undefined): void {
  onThreadEnd = fn;
}

// When a Thread's target has settled (core/flush-hooks.ts): send what is queued, then close
// every connection of this thread — its own and its sync helper's. A thread that ended is a
// holder that exited: its copies of pipe ends and queues are closed and the manager locks it
// still holds are released, even if its isolate is reused for another thread. The next
// thread in this isolate gets a new owner token.
registerFlushHook(() => {
  const cs = [...clients.values()];
  if (cs.length === 0 && !onThreadEnd) return undefined;
  return (async () => {
    await Promise.all(cs.map((c) => c.flushed()));
    for (const c of cs) c.close();
    await onThreadEnd?.();
    ownerToken = randomUUID();
  })();
});
