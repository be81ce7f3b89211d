/**
 * The local host: the object server for the pipes and process queues a thread creates. It
 * runs in a helper worker thread of the creating thread (unref'ed: it never keeps the program
 * alive), so a `recvSync` or `getSync` that blocks the creating thread cannot block the server.
 * It listens on a Unix socket inside a private `mkdtemp` directory (mode 0700; the socket
 * itself is chmod 0600; removed when the program ends, even by SIGINT/SIGTERM: `temp-dir.ts`) and authenticates every connection with a random 32-byte key, which
 * travels to children inside the descriptors of the objects passed to them.
 *
 * The address is chosen synchronously (so `Pipe()` and `new Queue()` return at once); clients
 * retry connecting for a few seconds while the worker starts.
 *
 * Limitation (documented in the README of multiprocessing): the state lives as long as the
 * creating thread — a pipe or queue whose creating process has exited reads as closed
 * (`EOFError`), unlike an OS pipe, which outlives its creator.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../../core/exec-argv.js';
import type { ServerRef } from './client.js';
import { makeTempDir } from './temp-dir.js';

let local: ServerRef | undefined;

/** The server reference of this thread's local host (starting it on first use). */
export function localHost(): ServerRef {
  if (local) return local;
  const dir = makeTempDir().path;
  const path = process.platform === 'win32' ? `\\\\.\\pipe\\${dir.replace(/[\\/:]/g, '-')}` : join(dir, 'h');
  const authkey = randomBytes(32);
  const worker = new Worker(new URL('./host-entry.js', import.meta.url), {
    workerData: { path, authkey },
    execArgv: workerExecArgv(), // without `-e`/`--input-type` (exec-argv.ts)
  });
  worker.unref();
  const ref: ServerRef = { address: path, authkey: new Uint8Array(authkey), role: 'local' };
  worker.on('error', (err) => {
    process.emitWarning(`skein: the local pipe/queue host failed: ${err.message}`);
    if (local === ref) local = undefined;
  });
  local = ref;
  return ref;
}
