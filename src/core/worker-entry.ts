/**
 * Entry point of every worker thread skein starts: serves the worker runtime on `parentPort`.
 *
 * @module
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';
import { fatalMessage, type Runtime, serve } from './worker-runtime.js';
import { installSyncStdio } from './worker-stdio.js';

const port = parentPort;
if (port === null) throw new Error('skein: worker-entry must run in a worker thread');

installSyncStdio();

// An error that escapes every task kills the worker; tell the parent what it was first, so
// the tasks it held fail with it rather than with a bare exit code — after the results not
// flushed yet and the calls never begun (which the parent may run elsewhere).
let runtime: Runtime | undefined;
const lastWords = (fatal: FromWorker[]) => {
  const msgs = runtime?.dying() ?? [];
  runtime = undefined;
  if (msgs.length + fatal.length > 0) port.postMessage([...msgs, ...fatal]);
};
process.on('uncaughtException', (err) => {
  lastWords(fatalMessage(err));
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  lastWords(fatalMessage(reason));
  process.exit(1);
});
// `process.exit()` inside a task: messages posted from the exit handler still arrive.
process.on('exit', () => lastWords([]));

runtime = serve(
  {
    send: (batch: FromWorker[]) => port.postMessage(batch),
    onMessage: (handler) => port.on('message', handler as (batch: ToWorker[]) => void),
    close: () => port.close(),
    ownResources: ['MessagePort'],
    poll: () => receiveMessageOnPort(port)?.message as ToWorker[] | undefined,
    progress: (workerData as { skein?: { progress?: Float64Array } } | null)?.skein?.progress,
  },
  'thread',
);
