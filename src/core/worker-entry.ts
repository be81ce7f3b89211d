/**
 * Entry point of every worker thread skein starts: serves the worker runtime on `parentPort`.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';
import { fatalMessage, serve } from './worker-runtime.js';
import { installSyncStdio } from './worker-stdio.js';

const port = parentPort;
if (port === null) throw new Error('skein: worker-entry must run in a worker thread');

installSyncStdio();

// An error that escapes every task kills the worker; tell the parent what it was first, so
// the tasks it held fail with it rather than with a bare exit code.
process.on('uncaughtException', (err) => {
  port.postMessage(fatalMessage(err));
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  port.postMessage(fatalMessage(reason));
  process.exit(1);
});

serve(
  {
    send: (batch: FromWorker[]) => port.postMessage(batch),
    onMessage: (handler) => port.on('message', handler as (batch: ToWorker[]) => void),
    close: () => port.close(),
    ownResources: ['MessagePort'],
  },
  'thread',
);
