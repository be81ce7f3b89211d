/**
 * The depot: where the SharedArrayBuffers of a queue item wait between its `put` and its `get`.
 *
 * A queue stores items as bytes in shared memory, and bytes cannot hold a SharedArrayBuffer:
 * only a message between threads can carry one (V8's serializer refuses them, and Node's
 * `v8.Deserializer` cannot receive them out of band). So an item holding shared memory — a
 * skein shared object (a Lock, a Queue…), a SharedArrayBuffer, a view of one — is stored as a
 * depot id plus bytes with placeholders (codec.ts), and its SharedArrayBuffers travel by
 * message to a small dedicated worker thread, the depot (depot-entry.ts), which hands them to
 * whichever thread gets the item. The getter may be blocked in `getSync` with no event loop
 * turning, so it fetches *synchronously*: it posts its request and sleeps in `Atomics.wait`
 * until the depot has answered, then takes the answer with `receiveMessageOnPort`.
 *
 * ```
 *  putter thread                     depot worker                       getter thread
 *   encode → id, sabs
 *   link.postMessage(put id sabs) ─► held.set(id, sabs)
 *   record [TAG_SHARED id bytes] into the queue  ·····························► get record
 *                                    ◄─ link.postMessage(get id flag)     flag = 0
 *                                    held.delete(id)                      Atomics.wait(flag)
 *                                    port.postMessage({id, sabs}) ─►
 *                                    flag = 1; notify ─────────────────► receiveMessageOnPort
 * ```
 *
 * ## Links
 *
 * Every thread talks to the depot over a MessagePort of its own, its *link*. The client never
 * listens on it (no 'message' handler), so replies stay queued for `receiveMessageOnPort`, and
 * an unstarted port keeps no event loop alive.
 *
 * - The main thread makes its link lazily: a `MessageChannel (m, n)`; it keeps `m` and holds
 *   `n`, unstarted, until it starts the depot, which gets `n` in its `workerData`. Messages
 *   posted on `m` meanwhile — including ones transferring other ports — are delivered then.
 * - Starting a skein worker (thread-transport.ts, the one place skein starts worker threads)
 *   makes a `MessageChannel (c, d)`, sends `d` to the depot over the parent's own link
 *   (`{ op: 'link', port: d }`) and gives `c` to the child in `workerData.skein.depot`. Nested
 *   threads do the same with their own link, so every thread skein started has one. Messages
 *   posted on `c` while `d` is still in transit are delivered once `d` arrives.
 * - A worker that skein did not start has no link: putting such an item there is a TypeError,
 *   and so is getting one (the item is then lost: it was already taken from the queue).
 *
 * ## Lazy start
 *
 * Only the main thread starts the depot, and only when it is needed: at once when the main
 * thread itself deposits or fetches; when a worker does, the worker sets the *depot wanted*
 * word of the process-wide state (identity.ts, Int32 word 3: 0 not wanted, 1 wanted, 2
 * started) and notifies it; the main thread keeps an `Atomics.waitAsync` on that word armed
 * (from the moment it first makes a link) and starts the depot when it fires. The depot
 * worker is `unref()`ed: an idle depot never keeps a program alive (nor does the armed wait:
 * a pending `Atomics.waitAsync` holds no event loop handle).
 *
 * **Hazard.** Before the depot exists, a worker's *fetch* waits until the main thread's event
 * loop turns. A main thread blocked synchronously on that worker (`joinSync` on it, a
 * `getSync` waiting for what it will put next) would then deadlock. The depot exists as soon as
 * the main thread deposits or fetches once, so this can only happen when items holding shared
 * memory travel only between workers; call {@link startDepot} early on the main thread to rule
 * it out.
 *
 * ## Ids and ordering
 *
 * An id is `threadId × 2³² + n` (Node's `threadId` is unique in the process and never reused;
 * `n` counts this thread's deposits from 1), a double: unique process-wide without any shared
 * counter. Id 0 means "nothing deposited". Each id is deposited once (an item is re-encoded on
 * every put) and either fetched once or dropped once.
 *
 * Atomics: the flag is written with `Atomics.store` by both sides and read with `Atomics.load`
 * (sequentially consistent); it only orders the reply message, which the depot enqueues
 * before storing 1 (see depot-entry.ts). The wait is sliced (1 s) so a lost wake-up could
 * only ever delay, never hang, a fetch. The wanted word moves 0 → 1 by `compareExchange`
 * (many workers may race; one wins, the rest see it set) and → 2 by `Atomics.store` in the
 * main thread alone.
 *
 * @module
 */
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  threadId,
  Worker,
  workerData,
} from 'node:worker_threads';
import { workerExecArgv } from './exec-argv.js';
import { waitSync } from './exit-cleanup.js';
import { processState, type SkeinWorkerData } from './identity.js';
import { workerEntry } from './worker-url.js';

/** Index of the "depot wanted" word in the process-wide state (see identity.ts). */
const WANTED = 3;
const NOT_WANTED = 0;
const IS_WANTED = 1;
const STARTED = 2;

const words = new Int32Array(processState);
/** This thread's reply flag (word 0: 0 waiting, 1 answered). */
const flag = new Int32Array(new SharedArrayBuffer(4));
/** Where this thread's ids start: its threadId in the high part. */
const idBase = threadId * 2 ** 32;
let counter = 0;

/** This thread's link; `undefined` until first needed (main) or when it has none. */
let link: MessagePort | undefined;
/** Main thread: the depot's end of the main thread's link, until the depot starts. */
let depotEnd: MessagePort | undefined;
/** Main thread: the depot worker, once started. */
let depot: Worker | undefined;

/** This thread's link, making the main thread's on first use; `undefined` when it has none. */
function ownLink(): MessagePort | undefined {
  if (link !== undefined) return link;
  if (isMainThread) {
    const { port1, port2 } = new MessageChannel();
    link = port1;
    depotEnd = port2;
    armWanted();
  } else {
    link = (workerData as { skein?: SkeinWorkerData } | null | undefined)?.skein?.depot;
  }
  link?.unref();
  return link;
}

/** Main thread: start the depot when a worker asks for it (see "Lazy start"). */
function armWanted(): void {
  const r = Atomics.waitAsync(words, WANTED, NOT_WANTED);
  if (r.async) void r.value.then(() => startDepot());
  else queueMicrotask(() => startDepot());
}

/**
 * Starts the depot worker now if it is not running (main thread only; elsewhere a no-op).
 * skein starts it by itself when needed; calling this early on the main thread rules out the
 * hazard described in the module notes.
 */
export function startDepot(): void {
  if (!isMainThread || depot !== undefined) return;
  ownLink();
  const end = depotEnd!;
  depotEnd = undefined;
  const e = workerEntry(import.meta.url, 'depot-entry');
  depot = new Worker(e.url, {
    eval: e.eval,
    workerData: { port: end },
    transferList: [end],
    name: 'skein depot',
    execArgv: workerExecArgv(), // without `-e`/`--input-type` (exec-argv.ts)
  });
  depot.unref();
  Atomics.store(words, WANTED, STARTED);
  Atomics.notify(words, WANTED);
}

/** Makes sure the depot exists or will: started here (main) or asked for (workers). */
function want(): void {
  if (isMainThread) startDepot();
  else if (Atomics.load(words, WANTED) === NOT_WANTED) {
    Atomics.compareExchange(words, WANTED, NOT_WANTED, IS_WANTED);
    Atomics.notify(words, WANTED);
  }
}

function noLink(what: string): TypeError {
  return new TypeError(
    `${what}: this worker thread was not started by skein, so it has no link to skein's depot, which carries ` +
      'shared memory (skein shared objects, SharedArrayBuffers) inside queue items. Start the thread with ' +
      'skein (Thread, a pool), or pass the shared object as a Thread argument.',
  );
}

/** True when this thread can deposit and fetch (it has a link). */
export function hasDepotLink(): boolean {
  return ownLink() !== undefined;
}

/**
 * Deposits `sabs` and returns their new id. Never waits: the depot may not even exist yet.
 * @param what how to name the value in the error.
 * @throws TypeError when this thread has no link.
 */
export function deposit(sabs: SharedArrayBuffer[], what: string): number {
  const port = ownLink();
  if (port === undefined) throw noLink(`${what} cannot be put in a queue`);
  const id = idBase + ++counter;
  want();
  port.postMessage({ op: 'put', id, sabs });
  return id;
}

/** Tells the depot to forget `id` (its put failed, or its item was discarded). Never waits. */
export function drop(id: number): void {
  ownLink()?.postMessage({ op: 'drop', id });
}

/** Sends `msg` and blocks until the depot answers it on this thread's link. */
function request(port: MessagePort, msg: object): unknown {
  want();
  Atomics.store(flag, 0, 0);
  port.postMessage({ ...msg, flag });
  while (Atomics.load(flag, 0) === 0) waitSync(flag, 0, 0, 1000);
  const got = receiveMessageOnPort(port);
  if (got === undefined)
    throw new Error('skein internal error: the depot woke this thread without an answer');
  return got.message;
}

/**
 * Takes the SharedArrayBuffers deposited under `id`, blocking until the depot answers (a
 * deposit still on its way is waited for). Removes them from the depot.
 * @throws TypeError when this thread has no link.
 */
export function withdraw(id: number): SharedArrayBuffer[] {
  const port = ownLink();
  if (port === undefined) throw noLink('a queue item holding shared memory cannot be got here');
  const reply = request(port, { op: 'get', id }) as { id: number; sabs: SharedArrayBuffer[] };
  if (reply.id !== id) throw new Error(`skein internal error: the depot answered ${reply.id} for ${id}`);
  return reply.sabs;
}

/** What the depot holds (for tests): items in transit, early gets, early drops. */
export interface DepotStats {
  held: number;
  pending: number;
  dropped: number;
}

/**
 * Asks the depot what it holds, after every message this thread sent before (for tests).
 * Starts the depot when called on the main thread.
 */
export function depotStats(): DepotStats {
  const port = ownLink();
  if (port === undefined) throw noLink('depotStats');
  return request(port, { op: 'stats' }) as DepotStats;
}

/** True once the depot worker was started (main thread: by this thread; elsewhere: by anyone). */
export function depotStarted(): boolean {
  return Atomics.load(words, WANTED) === STARTED;
}

/**
 * A link for a worker thread about to start: its end goes to the child (transfer it), the
 * other end to the depot over this thread's link. `undefined` when this thread has none.
 */
export function linkForChild(): MessagePort | undefined {
  const port = ownLink();
  if (port === undefined) return undefined;
  const { port1, port2 } = new MessageChannel();
  port.postMessage({ op: 'link', port: port2 }, [port2]);
  return port1;
}
