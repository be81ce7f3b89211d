/**
 * Worker entry of the generic sync helper (see `sync-call.ts`): runs one calling thread's
 * blocking calls, one at a time (the caller sleeps until each is answered).
 *
 * @module
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { toEnvelope } from './error-transport.js';
import { PACKAGE_ROOT, type SyncAnswer, type SyncCall } from './sync-call.js';

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };

port.on('message', (m: SyncCall) => {
  const answer = (r: SyncAnswer) => {
    // The answer is queued on the port before the flag flips, so the woken caller finds it.
    port.postMessage(r);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  const run = async (): Promise<unknown> => {
    if (!m.module.startsWith(PACKAGE_ROOT)) throw new TypeError(`${m.module} is not a module of skein`);
    const mod = (await import(m.module)) as Record<string, unknown>;
    const fn = mod[m.handler];
    if (typeof fn !== 'function') throw new TypeError(`${m.module} has no handler ${m.handler}`);
    return await (fn as (p: unknown) => unknown)(m.payload);
  };
  run().then(
    (v) => answer({ ok: true, v }),
    (err) => answer({ ok: false, e: toEnvelope(err) }),
  );
});
