/**
 * Faults of lock holders, with real processes and a real redis-server (issue 15 §4): a lock
 * holder SIGKILLed, a holder paused past its lease, a server restart under a holder, and a dead
 * holder's semaphore permits. (faults-objects.test.ts: queues, barriers, other processes.)
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { RuntimeError } from 'skein';
import { RedisManager } from 'skein/redis';
import { Thread } from 'skein/threading';
import { rejectsWith } from '../helpers.ts';
import { startChild } from './child.ts';
import { REDIS_MISSING, startRedis } from './redis-server.ts';

const srv = await startRedis();
const T = { timeout: 180_000 };
const NS = 'ft';
let seq = 0;
const fresh = (what: string) => `${what}-${++seq}`;
const fenceOf = (line: string) => Number(line.split(' ')[1]);

describe('RedisManager faults: lock holders', { skip: srv ? false : REDIS_MISSING, timeout: 600_000 }, () => {
  let m: RedisManager;
  before(async () => {
    // A short client lease, so that waits depending on other clients' liveness re-check often.
    m = await RedisManager.connect({ connection: srv!.url, namespace: NS, lease: 500 });
  });
  after(async () => {
    await m?.close();
    await srv?.stop();
  });

  test(
    'a lock holder process SIGKILLed: a waiter in another process gets the lock after the lease, with a higher fence',
    T,
    async () => {
      const name = fresh('lock');
      const holder = startChild(srv!.url, NS, 'hold-lock', name, '1000');
      let waiter: ReturnType<typeof startChild> | undefined;
      try {
        const f1 = fenceOf(await holder.line(/^fence /));
        waiter = startChild(srv!.url, NS, 'wait-lock', name, '1000');
        await waiter.line(/^waiting$/);
        // While the holder lives its lease is renewed: the lock stays taken.
        assert.equal(await m.Lock(name).locked(), true);
        assert.equal(await m.Lock(name).acquire({ blocking: false }), false);
        await holder.kill();
        const f2 = fenceOf(await waiter.line(/^fence /));
        assert.ok(f2 > f1, `the new holder's fence ${f2} is above the dead holder's ${f1}`);
        assert.equal(await waiter.exited, 0, waiter.stderr());
        assert.equal(await m.Lock(name).locked(), false, 'the waiter released it');
      } finally {
        await holder.kill();
        await waiter?.kill();
      }
    },
  );

  test(
    "a holder paused past its lease loses the lock: another client takes it, the holder's lost fires and release throws",
    T,
    async () => {
      const name = fresh('lock');
      // [0]: the thread holds the lock; [1]: the main thread took it over (the thread may resume).
      const flags = new Int32Array(new SharedArrayBuffer(8));
      const target = async (url: string, ns: string, name: string, flags: Int32Array) => {
        const { RedisManager } = await import('skein/redis');
        const mgr = await RedisManager.connect({ connection: url, namespace: ns });
        try {
          const lock = mgr.Lock(name, { lease: 300 });
          await lock.acquire();
          const fence = lock.fence;
          Atomics.store(flags, 0, 1);
          Atomics.notify(flags, 0);
          // Paused: this thread's event loop cannot renew the lease (a long GC or a CPU-bound stretch).
          while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0);
          const lost = lock.lost.aborted
            ? lock.lost
            : await new Promise<AbortSignal>((resolve) => {
                lock.lost.addEventListener('abort', () => resolve(lock.lost), { once: true });
              });
          let releaseError = '';
          await lock.release().catch((e: Error) => {
            releaseError = `${e.name}: ${e.message}`;
          });
          return { fence, reason: String((lost.reason as Error).message), releaseError };
        } finally {
          await mgr.close();
        }
      };
      const t = new Thread({ target, args: [srv!.url, NS, name, flags] });
      t.start();
      await Atomics.waitAsync(flags, 0, 0).value;
      const lock = m.Lock(name, { lease: 300 });
      assert.equal(await lock.acquire(), true, "the paused holder's lease ended");
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      const r = (await t.result()) as { fence: number; reason: string; releaseError: string };
      assert.ok(lock.fence! > r.fence, `fence ${lock.fence} > ${r.fence}`);
      assert.match(r.reason, /lost/);
      assert.match(r.releaseError, /^RuntimeError: .*(ended|another client)/);
      assert.equal(lock.lost.aborted, false, 'the new holder keeps its lease');
      await lock.release();
    },
  );

  test('a server restart (no persistence) ends the lease: lost fires, release throws', T, async () => {
    const own = await startRedis();
    assert.ok(own);
    const mgr = await RedisManager.connect({ connection: own.url, namespace: NS, lease: 500 });
    try {
      const lock = mgr.Lock('restart', { lease: 600 });
      await lock.acquire();
      const lost = once(lock.lost, 'abort');
      await own.restart();
      await lost;
      assert.ok(lock.lost.reason instanceof RuntimeError);
      await rejectsWith(lock.release(), RuntimeError);
      // The manager carries on after the restart.
      assert.equal(await lock.acquire(), true);
      await lock.release();
    } finally {
      await mgr.close();
      await own.stop();
    }
  });

  test("a dead holder's semaphore permits come back after its lease", T, async () => {
    const name = fresh('sem');
    const holder = startChild(srv!.url, NS, 'hold-permit', name, '800');
    try {
      await holder.line(/^fence /);
      const sem = m.Semaphore(name, 1);
      assert.equal(await sem.acquire({ blocking: false }), false);
      const waiting = sem.acquire();
      await holder.kill();
      assert.equal(await waiting, true);
      await sem.release();
      assert.equal(await sem.getValue(), 1);
    } finally {
      await holder.kill();
    }
  });
});
