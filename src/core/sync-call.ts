/**
 * Truly blocking calls of asynchronous work, for `…Sync` twins whose work is
 * socket I/O that needs an event loop: the calling thread posts the call to a helper worker
 * thread and sleeps in `Atomics.wait`; the helper runs the call on its own event loop, posts
 * the answer back and wakes the caller, who takes it with `receiveMessageOnPort` (the same
 * pattern as the Manager's `multiprocessing/wire/sync.ts`, made generic: the helper runs a
 * named export of a skein module instead of one fixed request).
 *
 * ```
 * caller thread                             helper worker (one per calling thread, unref'ed)
 *   flag = 0; port.postMessage(call)  --->   (await import(module))[handler](payload)
 *   Atomics.wait(flag, 0, 0)                 ... I/O ...
 *                                      <---  port.postMessage(answer); flag = 1; notify
 *   receiveMessageOnPort(port)
 * ```
 *
 * - **Which code runs.** Only modules inside skein's own package may be named (checked against
 *   this file's location); the payload is data (structured clone) and is never evaluated.
 * - **State.** A handler module keeps whatever state it likes in the helper (connections, for
 *   example) and may run timers there: the helper's event loop turns while the caller sleeps,
 *   which is what lets it keep leases alive on the caller's behalf during a long blocking wait.
 * - **Liveness.** The helper is `unref()`ed, so an idle helper never keeps a program alive.
 *   The wait is sliced (1 s) so a lost wake-up could only delay an answer, never hang it.
 *
 * @module
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { type ErrorEnvelope, fromEnvelope } from './error-transport.js';

interface Helper {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

/** A call the helper runs: `(await import(module))[handler](payload)`. */
export interface SyncCall {
  /** URL of a module of this package. */
  module: string;
  /** Name of its exported async function. */
  handler: string;
  /** Structured-cloneable argument. */
  payload: unknown;
}

/** The helper's answer. */
export type SyncAnswer = { ok: true; v: unknown } | { ok: false; e: ErrorEnvelope };

/** The root of skein's package (`dist/`, or `src/` under a TypeScript loader). */
export const PACKAGE_ROOT: string = new URL('../', import.meta.url).href;

let helper: Helper | undefined;

function start(): Helper {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./sync-call-entry.js', import.meta.url), {
    workerData: { port: port2, flag },
    transferList: [port2],
  });
  worker.unref();
  const forget = () => {
    if (helper?.worker === worker) helper = undefined;
  };
  worker.on('error', forget);
  worker.on('exit', forget);
  return { worker, port: port1, flag };
}

/**
 * Runs `handler(payload)` of `module` (an async export of a skein module) on this thread's
 * helper and blocks the calling thread until it settles.
 * @returns the handler's result (structured-cloned).
 * @throws the handler's error, rebuilt as its class (error-transport.ts);
 *   TypeError when `module` is not part of skein.
 */
export function blockingCall(module: URL | string, handler: string, payload: unknown): unknown {
  const href = typeof module === 'string' ? module : module.href;
  if (!href.startsWith(PACKAGE_ROOT)) throw new TypeError(`blockingCall: ${href} is not a module of skein`);
  helper ??= start();
  const h = helper;
  Atomics.store(h.flag, 0, 0);
  const call: SyncCall = { module: href, handler, payload };
  h.port.postMessage(call);
  while (Atomics.load(h.flag, 0) === 0) Atomics.wait(h.flag, 0, 0, 1000);
  const got = receiveMessageOnPort(h.port);
  if (!got) throw new Error('skein internal error: the sync helper woke without an answer');
  const r = got.message as SyncAnswer;
  if (!r.ok) throw fromEnvelope(r.e, 'the sync helper');
  return r.v;
}

/** Stops this thread's helper (if any), ending whatever state its handlers kept there. */
export async function stopSyncHelper(): Promise<void> {
  const h = helper;
  helper = undefined;
  if (h) await h.worker.terminate();
}
