import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthenticationError,
  BrokenBarrierError,
  DeadlockError,
  RuntimeError,
  ShutDown,
  ValueError,
} from 'skein';
import {
  type DictProxy,
  type EventProxy,
  type ListProxy,
  type LockProxy,
  Manager,
  Process,
  type SyncManager,
} from 'skein/multiprocessing';
import { Thread } from 'skein/threading';
import { rejectsWith } from '../helpers.ts';

describe('Manager', { timeout: 1_800_000 }, () => {
  let m: SyncManager;
  before(async () => {
    m = await Manager();
  });
  after(async () => {
    await m.shutdown();
  });

  test('dict: every method, values of any V8 type', async () => {
    const d = await m.dict<string, unknown>({ a: 1 });
    await d.set('b', new Map([[1, [2n]]]));
    assert.deepEqual(await d.get('b'), new Map([[1, [2n]]]));
    assert.equal(await d.get('zz'), undefined);
    assert.equal(await d.get('zz', 'dflt'), 'dflt');
    assert.equal(await d.has('a'), true);
    assert.deepEqual(await d.keys(), ['a', 'b']);
    assert.equal(await d.size(), 2);
    await d.update({ c: 3 });
    await d.update([['e', 5]]);
    assert.deepEqual(await d.values(), [1, new Map([[1, [2n]]]), 3, 5]);
    assert.deepEqual((await d.items())[0], ['a', 1]);
    assert.equal(await d.pop('c'), 3);
    assert.equal(await d.pop('c', 'gone'), 'gone');
    await rejectsWith(d.pop('c'), RangeError, /KeyError/);
    assert.equal(await d.setdefault('f', 6), 6);
    assert.equal(await d.setdefault('f', 7), 6);
    assert.equal(await d.delete('f'), true);
    const snap = await d.copy();
    assert.ok(snap instanceof Map && snap.get('a') === 1);
    await d.clear();
    assert.equal(await d.size(), 0);
    await rejectsWith(d.set({} as unknown as string, 1), TypeError, /unhashable/);
  });

  test('list: every method', async () => {
    const l = await m.list<number>([3, 1, 2]);
    await l.append(5);
    await l.extend([4, 4]);
    await l.insert(0, 9);
    assert.deepEqual(await l.copy(), [9, 3, 1, 2, 5, 4, 4]);
    assert.equal(await l.get(-1), 4);
    await l.set(0, 0);
    assert.equal(await l.pop(), 4);
    assert.equal(await l.pop(0), 0);
    await l.remove(4);
    await rejectsWith(l.remove(42), ValueError);
    assert.equal(await l.index(2), 2);
    await rejectsWith(l.index(42), ValueError);
    assert.equal(await l.count(5), 1);
    await l.sort();
    assert.deepEqual(await l.copy(), [1, 2, 3, 5]);
    await l.sort({ reverse: true });
    await l.reverse();
    assert.deepEqual(await l.copy(), [1, 2, 3, 5]);
    assert.equal(await l.length(), 4);
    await rejectsWith(l.get(10), RangeError, /IndexError/);
  });

  test('Namespace, Value, Array', async () => {
    const ns = await m.Namespace({ x: 1 });
    await ns.set('y', 'two');
    assert.equal(await ns.get('x'), 1);
    assert.deepEqual(await ns.copy(), { x: 1, y: 'two' });
    assert.equal(await ns.has('z'), false);
    const v = await m.Value('i', 41.9);
    assert.equal(await v.get(), 41);
    await v.set(42);
    assert.equal(await v.get(), 42);
    const a = await m.Array('d', [1, 2, 3]);
    await a.set(1, 2.5);
    assert.deepEqual(await a.copy(), [1, 2.5, 3]);
    assert.equal(await a.length(), 3);
    assert.throws(() => m.Value('zz', 1), TypeError);
  });

  test('Lock, RLock, Semaphore, BoundedSemaphore: Python semantics and errors', async () => {
    const lock = await m.Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.locked(), true);
    assert.equal(await lock.acquire({ blocking: false }), false);
    assert.equal(await lock.acquire({ timeout: 30 }), false);
    assert.throws(() => lock.acquireSync(), DeadlockError);
    await lock.release();
    await rejectsWith(lock.release(), RuntimeError, /release unlocked lock/);
    assert.equal(await lock.run(async () => 'ran'), 'ran');
    assert.equal(await lock.locked(), false);

    const r = await m.RLock();
    assert.equal(await r.acquire(), true);
    assert.equal(await r.acquire(), true);
    await r.release();
    await r.release();
    await rejectsWith(r.release(), RuntimeError);

    const s = await m.Semaphore(2);
    assert.equal(await s.acquire(), true);
    assert.equal(await s.acquire(), true);
    assert.equal(await s.acquire({ timeout: 20 }), false);
    await s.release(2);
    assert.equal(await s.getValue(), 2);
    const b = await m.BoundedSemaphore(1);
    await rejectsWith(b.release(), ValueError, /too many/);
  });

  test('hold/holdSync that cannot acquire throw RuntimeError, as a thread Lock does, and leave nothing held', async () => {
    const failed = (call: string) => (e: unknown) =>
      e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME' && e.message.startsWith(`${call}(): `);
    const lock = await m.Lock();
    assert.equal(await lock.acquire(), true);
    await assert.rejects(lock.hold({ timeout: 20 }), failed('hold'));
    await assert.rejects(lock.hold({ blocking: false }), failed('hold'));
    assert.throws(() => lock.holdSync({ timeout: 20 }), failed('holdSync'));
    assert.throws(() => lock.holdSync({ blocking: false }), failed('holdSync'));
    await lock.release();
    assert.equal(await lock.locked(), false, 'no failed hold left the lock taken');
    {
      using _ = lock.holdSync({ timeout: 1000 });
      assert.equal(await lock.locked(), true);
    }
    assert.equal(await lock.locked(), false);

    const s = await m.Semaphore(1);
    assert.equal(await s.acquire(), true);
    await assert.rejects(s.hold({ timeout: 20 }), failed('hold'));
    assert.throws(() => s.holdSync({ timeout: 20 }), failed('holdSync'));
    await s.release();
    assert.equal(await s.getValue(), 1, 'no failed hold kept a permit');
  });

  test('Event, Condition, Barrier across threads (…Sync twins)', async () => {
    const ev = await m.Event();
    const cond = await m.Condition();
    const bar = await m.Barrier(2);
    const d = await m.dict<string, number>();
    const t = new Thread({
      target: (ev: EventProxy, cond, bar, d: DictProxy<string, number>) => {
        ev.waitSync();
        cond.acquireSync();
        d.setSync('ready', 1);
        cond.notifySync();
        cond.releaseSync();
        return bar.waitSync();
      },
      args: [ev, cond, bar, d],
    });
    t.start();
    assert.equal(await ev.wait(10), false);
    await cond.acquire();
    ev.setSync();
    assert.equal(await cond.waitFor(async () => (await d.get('ready')) === 1, 10_000), true);
    await cond.release();
    await rejectsWith(cond.notify(), RuntimeError, /un-acquired/);
    const mine = await bar.wait();
    const theirs = await t.result();
    assert.deepEqual([mine, theirs].sort(), [0, 1]);
    assert.equal(await bar.parties(), 2);
    const b2 = await m.Barrier(3);
    await rejectsWith(b2.wait(30), BrokenBarrierError);
    assert.equal(await b2.broken(), true);
    await b2.reset();
    assert.equal(await b2.broken(), false);
  });

  test('proxies in child processes: a counter under a manager lock loses no update', async () => {
    const d = await m.dict<string, number>({ n: 0 });
    const l = await m.list<number>();
    const lock = await m.Lock();
    const ps = [0, 1, 2].map(
      (i) =>
        new Process({
          target: async (d: DictProxy<string, number>, l: ListProxy<number>, lock: LockProxy, i: number) => {
            for (let k = 0; k < 10; k++) {
              await lock.run(async () => {
                await d.set('n', (await d.get('n'))! + 1);
              });
            }
            await l.append(i);
          },
          args: [d, l, lock, i],
        }),
    );
    for (const p of ps) p.start();
    for (const p of ps) await p.join();
    assert.deepEqual(
      ps.map((p) => p.exitCode),
      [0, 0, 0],
    );
    assert.equal(await d.get('n'), 30);
    assert.deepEqual((await l.copy()).sort(), [0, 1, 2]);
  });

  test('a child process that dies holding a manager Lock does not hang the others', async () => {
    const lock = await m.Lock();
    const holding = await m.Event();
    const p = new Process({
      target: async (lock: LockProxy, holding: EventProxy) => {
        await lock.acquire();
        await holding.set();
        await new Promise(() => {}); // hold it until killed
      },
      args: [lock, holding],
    });
    p.start();
    await holding.wait();
    assert.equal(await lock.acquire({ timeout: 0 }), false);
    const waiting = lock.acquire({ timeout: 600_000 });
    p.kill();
    assert.equal(await waiting, true);
    await p.join();
    await lock.release();
  });

  test('a thread that ends holding a manager Lock releases it', async () => {
    const lock = await m.Lock();
    const t = new Thread({
      target: async (lock: LockProxy) => {
        await lock.acquire();
      },
      args: [lock],
    });
    t.start();
    await t.join();
    assert.equal(await lock.acquire({ timeout: 600_000 }), true);
    await lock.release();
  });

  test('an aborted acquire leaves no phantom waiter and no lost lock', async () => {
    const lock = await m.Lock();
    await lock.acquire();
    const ac = new AbortController();
    const waiting = lock.acquire({ signal: ac.signal });
    ac.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    await lock.release();
    assert.equal(await lock.acquire({ timeout: 0 }), true);
    await lock.release();
    const pre = new AbortController();
    pre.abort(new Error('before'));
    await assert.rejects(lock.acquire({ signal: pre.signal }), /before/);
    assert.equal(await lock.locked(), false);
  });

  test('a manager Queue between processes', async () => {
    const q = await m.Queue<number>();
    const p = new Process({
      target: async (q) => {
        await q.put((await q.get()) + 1);
      },
      args: [q],
    });
    p.start();
    await q.put(41);
    await p.join();
    assert.equal(await q.get(), 42);
  });

  test('bad input: non-cloneable values are a TypeError naming the path', async () => {
    const d = await m.dict();
    await rejectsWith(d.set('k', { f: () => 1 }), TypeError, /args\[1\]\.f/);
    await rejectsWith(m.dict({ x: Symbol('s') } as unknown as Record<string, unknown>), TypeError, /init\.x/);
  });
});

describe('Manager lifetime and remote access', { timeout: 1_800_000 }, () => {
  test('a proxy used after shutdown fails with ShutDown; await using shuts down', async () => {
    let d: DictProxy;
    {
      await using m = await Manager();
      d = await m.dict();
      await d.set('a', 1);
    }
    await rejectsWith(d.get('a'), ShutDown, /shut down/);
    assert.throws(() => d.getSync('a'), ShutDown);
  });

  test('TCP on loopback by default; right authkey works, wrong one is AuthenticationError', async () => {
    const server = await Manager({ address: { port: 0 }, authkey: 'right key' });
    try {
      const address = server.address as { host: string; port: number };
      assert.equal(address.host, '127.0.0.1');
      const d = await server.dict<string, number>();
      await server.publish('shared', d);
      const client = await Manager.connect({ address, authkey: 'right key' });
      const remote = await client.lookup<DictProxy<string, number>>('shared');
      await remote.set('x', 7);
      assert.equal(await d.get('x'), 7);
      await rejectsWith(Manager.connect({ address, authkey: 'wrong key' }), AuthenticationError);
      const err = await Manager.connect({ address, authkey: 'wrong key' }).catch((e: Error) => e);
      assert.equal((err as AuthenticationError).code, 'ERR_SKEIN_AUTHENTICATION');
      await client.shutdown();
      assert.equal(await d.get('x'), 7); // a connected client's shutdown only disconnects
    } finally {
      await server.shutdown();
    }
  });

  test('an unauthenticated peer is served nothing: oversized or wrong frames close it', async () => {
    const { connect } = await import('node:net');
    const server = await Manager({ address: { port: 0 }, authkey: 'k' });
    try {
      const { host, port } = server.address as { host: string; port: number };
      const closed = (send: (s: import('node:net').Socket) => void) =>
        new Promise<Buffer>((resolve) => {
          const s = connect(port, host);
          const chunks: Buffer[] = [];
          s.on('data', (d: Buffer) => {
            chunks.push(d);
            if (chunks.length === 1) send(s);
          });
          s.on('error', () => {});
          s.on('close', () => resolve(Buffer.concat(chunks)));
        });
      // A frame far over the pre-authentication limit: dropped at once.
      const big = Buffer.alloc(4);
      big.writeUInt32BE(50_000_000);
      await closed((s) => s.write(big));
      // A well-formed answer with a wrong digest: refused, then closed.
      const { serialize } = await import('node:v8');
      const body = serialize({ d: new Uint8Array(32), n: new Uint8Array(32) });
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length);
      const got = await closed((s) => s.write(Buffer.concat([head, body])));
      assert.ok(got.length > 4, 'the challenge, then the refusal');
    } finally {
      await server.shutdown();
    }
  });

  test('TCP without an authkey is refused at the call', async () => {
    await rejectsWith(Manager({ address: 0 }), TypeError, /authkey/);
  });
});
