/**
 * Entry point of every child process skein forks: serves the worker runtime on the IPC
 * channel (V8 serialization, so Maps, Sets, BigInts, Dates and typed arrays travel).
 *
 * Every child dies with its parent: when the channel closes under it — the parent exited or
 * was killed, even by SIGKILL — it exits too, instead of running on as an orphan (a parent
 * that ends normally has waited for its non-daemon children first, so only daemons and the
 * children of a parent that died are ended this way).
 *
 * @module
 */
import { writeSync } from 'node:fs';
import { serialize } from 'node:v8';
import { currentProcessInfo, setCurrentIdentity, type ThreadIdentity } from './identity.js';
import type { FromWorker } from './protocol.js';
import { fatalMessage, type Runtime, serve } from './worker-runtime.js';

if (typeof process.send !== 'function')
  throw new Error('skein: process-entry must be forked with an IPC channel');

const config = currentProcessInfo();

const send = (batch: FromWorker[]) => {
  if (process.connected) process.send!(batch);
};

// Before dying of an uncaught error: the results not flushed yet and the calls never begun
// (the parent may run those elsewhere), then the error.
let runtime: Runtime | undefined;
const lastWords = (fatal: FromWorker[]) => {
  const msgs = runtime?.dying() ?? [];
  runtime = undefined;
  send([...msgs, ...fatal]);
};

process.on('uncaughtException', (err) => {
  lastWords(fatalMessage(err));
  process.exitCode = 1;
  // Give the IPC message a moment to leave, then die as Node would have.
  setImmediate(() => process.exit(1));
});
process.on('unhandledRejection', (reason) => {
  lastWords(fatalMessage(reason));
  setImmediate(() => process.exit(1));
});

// `process.exit()` inside a task: the IPC channel is asynchronous and the exit handler cannot
// wait, so the last words (results not flushed, calls never begun) are written to the channel's
// file descriptor synchronously, framed as Node's 'advanced' serialization frames them
// (a 4-byte big-endian length, then V8's serialization). Best effort: any failure is ignored.
process.on('exit', () => {
  const msgs = runtime?.dying() ?? [];
  runtime = undefined;
  const fd = (process.channel as { fd?: number } | undefined)?.fd;
  if (msgs.length === 0 || !process.connected || typeof fd !== 'number' || fd < 0) return;
  try {
    const payload = serialize(msgs);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(payload.length);
    writeSync(fd, Buffer.concat([size, payload]));
  } catch {
    // The parent will fail those calls with WorkerDiedError instead.
  }
});

/** Set when this child closes the channel itself (its work is over): not a parent's death. */
let closing = false;
process.on('disconnect', () => {
  if (!closing) process.exit(config.daemon ? 0 : 1);
});

setCurrentIdentity({
  ident: 1,
  name: 'MainThread',
  daemon: false,
  nativeId: 0,
  kind: 'main',
} satisfies ThreadIdentity);

runtime = serve(
  {
    send,
    onMessage: (handler) => process.on('message', handler as (batch: unknown) => void as never),
    close: () => {
      closing = true;
      process.disconnect();
    },
    ownResources: ['PipeWrap', 'ProcessWrap'],
  },
  'process',
);
