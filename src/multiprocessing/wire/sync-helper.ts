/**
 * Worker entry of the sync helper (see `sync.ts`): serves one calling thread's blocking
 * requests, one at a time (the caller is blocked until each is answered).
 *
 * @module
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { toEnvelope } from '../../core/error-transport.js';
import type { HandleTable } from '../../core/serialize.js';
import { adoptOwnerToken, clientFor, type ServerRef } from './client.js';
import type { Outgoing } from './protocol.js';
import type { HelperReply } from './sync.js';

const { port, flag, token } = workerData as { port: MessagePort; flag: Int32Array; token: string };
adoptOwnerToken(token);

port.on(
  'message',
  (m: { ref: ServerRef; msg: Outgoing; flush: { ref: ServerRef; frames: Uint8Array[] }[] }) => {
    const answer = (r: HelperReply) => {
      port.postMessage(r);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    };
    let p: Promise<{ v: unknown; s: HandleTable | undefined }>;
    try {
      for (const f of m.flush)
        clientFor(f.ref).writeFrames(f.frames.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
      p = clientFor(m.ref).request(m.msg);
    } catch (err) {
      answer({ ok: false, e: toEnvelope(err) });
      return;
    }
    p.then(
      (a) => answer({ ok: true, v: a.v, s: a.s }),
      (err) => answer({ ok: false, e: toEnvelope(err) }),
    );
  },
);
