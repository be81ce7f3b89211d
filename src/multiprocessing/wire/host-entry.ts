/**
 * Worker entry of the local host (see `local-host.ts`).
 *
 * @module
 */
import { chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { workerData } from 'node:worker_threads';
import { kinds } from '../hosted/kinds.js';
import { ObjectServer } from './server.js';

const { path, authkey } = workerData as { path: string; authkey: Uint8Array };
const objects = new ObjectServer({ authkey, kinds });
const server = createServer();
objects.attach(server);
server.listen(path, () => {
  if (process.platform !== 'win32') chmodSync(path, 0o600);
});
