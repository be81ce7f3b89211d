/**
 * Entry point of every child process skein forks: serves the worker runtime on the IPC
 * channel (V8 serialization, so Maps, Sets, BigInts, Dates and typed arrays travel).
 *
 * A daemon child (Python's `daemon = True`) dies with its parent: when the channel closes —
 * the parent exited or was killed — it exits too.
 *
 * @module
 */
import { currentProcessInfo, setCurrentIdentity, type ThreadIdentity } from './identity.js';
import type { FromWorker } from './protocol.js';
import { fatalMessage, serve } from './worker-runtime.js';

if (typeof process.send !== 'function')
  throw new Error('skein: process-entry must be forked with an IPC channel');

const config = currentProcessInfo();

const send = (batch: FromWorker[]) => {
  if (process.connected) process.send!(batch);
};

process.on('uncaughtException', (err) => {
  send(fatalMessage(err));
  process.exitCode = 1;
  // Give the IPC message a moment to leave, then die as Node would have.
  setImmediate(() => process.exit(1));
});
process.on('unhandledRejection', (reason) => {
  send(fatalMessage(reason));
  setImmediate(() => process.exit(1));
});

process.on('disconnect', () => {
  if (config.daemon) process.exit(0);
});

setCurrentIdentity({
  ident: 1,
  name: 'MainThread',
  daemon: false,
  nativeId: 0,
  kind: 'main',
} satisfies ThreadIdentity);

serve(
  {
    send,
    onMessage: (handler) => process.on('message', handler as (batch: unknown) => void as never),
    close: () => process.disconnect(),
    ownResources: ['PipeWrap', 'ProcessWrap'],
  },
  'process',
);
