/**
 * `Pipe()`: Python's `multiprocessing.Pipe`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { Connection } from './connection.js';
import { clientFor } from './wire/client.js';
import { localHost } from './wire/local-host.js';

/**
 * Creates a pipe and returns its two ends (Python's `multiprocessing.Pipe(duplex=True)`).
 * With `duplex` (the default) both ends send and receive; `Pipe(false)` returns
 * `[reader, writer]`. The ends work between async tasks, threads and processes: pass one
 * to a `Thread` or `Process` as an argument, and the child gets its own copy of it.
 *
 * `recv` throws `EOFError` once the pipe is drained and every copy of the other end is closed
 * (or its holder exited) — so close the ends you do not use, as in Python.
 *
 * The pipe's buffers live in a helper thread of the creating thread (see `wire/local-host.ts`).
 *
 * @example
 * const [reader, writer] = Pipe(false);
 * const p = new Process({ target: (w) => { w.send('hi'); w.close(); }, args: [writer] });
 * p.start();
 * writer.close(); // the parent does not write: close its copy
 * console.log(await reader.recv()); // 'hi'
 * await reader.recv(); // throws EOFError: every writer is closed
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  if (typeof duplex !== 'boolean') throw new TypeError('Pipe(duplex): duplex must be a boolean');
  const ref = localHost();
  const id = randomUUID();
  const client = clientFor(ref);
  // The creator's copies first, then its confirmation (see "Creation races" in wire/server.ts).
  client.post({ o: 'hold', t: id, e: 0, d: 1, k: ['pipe', duplex] });
  client.post({ o: 'hold', t: id, e: 1, d: 1, k: ['pipe', duplex] });
  client.post({ o: 'ensure', t: id, k: ['pipe', duplex], c: 1 });
  return [new Connection<T>(ref, id, 0, duplex), new Connection<T>(ref, id, 1, duplex)];
}
