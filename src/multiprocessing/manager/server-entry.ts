/**
 * Entry of a manager's server process (forked by `Manager()`): receives its address and
 * authkey over the IPC channel (never on the command line or in the environment, where other
 * users could read them), listens, reports the bound address, and serves until told to shut
 * down or until its parent goes away (the IPC channel disconnects).
 *
 * @module
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { kinds } from '../hosted/kinds.js';
import { ObjectServer } from '../wire/server.js';

interface Config {
  address: string | { host: string; port: number };
  authkey: Uint8Array;
  /** The socket's folder was made for this server (`wire/temp-dir.ts`), not given by the user. */
  ownDir: boolean;
}

if (typeof process.send !== 'function') throw new Error('skein: the manager server must be forked with IPC');

let config: Config | undefined;

// The parent is gone (it exited, or was killed — even by SIGKILL, which it could not clean up
// after): remove the socket folder made for this server, and stop.
process.on('disconnect', () => {
  if (config?.ownDir && typeof config.address === 'string' && process.platform !== 'win32') {
    try {
      rmSync(dirname(config.address), { recursive: true, force: true });
    } catch {
      // Already removed by the parent.
    }
  }
  process.exit(0);
});

process.once('message', (cfg: Config) => {
  config = cfg;
  const objects = new ObjectServer({ authkey: Uint8Array.from(cfg.authkey), kinds });
  const server = createServer();
  objects.attach(server);
  server.on('error', (err) => {
    process.send!({ error: { message: err.message, code: (err as NodeJS.ErrnoException).code } });
    process.exit(1);
  });
  const ready = () => {
    const a = server.address();
    if (typeof cfg.address === 'string' && process.platform !== 'win32') chmodSync(cfg.address, 0o600);
    process.send!({
      ready: typeof a === 'string' || a === null ? cfg.address : { host: a.address, port: a.port },
    });
  };
  if (typeof cfg.address === 'string') server.listen(cfg.address, ready);
  else server.listen(cfg.address.port, cfg.address.host, ready);
  process.on('message', (m) => {
    if (m !== 'shutdown') return;
    server.close();
    objects.closeAll();
    process.exit(0);
  });
});
