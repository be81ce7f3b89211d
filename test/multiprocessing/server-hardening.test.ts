/**
 * The object server survives any frame (issue 11 §2): validated requests, a fuzzing peer,
 * the handshake deadline and cap, `Manager.connect`'s timeout, and stacks kept from remote
 * peers.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import { ConnectionError } from 'skein';
import { Manager } from 'skein/multiprocessing';
import { rejectsWith, rng, SEED } from '../helpers.ts';

const AUTHKEY = 'fuzz key';

function frame(msg: unknown): Buffer {
  const body = serialize(msg);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** A raw peer that knows the authkey and speaks the wire protocol by hand. */
class RawPeer {
  readonly replies = new Map<number, { ok: boolean; v?: unknown; e?: { name: string; message: string } }>();
  closed = false;
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {}

  static open(port: number, host: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      const peer = new RawPeer(socket);
      let stage = 0;
      socket.on('error', () => {});
      socket.on('close', () => {
        peer.closed = true;
        if (stage < 2) reject(new Error('closed during the handshake'));
        peer.#wake();
      });
      socket.on('data', (chunk: Buffer) => {
        peer.#buf = Buffer.concat([peer.#buf, chunk]);
        while (peer.#buf.length >= 4 && peer.#buf.length >= 4 + peer.#buf.readUInt32BE(0)) {
          const len = peer.#buf.readUInt32BE(0);
          const msg = deserialize(peer.#buf.subarray(4, 4 + len)) as Record<string, unknown>;
          peer.#buf = peer.#buf.subarray(4 + len);
          if (stage === 0) {
            stage = 1;
            const d = createHmac('sha256', AUTHKEY)
              .update('skein/client')
              .update(msg.n as Uint8Array)
              .digest();
            socket.write(frame({ d, n: randomBytes(32), u: 'fuzzer' }));
          } else if (stage === 1) {
            stage = 2;
            if (msg.ok !== true) reject(new Error('refused'));
            else resolve(peer);
          } else {
            peer.replies.set(msg.i as number, msg as never);
            peer.#wake();
          }
        }
      });
    });
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }

  /** Resolves with reply `id`, or undefined once the connection is closed without it. */
  async reply(id: number): Promise<{ ok: boolean; v?: unknown } | undefined> {
    for (;;) {
      const r = this.replies.get(id);
      if (r) return r;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('object server hardening', { timeout: 600_000 }, () => {
  test('a null frame, and any malformed request, fails only its sender', async () => {
    const m = await Manager({ address: { port: 0 }, authkey: AUTHKEY });
    try {
      const { host, port } = m.address as { host: string; port: number };
      const d = await m.dict<string, number>({ kept: 1 });
      const peer = await RawPeer.open(port, host);
      // Well-framed but malformed requests with an id: an error reply each, connection kept.
      const bad: unknown[] = [
        { i: 1 },
        { i: 2, o: 'call' },
        { i: 3, o: 'call', t: 'x', m: 'get', a: 'not an array' },
        { i: 4, o: 'hold', t: 'x', e: 7, d: 1 },
        { i: 5, o: 'nope' },
        { i: 6, o: 'call', t: 'x', m: 'get', a: [], w: Number.NaN },
        { i: 7, o: 'ping', extra: true },
        { i: 8, o: 'create', t: 'y', k: ['no such kind'] },
        { i: 9, o: 'create', t: 'z', k: ['semaphore', -5] },
      ];
      for (const b of bad) peer.socket.write(frame(b));
      for (let i = 1; i <= bad.length; i++) {
        const r = await peer.reply(i);
        assert.equal(r?.ok, false, `request ${i} is refused`);
      }
      peer.socket.write(frame({ i: 10, o: 'ping' }));
      assert.equal((await peer.reply(10))?.ok, true, 'the peer is still served');
      // Not a request at all: that peer's connection is closed.
      peer.socket.write(frame(null));
      assert.equal(await peer.reply(11), undefined);
      assert.ok(peer.closed);
      // Everyone else goes on, state intact.
      assert.equal(await d.get('kept'), 1);
      const other = await Manager.connect({ address: { host, port }, authkey: AUTHKEY });
      await other.shutdown();
    } finally {
      await m.shutdown();
    }
  });

  test('fuzz: 10,000 random and mutated frames; legitimate clients are still served, state intact', async () => {
    const seed = SEED;
    const frames = Number(process.env.SKEIN_FUZZ_FRAMES ?? 10_000);
    console.log(`# fuzz seed ${seed} (SKEIN_SEED=${seed} to replay), ${frames} frames`);
    const rand = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const m = await Manager({ address: { port: 0 }, authkey: AUTHKEY });
    try {
      const { host, port } = m.address as { host: string; port: number };
      const d = await m.dict<string, unknown>({ a: 1, b: [1, 2, 3], c: { x: 'y' } });
      const l = await m.list<number>([3, 1, 2]);
      const lock = await m.Lock();
      const q = await m.Queue<string>();
      await q.put('kept');

      const ops = [
        'ensure',
        'create',
        'call',
        'hold',
        'ticket',
        'claim',
        'cancel',
        'ping',
        'publish',
        'lookup',
      ];
      const kinds = [
        'dict',
        'list',
        'namespace',
        'lock',
        'rlock',
        'semaphore',
        'event',
        'condition',
        'barrier',
      ];
      const kindSpecs = [
        ...kinds.map((k) => [k]),
        ['queue', 2, true],
        ['pipe', true],
        ['value', 'i', 3],
        ['array', 'd', [1, 2]],
        ['barrier', 2, 50],
        ['semaphore', 2],
      ];
      const methods = [
        'get',
        'set',
        'delete',
        'pop',
        'append',
        'extend',
        'insert',
        'remove',
        'index',
        'sort',
        'update',
        'acquire',
        'release',
        'wait',
        'notify',
        'notifyAll',
        'put',
        'unget',
        'taskDone',
        'send',
        'recv',
        'poll',
        'abort',
        'reset',
        'clear',
        'copy',
        'items',
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
      ];
      const ids = ['f1', 'f2', 'f3', 'f4', 'p1'];
      const junk = (): unknown =>
        pick<() => unknown>([
          () => null,
          () => undefined,
          () => Number.NaN,
          () => -1,
          () => 2 ** 53 + 7,
          () => -(2 ** 40),
          () => Number.POSITIVE_INFINITY,
          () => 1e308,
          () => 0.5,
          () => 'x'.repeat(Math.floor(rand() * 600)),
          () => '',
          () => ({}),
          () => ({ __proto__: null, a: 1 }),
          () => [null, [], {}],
          () => [1, 2, 3],
          () => new Map([[{}, 1]]),
          () => new Set([1]),
          () => 12n ** 40n,
          () => new Uint8Array(16),
          () => new Date(0),
          () => true,
          () => pick(ids),
          () => pick(kindSpecs),
          () => Array.from({ length: 70 }, () => 1),
        ])();
      const request = (i: number): Record<string, unknown> => {
        const o = rand() < 0.05 ? junk() : pick(ops);
        const r: Record<string, unknown> = { i, o };
        const t = rand() < 0.85 ? pick(ids) : junk();
        switch (o) {
          case 'create':
          case 'ensure':
            Object.assign(r, { t, k: rand() < 0.8 ? pick(kindSpecs) : junk() });
            break;
          case 'call':
            Object.assign(r, {
              t,
              m: rand() < 0.9 ? pick(methods) : junk(),
              a: rand() < 0.9 ? Array.from({ length: Math.floor(rand() * 4) }, junk) : junk(),
              // Short waits only: parked requests must end within the test.
              w: rand() < 0.9 ? pick([0, 1, 5]) : junk(),
              u: rand() < 0.9 ? 'fuzzer' : junk(),
            });
            if (rand() < 0.2) r.k = pick(kindSpecs);
            if (rand() < 0.1) r.s = rand() < 0.5 ? ['skein.Nothing'] : junk();
            if (rand() < 0.1) r.h = rand() < 0.5 ? [['anchor', pick(ids)]] : junk();
            break;
          case 'hold':
            Object.assign(r, {
              t,
              e: rand() < 0.8 ? pick([0, 1]) : junk(),
              d: rand() < 0.8 ? pick([1, -1]) : junk(),
            });
            break;
          case 'ticket':
          case 'claim':
            Object.assign(r, {
              t,
              e: rand() < 0.8 ? 0 : junk(),
              x: rand() < 0.8 ? pick(['x1', 'x2']) : junk(),
            });
            break;
          case 'cancel':
            r.c = rand() < 0.7 ? Math.floor(rand() * i) : junk();
            break;
          case 'publish':
            Object.assign(r, { n: rand() < 0.8 ? pick(['n1', 'n2']) : junk(), r: junk() });
            break;
          case 'lookup':
            r.n = rand() < 0.8 ? pick(['n1', 'n2', 'n3']) : junk();
            break;
        }
        // Mutations: drop, retype or add a field; sometimes a wrong id.
        const roll = rand();
        if (roll < 0.15) {
          const keys = Object.keys(r);
          r[pick(keys)] = junk();
        } else if (roll < 0.2) delete r[pick(Object.keys(r))];
        else if (roll < 0.25) r[pick(['z', 'constructor', '__proto__', 'x', 'e'])] = junk();
        return r;
      };

      let peer = await RawPeer.open(port, host);
      let sent = 0;
      let reconnects = 0;
      let nextId = 1;
      while (sent < frames) {
        // A batch, then a ping to learn that the server read it (and whether we were dropped).
        const batch: Buffer[] = [];
        for (let k = 0; k < 200 && sent < frames; k++, sent++) {
          const roll = rand();
          if (roll < 0.004) {
            // Frame-level garbage: an oversized length, a truncated frame, random bytes, null.
            batch.push(
              pick([
                () => Buffer.from([0xff, 0xff, 0xff, 0xff]),
                () => {
                  const f = frame(request(nextId++));
                  return f.subarray(0, Math.max(1, f.length - 3));
                },
                () => Buffer.concat([Buffer.from([0, 0, 0, 8]), randomBytes(8)]),
                () => frame(null),
                () => frame(pick([42, 'text', [1, 2], true])),
              ])(),
            );
          } else batch.push(frame(request(nextId++)));
        }
        const pingId = nextId++;
        batch.push(frame({ i: pingId, o: 'ping' }));
        peer.socket.write(Buffer.concat(batch));
        const pong = await peer.reply(pingId);
        if (!pong) {
          reconnects++;
          peer.close();
          peer = await RawPeer.open(port, host);
        }
      }
      peer.close();
      console.log(`# fuzz: ${sent} frames sent, ${reconnects} connections closed by the server`);
      assert.ok(sent >= frames);

      // The server is alive; every legitimate client is served and its state is intact.
      assert.deepEqual(
        await d.copy(),
        new Map<string, unknown>([
          ['a', 1],
          ['b', [1, 2, 3]],
          ['c', { x: 'y' }],
        ]),
      );
      assert.deepEqual(await l.copy(), [3, 1, 2]);
      assert.equal(await lock.acquire({ timeout: 60_000 }), true);
      await lock.release();
      assert.equal(await q.get({ timeout: 60_000 }), 'kept');
      const other = await Manager.connect({ address: { host, port }, authkey: AUTHKEY });
      const od = await other.dict<string, number>({ fresh: 2 });
      assert.equal(await od.get('fresh'), 2);
      await other.shutdown();
    } finally {
      await m.shutdown();
    }
  });

  test('a TCP peer that never finishes the handshake is closed; handshake slots are capped', async () => {
    const m = await Manager({ address: { port: 0 }, authkey: AUTHKEY });
    const sockets: Socket[] = [];
    try {
      const { host, port } = m.address as { host: string; port: number };
      // 80 silent peers: the server greets the first 64 and closes the rest at once.
      const results = await Promise.all(
        Array.from(
          { length: 80 },
          () =>
            new Promise<number>((resolve) => {
              const s = connect(port, host);
              sockets.push(s);
              let got = 0;
              s.on('data', (b: Buffer) => {
                got += b.length;
              });
              s.on('error', () => {});
              s.on('close', () => resolve(got));
            }),
        ),
      );
      // Every one of them was closed by the server (the deadline, or the cap).
      assert.equal(results.length, 80);
      // At most 64 are greeted while the first ones wait out their deadline (on a very slow
      // machine a deadline may free a slot before the last peers connect: hence not exactly 16).
      assert.ok(
        results.filter((n) => n === 0).length >= 1,
        'peers beyond the cap are closed without a challenge',
      );
      // And a legitimate client is served afterwards.
      const other = await Manager.connect({ address: { host, port }, authkey: AUTHKEY });
      await other.shutdown();
    } finally {
      for (const s of sockets) s.destroy();
      await m.shutdown();
    }
  });

  test('Manager.connect fails with ConnectionError on a closed port or a silent server', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const freePort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await rejectsWith(
      Manager.connect({ address: { host: '127.0.0.1', port: freePort }, authkey: 'k', timeout: 60_000 }),
      ConnectionError,
      /cannot reach/,
    );
    // Something listens but never answers.
    const held: Socket[] = [];
    const silent = createServer((s) => held.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      await rejectsWith(
        Manager.connect({ address: { host: '127.0.0.1', port }, authkey: 'k', timeout: 300 }),
        ConnectionError,
        /no manager answered/,
      );
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
    await rejectsWith(
      Manager.connect({ address: { host: '127.0.0.1', port: 1 }, authkey: 'k', timeout: -1 }),
      RangeError,
    );
  });

  test("error replies to a TCP peer carry class, message and code, not the server's stack", async () => {
    const m = await Manager({ address: { port: 0 }, authkey: AUTHKEY });
    try {
      const { host, port } = m.address as { host: string; port: number };
      // A local peer (Unix socket) keeps the server's stack.
      await using unix = await Manager();
      const local = await unix.dict<string, number>();
      const localErr = (await local.pop('missing').catch((e: Error) => e)) as Error;
      assert.ok(localErr instanceof RangeError);
      assert.match(localErr.stack ?? '', /containers/, 'a local peer sees where the server threw');
      const remote = await Manager.connect({ address: { host, port }, authkey: AUTHKEY });
      const rd = await remote.dict<string, number>();
      const err = (await rd.pop('missing').catch((e: Error) => e)) as Error;
      assert.ok(err instanceof RangeError);
      assert.match(err.message, /KeyError/);
      assert.doesNotMatch(err.stack ?? '', /containers|server\.js/, 'no server frames for a remote peer');
      const sem = await remote.BoundedSemaphore(1);
      const over = (await sem.release().catch((e: Error) => e)) as Error & { code?: string };
      assert.equal(over.name, 'ValueError');
      assert.equal(over.code, 'ERR_SKEIN_VALUE');
      await remote.shutdown();
    } finally {
      await m.shutdown();
    }
  });
});
