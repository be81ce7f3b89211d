/**
 * Truly blocking requests, for the `…Sync` twins: the calling thread posts the
 * request to a helper worker thread and blocks in `Atomics.wait`; the helper does the socket
 * I/O on its own event loop (with its own {@link Client}s), posts the answer back and wakes
 * the caller, who takes the answer with `receiveMessageOnPort` (the "synckit" pattern).
 *
 * ```
 * caller thread                         helper worker (one per calling thread, unref'ed)
 *   flag = 0; port.postMessage(req) -->  clientFor(ref).request(req)  --> server
 *   Atomics.wait(flag, 0, 0)             ... answer ...
 *                                   <--  port.postMessage(answer); flag = 1; notify
 *   receiveMessageOnPort(port)
 * ```
 *
 * The helper's socket is a different connection from the caller's own: requests made through
 * it are ordered among themselves, not with the caller's asynchronous ones (as Python's
 * `multiprocessing.Queue` warns, an item just put may take an instant to be visible).
 *
 * @module
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { type ErrorEnvelope, fromEnvelope } from '../../core/error-transport.js';
import { workerExecArgv } from '../../core/exec-argv.js';
import { waitSync } from '../../core/exit-cleanup.js';
import type { HandleTable } from '../../core/serialize.js';
import { type Answer, allClients, ownerToken, type ServerRef, setThreadEndHandler } from './client.js';
import type { Outgoing } from './protocol.js';

interface Helper {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

let helper: Helper | undefined;

function start(): Helper {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./sync-helper.js', import.meta.url), {
    workerData: { port: port2, flag, token: ownerToken },
    transferList: [port2],
    execArgv: workerExecArgv(), // without `-e`/`--input-type` (exec-argv.ts)
  });
  worker.unref();
  worker.on('error', () => {
    helper = undefined;
  });
  worker.on('exit', () => {
    if (helper?.worker === worker) helper = undefined;
  });
  return { worker, port: port1, flag };
}

setThreadEndHandler(() => {
  const h = helper;
  helper = undefined;
  if (!h) return undefined;
  return h.worker.terminate().then(() => {});
});

/** Reply of the helper. */
export type HelperReply =
  | { ok: true; v: unknown; s: HandleTable | undefined }
  | { ok: false; e: ErrorEnvelope };

/** Sends `msg` to the server of `ref` and blocks the calling thread until it is answered. */
export function requestSync(ref: ServerRef, msg: Outgoing): Answer {
  helper ??= start();
  const h = helper;
  // Frames this thread queued while its own sockets were still connecting would wait forever
  // while it blocks: the helper sends them first (same owner token, so the server counts them
  // as this thread's).
  const flush: { ref: ServerRef; frames: Buffer[] }[] = [];
  for (const c of allClients()) {
    c.flushNow();
    const frames = c.takePosts();
    if (frames.length) flush.push({ ref: c.ref, frames });
  }
  Atomics.store(h.flag, 0, 0);
  h.port.postMessage({ ref, msg, flush });
  while (Atomics.load(h.flag, 0) === 0) waitSync(h.flag, 0, 0, 1000);
  const got = receiveMessageOnPort(h.port);
  if (!got) throw new Error('skein internal error: the sync helper woke without an answer');
  const r = got.message as HelperReply;
  if (!r.ok) throw fromEnvelope(r.e, 'a skein server');
  return { v: r.v, s: r.s };
}
