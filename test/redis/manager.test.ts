/**
 * RedisManager's objects against a real, private redis-server: each object's behaviour and
 * errors, values as data, `…Sync` twins in worker threads, and one function run unchanged
 * against a Manager proxy and a Redis one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BrokenBarrierError,
  DeadlockError,
  Empty,
  Full,
  RuntimeError,
  ShutDown,
  TimeoutError,
  ValueError,
} from 'skein';
import { Manager } from 'skein/multiprocessing';
import {
  type DictLike,
  type LockLike,
  type QueueLike,
  RedisLock,
  RedisManager,
  RedisRLock,
} from 'skein/redis';
import { Thread } from 'skein/threading';
import { rejectsWith, until } from '../helpers.ts';
import { REDIS_MISSING, startRedis } from './redis-server.ts';

const srv = await startRedis();
const T = { timeout: 120_000 };
let seq = 0;
/** A fresh object name per test, so tests never see each other's state. */
const fresh = (what: string) => `${what}-${++seq}`;

/** The manager's connection (an internal member, left out of the published types). */
function internals(m: unknown): { store: { client: import('ioredis').Redis } } {
  return (m as { ctx: { store: { client: import('ioredis').Redis } } }).ctx;
}

describe('RedisManager', { skip: srv ? false : REDIS_MISSING, timeout: 600_000 }, () => {
  let a: RedisManager;
  let b: RedisManager;
  let c: RedisManager;
  before(async () => {
    a = await RedisManager.connect({ connection: srv!.connection, namespace: 'mt' });
    b = await RedisManager.connect({ connection: srv!.url, namespace: 'mt' });
    c = await RedisManager.connect({ connection: srv!.url, namespace: 'mt' });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await c?.close();
    await srv?.stop();
  });

  describe('connect and close', () => {
    test('bad options are refused at the call', T, async () => {
      await rejectsWith(RedisManager.connect(undefined as never), TypeError);
      await rejectsWith(RedisManager.connect({ connection: 42 as never }), TypeError, /connection/);
      await rejectsWith(
        RedisManager.connect({ connection: srv!.url, namespace: '' }),
        TypeError,
        /namespace/,
      );
      await rejectsWith(RedisManager.connect({ connection: srv!.url, lease: 0 }), RangeError, /lease/);
      assert.throws(() => a.Lock(''), TypeError);
      assert.throws(() => a.Lock('x', { lease: -1 }), RangeError);
      assert.throws(() => a.Semaphore('x', -1), RangeError);
      assert.throws(() => a.Barrier('x', 0), RangeError);
      assert.throws(() => a.Barrier('x', 2, { action: () => {} } as never), {
        name: 'TypeError',
        message: /action/,
      });
    });

    test('an unreachable server rejects connect() with the address and reason, no password', T, async () => {
      await assert.rejects(
        RedisManager.connect({ connection: 'redis://user:secret@127.0.0.1:1/0' }),
        (err: Error) => {
          assert.match(err.message, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
          assert.doesNotMatch(err.message, /secret/);
          return true;
        },
      );
    });

    test('a closed manager throws ShutDown, and releases what it held', T, async () => {
      const m = await RedisManager.connect({ connection: srv!.url, namespace: 'mt' });
      const name = fresh('lock');
      const lock = m.Lock(name);
      assert.equal(await lock.acquire(), true);
      const waiter = b.Lock(name).acquire(60_000);
      await m.close();
      await m.close(); // idempotent
      assert.equal(m.closed, true);
      assert.equal(await waiter, true, 'close() released the lock for the waiter');
      await b.Lock(name).release();
      await rejectsWith(lock.acquire(), ShutDown);
      assert.throws(() => m.dict('d'), ShutDown);
    });

    test('namespaces do not see each other', T, async () => {
      await using other = await RedisManager.connect({ connection: srv!.url, namespace: 'other' });
      const name = fresh('d');
      await a.dict(name).set('k', 1);
      assert.equal(await other.dict(name).has('k'), false);
      assert.equal(await b.dict(name).get('k'), 1);
    });
  });

  describe('Lock', () => {
    test('acquire, release, locked; fences increase across clients', T, async () => {
      const name = fresh('lock');
      const la = a.Lock(name);
      const lb = b.Lock(name);
      assert.equal(la.fence, undefined);
      assert.equal(await la.locked(), false);
      assert.equal(await la.acquire(), true);
      assert.equal(await lb.locked(), true);
      assert.equal(await lb.acquire({ blocking: false }), false);
      assert.equal(await lb.acquire(0), false);
      assert.equal(await lb.acquire({ timeout: 30 }), false);
      const f1 = la.fence!;
      const waiting = lb.acquire();
      await la.release();
      assert.equal(await waiting, true);
      assert.ok(lb.fence! > f1, `fence ${lb.fence} > ${f1}`);
      assert.equal(lb.lost.aborted, false);
      await lb.release();
      assert.equal(await la.locked(), false);
    });

    test('misuse: RuntimeError releasing an unlocked lock or one another client holds', T, async () => {
      const name = fresh('lock');
      await rejectsWith(a.Lock(name).release(), RuntimeError, /unlocked/);
      await b.Lock(name).acquire();
      await rejectsWith(a.Lock(name).release(), RuntimeError, /another client/);
      assert.throws(() => a.Lock(name).releaseSync(), RuntimeError);
      await b.Lock(name).release();
      await rejectsWith(a.Lock(name).acquire(-1), RangeError);
      await rejectsWith(a.Lock(name).acquire({ blocking: false, timeout: 5 }), TypeError);
      assert.throws(() => a.Lock(name).acquireSync({ signal: new AbortController().signal }), {
        name: 'TypeError',
        message: /signal/,
      });
    });

    test('any task of the holding client may release it (as any thread may release a Lock)', T, async () => {
      const name = fresh('lock');
      await a.Lock(name).acquire();
      await a.Lock(name).release(); // another handle, same client
      assert.equal(await b.Lock(name).locked(), false);
    });

    test('an aborted signal rejects at once even when the lock is free', T, async () => {
      const name = fresh('lock');
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      await assert.rejects(a.Lock(name).acquire({ signal: ac.signal }), /stop/);
      assert.equal(await a.Lock(name).locked(), false);
    });

    test('aborting a wait leaves the lock whole: the next waiter still gets it', T, async () => {
      const name = fresh('lock');
      await a.Lock(name).acquire();
      const ac = new AbortController();
      const aborted = b.Lock(name).acquire({ signal: ac.signal });
      const other = c.Lock(name).acquire();
      ac.abort(new Error('gave up'));
      await assert.rejects(aborted, /gave up/);
      await a.Lock(name).release();
      assert.equal(await other, true);
      assert.equal(
        await b.Lock(name).acquire({ blocking: false }),
        false,
        'the aborted waiter holds nothing',
      );
      await c.Lock(name).release();
    });

    test(
      'a lease taken after a wait longer than the lease starts when it was granted (no false lost)',
      T,
      async () => {
        for (const sync of [false, true]) {
          const name = fresh('lock');
          // A holder that died: its lease runs out in 1.5 s, longer than the waiter's own lease.
          await internals(a).store.client.set(`mt:lock:${name}`, 'dead-client|0', 'PX', 1500);
          const lock = a.Lock(name, { lease: 1000 });
          assert.equal(sync ? lock.acquireSync() : await lock.acquire(), true);
          await new Promise((r) => setTimeout(r, 800)); // let two renewal periods pass
          assert.equal(lock.lost.aborted, false, `lost fired: ${String(lock.lost.reason)}`);
          await lock.release();
        }
      },
    );

    test('hold() with using / await using, and run()', T, async () => {
      const name = fresh('lock');
      const lock = a.Lock(name);
      {
        await using _ = await lock.hold();
        assert.equal(await lock.locked(), true);
      }
      assert.equal(await lock.locked(), false);
      {
        using _ = await lock.hold();
        assert.equal(await lock.locked(), true);
      }
      assert.equal(await lock.locked(), false);
      await b.Lock(name).acquire();
      // The same failure as a thread Lock's and a Manager proxy's hold().
      await rejectsWith(lock.hold({ timeout: 20 }), RuntimeError, /^hold\(\): /);
      await rejectsWith(lock.hold({ blocking: false }), RuntimeError, /^hold\(\): /);
      assert.throws(
        () => lock.holdSync({ timeout: 20 }),
        (e: unknown) => e instanceof RuntimeError && /^holdSync\(\): /.test(e.message),
      );
      assert.equal(await a.Lock(name).locked(), true, "still the other client's");
      await b.Lock(name).release();
      assert.equal(await lock.locked(), false, 'no failed hold left the lock taken');
      assert.equal(await lock.run(async () => (await lock.locked()) && 'ran'), 'ran');
      assert.equal(await lock.locked(), false);
      await assert.rejects(
        lock.run(() => {
          throw new Error('inside');
        }),
        /inside/,
      );
      assert.equal(await lock.locked(), false, 'run() releases when fn throws');
    });

    test('…Sync twins on the main thread', T, async () => {
      const name = fresh('lock');
      const lock = a.Lock(name);
      assert.equal(lock.acquireSync(), true);
      assert.equal(lock.lockedSync(), true);
      assert.equal(b.Lock(name).acquireSync({ timeout: 20 }), false);
      lock.releaseSync();
      assert.equal(await lock.locked(), false);
      {
        using _ = lock.holdSync();
        assert.equal(lock.lockedSync(), true);
      }
      assert.equal(lock.lockedSync(), false);
    });

    test(
      'acquireSync without a timeout on a lock this client holds is a DeadlockError, not a hang',
      T,
      async () => {
        const lock = a.Lock(fresh('lock'));
        await lock.acquire();
        assert.throws(() => lock.acquireSync(), DeadlockError);
        assert.equal(lock.acquireSync(10), false, 'with a timeout it waits it out, as Python would');
        await lock.release();
      },
    );
  });

  describe('RLock', () => {
    test('re-entrant per client; others wait for the last release', T, async () => {
      const name = fresh('rlock');
      const ra = a.RLock(name);
      assert.equal(await ra.acquire(), true);
      assert.equal(await ra.acquire(), true);
      const f = ra.fence;
      assert.equal(await b.RLock(name).acquire(0), false);
      await ra.release();
      assert.equal(await b.RLock(name).acquire(0), false, 'still held once');
      assert.equal(ra.fence, f, 'the fence is the outermost acquisition');
      const waiting = b.RLock(name).acquire();
      await ra.release();
      assert.equal(await waiting, true);
      await rejectsWith(ra.release(), RuntimeError, /another client/);
      await b.RLock(name).release();
      await rejectsWith(ra.release(), RuntimeError, /un-acquired/);
    });
  });

  describe('Semaphore and BoundedSemaphore', () => {
    test('permits count down and up; a waiter wakes on release', T, async () => {
      const name = fresh('sem');
      const s = a.Semaphore(name, 2);
      assert.equal(await s.getValue(), 2);
      assert.equal(await s.acquire(), true);
      assert.equal(await b.Semaphore(name, 2).acquire(), true);
      assert.equal(await s.getValue(), 0);
      assert.equal(await c.Semaphore(name, 2).acquire(0), false);
      const waiting = c.Semaphore(name, 2).acquire();
      await s.release();
      assert.equal(await waiting, true);
      await b.Semaphore(name, 2).release();
      await c.Semaphore(name, 2).release();
      assert.equal(await s.getValue(), 2);
    });

    test(
      'an unbounded release beyond what is held raises the value (a signal between clients)',
      T,
      async () => {
        const name = fresh('sem');
        const got = b.Semaphore(name, 0).acquire();
        await a.Semaphore(name, 0).release();
        assert.equal(await got, true);
        await a.Semaphore(name, 0).release(2);
        assert.equal(await a.Semaphore(name, 0).getValue(), 2);
      },
    );

    test('BoundedSemaphore: ValueError on over-release, nothing changes', T, async () => {
      const name = fresh('bsem');
      const s = a.BoundedSemaphore(name, 1);
      await rejectsWith(s.release(), ValueError, /too many/);
      await s.acquire();
      await rejectsWith(s.release(2), ValueError);
      assert.equal(await s.getValue(), 0, 'the failed release gave nothing back');
      await s.release();
      assert.equal(await s.getValue(), 1);
      await rejectsWith(s.release(0), ValueError);
      await rejectsWith(s.release(1.5), TypeError);
    });

    test('Sync twins', T, () => {
      const s = a.BoundedSemaphore(fresh('bsem'), 1);
      assert.equal(s.acquireSync(), true);
      assert.equal(s.acquireSync(0), false);
      assert.equal(s.getValueSync(), 0);
      s.releaseSync();
      assert.throws(() => s.releaseSync(), ValueError);
    });
  });

  describe('Event', () => {
    test('set wakes every waiter; clear; isSet; timeout', T, async () => {
      const name = fresh('ev');
      assert.equal(await a.Event(name).wait(20), false);
      assert.equal(await a.Event(name).wait({ timeout: 0 }), false);
      const waiters = [a, b, c].map((m) => m.Event(name).wait());
      await b.Event(name).set();
      assert.deepEqual(await Promise.all(waiters), [true, true, true]);
      assert.equal(await c.Event(name).isSet(), true);
      assert.equal(await c.Event(name).wait(), true);
      await c.Event(name).clear();
      assert.equal(a.Event(name).isSetSync(), false);
      assert.equal(a.Event(name).waitSync(10), false);
      a.Event(name).setSync();
      assert.equal(b.Event(name).waitSync(), true);
    });

    test('an aborted wait rejects with the reason and leaves no waiter behind', T, async () => {
      const name = fresh('ev');
      const ac = new AbortController();
      const w = a.Event(name).wait({ signal: ac.signal });
      ac.abort(new Error('enough'));
      await assert.rejects(w, /enough/);
      await a.Event(name).set();
      assert.equal(await a.Event(name).isSet(), true);
    });
  });

  describe('Condition', () => {
    test('wait and notify need the lock (RuntimeError)', T, async () => {
      const cond = a.Condition(fresh('cond'));
      await rejectsWith(cond.wait(10), RuntimeError, /un-acquired/);
      await rejectsWith(cond.notify(), RuntimeError, /un-acquired/);
      await rejectsWith(cond.notifyAll(), RuntimeError);
      await rejectsWith(cond.wait({ signal: new AbortController().signal } as never), TypeError, /signal/);
      assert.throws(() => a.Condition('x', {} as never), TypeError);
      assert.throws(() => a.Condition('x', b.Lock('l')), { name: 'TypeError', message: /same RedisManager/ });
    });

    test('notify(n) wakes at most n waiters, oldest first; wait re-acquires the lock', T, async () => {
      const name = fresh('cond');
      const [ca, cb, cc] = [a, b, c].map((m) => m.Condition(name));
      const order: string[] = [];
      // Each waiter enlists while holding the lock, and its wait releases it: so the next one's
      // acquire returns only after the previous one is enlisted, fixing the order A, B.
      await ca!.acquire();
      const wa = ca!.wait().then((r) => {
        order.push('a');
        return r;
      });
      await cb!.acquire();
      const wb = cb!.wait().then((r) => {
        order.push('b');
        return r;
      });
      await cc!.acquire();
      await cc!.notify(1);
      await cc!.release();
      assert.equal(await wa, true);
      assert.deepEqual(order, ['a']);
      assert.equal(await ca!.locked(), true, 'A holds the lock again after its wait');
      await ca!.release();
      await cc!.acquire();
      await cc!.notify(5);
      await cc!.release();
      assert.equal(await wb, true);
      assert.deepEqual(order, ['a', 'b']);
      await cb!.release();
    });

    test(
      'notifyAll; a timed-out wait returns false holding the lock; RLock depth survives a wait',
      T,
      async () => {
        const name = fresh('cond');
        const [ca, cb] = [a, b].map((m) => m.Condition(name));
        await ca!.acquire();
        await ca!.acquire(); // depth 2
        assert.equal(await ca!.wait(20), false);
        await ca!.release();
        assert.equal(await ca!.locked(), true, 'depth 2 was restored after the wait');
        await ca!.release();
        assert.equal(await ca!.locked(), false);
        const ws = [ca!, cb!].map(async (cv) => {
          await cv.acquire();
          const r = await cv.wait();
          await cv.release();
          return r;
        });
        const cc = c.Condition(name);
        const q = `mt:condition:${name}:q`;
        await waitForLen(q, 2);
        await cc.acquire();
        await cc.notifyAll();
        await cc.release();
        assert.deepEqual(await Promise.all(ws), [true, true]);
      },
    );

    test('over a given Lock; waitFor', T, async () => {
      const name = fresh('cond');
      const d = a.dict<string, number>(fresh('d'));
      const ca = a.Condition(name, a.Lock(`${name}-lock`));
      const cb = b.Condition(name, b.Lock(`${name}-lock`));
      const waiter = (async () => {
        await ca.acquire();
        const r = await ca.waitFor(async () => (await d.get('n')) === 3);
        await ca.release();
        return r;
      })();
      for (let i = 1; i <= 3; i++) {
        await cb.acquire();
        await d.set('n', i);
        await cb.notify();
        await cb.release();
      }
      assert.equal(await waiter, true);
      await ca.acquire();
      assert.equal(await ca.waitFor(() => false, 10), false);
      await ca.release();
    });
  });

  describe('Barrier', () => {
    test('all parties pass with distinct indexes, generation after generation', T, async () => {
      const name = fresh('bar');
      for (let round = 0; round < 2; round++) {
        const idx = await Promise.all([a, b, c].map((m) => m.Barrier(name, 3).wait()));
        assert.deepEqual([...idx].sort(), [0, 1, 2]);
      }
      assert.equal(await a.Barrier(name, 3).parties(), 3);
      assert.equal(await a.Barrier(name, 3).nWaiting(), 0);
    });

    test('a timeout breaks it for everyone until reset; abort breaks it', T, async () => {
      const name = fresh('bar');
      const other = b.Barrier(name, 3).wait();
      other.catch(() => {}); // asserted below; it rejects as soon as the barrier breaks
      await waitForLen(`mt:barrier:${name}:a`, 1);
      assert.equal(await a.Barrier(name, 3).nWaiting(), 1);
      await rejectsWith(a.Barrier(name, 3).wait(30), BrokenBarrierError);
      await rejectsWith(other, BrokenBarrierError);
      assert.equal(await c.Barrier(name, 3).broken(), true);
      await rejectsWith(c.Barrier(name, 3).wait(), BrokenBarrierError);
      await c.Barrier(name, 3).reset();
      assert.equal(await c.Barrier(name, 3).broken(), false);
      const idx = await Promise.all([a, b, c].map((m) => m.Barrier(name, 3).wait()));
      assert.deepEqual([...idx].sort(), [0, 1, 2]);
      const w = a.Barrier(name, 3).wait();
      w.catch(() => {});
      await waitForLen(`mt:barrier:${name}:a`, 1);
      await b.Barrier(name, 3).abort();
      await rejectsWith(w, BrokenBarrierError);
      assert.equal(b.Barrier(name, 3).brokenSync(), true);
      b.Barrier(name, 3).resetSync();
    });

    test('the default timeout; an aborted wait breaks it', T, async () => {
      const name = fresh('bar');
      await rejectsWith(a.Barrier(name, 2, { timeout: 20 }).wait(), BrokenBarrierError);
      await a.Barrier(name, 2).reset();
      const ac = new AbortController();
      const w = a.Barrier(name, 2).wait({ signal: ac.signal });
      await waitForLen(`mt:barrier:${name}:a`, 1);
      ac.abort(new Error('left'));
      await assert.rejects(w, /left/);
      assert.equal(await a.Barrier(name, 2).broken(), true);
    });
  });

  describe('Queue', () => {
    test('FIFO; Empty and Full; qsize/empty/full', T, async () => {
      const q = a.Queue<number>(fresh('q'), { maxsize: 2 });
      assert.equal(q.empty(), true);
      await rejectsWith(q.get({ block: false }), Empty);
      await rejectsWith(q.get(20), Empty);
      assert.throws(() => q.getNowait(), Empty);
      await q.put(1);
      q.putNowait(2);
      assert.equal(q.full(), true);
      assert.equal(q.qsize(), 2);
      assert.throws(() => q.putNowait(3), Full);
      await rejectsWith(q.put(3, { timeout: 20 }), Full);
      await rejectsWith(q.put(3, { block: false }), Full);
      assert.equal(await q.get(), 1);
      assert.equal(q.getSync(), 2);
      q.taskDone();
      q.taskDone();
      assert.throws(() => q.taskDone(), ValueError);
    });

    test('get waits for a put from another client; put waits for room', T, async () => {
      const name = fresh('q');
      const got = b.Queue<string>(name).get();
      await a.Queue<string>(name).put('x');
      assert.equal(await got, 'x');
      const small = a.Queue<string>(fresh('q'), { maxsize: 1 });
      await small.put('1');
      const putting = small.put('2');
      assert.equal(await small.get(), '1');
      await putting;
      assert.equal(await small.get(), '2');
    });

    test('join waits until every item is acknowledged; TimeoutError; abort', T, async () => {
      const name = fresh('q');
      const q = a.Queue<number>(name);
      await q.join();
      await q.put(1);
      await q.put(2);
      await rejectsWith(q.join({ timeout: 20 }), TimeoutError);
      const ac = new AbortController();
      const aborted = q.join({ signal: ac.signal });
      ac.abort(new Error('stop'));
      await assert.rejects(aborted, /stop/);
      const joined = b.Queue<number>(name).join();
      const qb = b.Queue<number>(name);
      assert.equal(await qb.get(), 1);
      qb.taskDone();
      assert.equal(await qb.get(), 2);
      qb.taskDone();
      await joined;
      q.joinSync();
    });

    test('an aborted get takes no item', T, async () => {
      const name = fresh('q');
      const ac = new AbortController();
      const g = a.Queue(name).get({ signal: ac.signal });
      ac.abort(new Error('no more'));
      await assert.rejects(g, /no more/);
      await b.Queue(name).put('kept');
      assert.equal(await c.Queue(name).get(), 'kept');
    });

    test('items are data: checked at put, any keys come out equal', T, async () => {
      const q = a.Queue<unknown>(fresh('q'));
      await rejectsWith(q.put({ f: () => 1 }), TypeError, /item\.f/);
      assert.equal(q.qsize(), 0, 'nothing was put');
      const odd = {
        own: JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}'),
        constructor: 'x',
        $type: 'Function',
        // biome-ignore lint/suspicious/noThenProperty: a value with any keys must come out equal
        then: 'not a thenable',
        toString: 'y',
        big: 10n ** 30n,
        when: new Date(0),
        m: new Map([[{ k: 1 }, new Set([1])]]),
        bytes: new Uint8Array([1, 2, 3]),
        code: 'process.exit(1)',
      };
      await q.put(odd);
      const back = (await q.get()) as typeof odd;
      assert.deepEqual(back, odd);
      assert.deepEqual(
        Object.keys(back.own),
        ['__proto__', 'constructor'],
        'an own __proto__ key stays a key',
      );
      assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    });
  });

  describe('dict', () => {
    test('every method; keys keep their types and insertion order', T, async () => {
      const d = a.dict<string | number | boolean | null | bigint | undefined, unknown>(fresh('d'));
      await d.set('1', 'string');
      await d.set(1, 'number');
      await d.set(true, 'bool');
      await d.set(null, 'null');
      await d.set(1n, 'bigint');
      await d.set(undefined, 'undef');
      await d.set(-0, 'zero');
      assert.deepEqual(await d.keys(), ['1', 1, true, null, 1n, undefined, 0]);
      assert.equal(await d.get(0), 'zero');
      assert.equal(await d.size(), 7);
      assert.equal(await d.get('missing'), undefined);
      assert.equal(await d.get('missing', 'dflt'), 'dflt');
      assert.equal(await d.has(1), true);
      assert.equal(await d.delete(1), true);
      assert.equal(await d.delete(1), false);
      await d.set('1', 'again'); // overwriting keeps its place
      assert.equal((await d.keys())[0], '1');
      assert.equal(await d.pop('1'), 'again');
      await rejectsWith(d.pop('1'), RangeError, /KeyError/);
      assert.equal(await d.pop('1', 'dflt'), 'dflt');
      assert.deepEqual(await d.setdefault('s', [1]), [1]);
      assert.deepEqual(await d.setdefault('s', [2]), [1]);
      await d.update({ x: 1, y: 2 });
      await d.update([['z', 3]]);
      await d.update(new Map([['w', 4]]));
      const copy = await d.copy();
      assert.ok(copy instanceof Map);
      assert.deepEqual([...copy.keys()].slice(-4), ['x', 'y', 'z', 'w']);
      assert.deepEqual((await d.values()).slice(-4), [1, 2, 3, 4]);
      assert.deepEqual((await d.items()).slice(-1), [['w', 4]]);
      await assert.rejects(d.set({} as never, 1), TypeError);
      await assert.rejects(d.update([1] as never), TypeError);
      await d.clear();
      assert.equal(await d.size(), 0);
      assert.deepEqual(await d.keys(), []);
      d.setSync('k', { v: 1 });
      assert.deepEqual(d.getSync('k'), { v: 1 });
      assert.equal(d.sizeSync(), 1);
      assert.deepEqual(d.itemsSync(), [['k', { v: 1 }]]);
    });
  });

  describe('list', () => {
    test('every method, negative indices, IndexError/ValueError', T, async () => {
      const l = a.list<unknown>(fresh('l'));
      await l.extend([3, 1, 2]);
      await l.append(0);
      assert.equal(await l.length(), 4);
      assert.equal(await l.get(-1), 0);
      await rejectsWith(l.get(4), RangeError, /IndexError/);
      await rejectsWith(l.get(1.5), TypeError);
      await l.set(-1, 4);
      await rejectsWith(l.set(9, 0), RangeError);
      await l.insert(1, 'in');
      await l.insert(-100, 'head');
      await l.insert(100, 'tail');
      assert.deepEqual(await l.copy(), ['head', 3, 'in', 1, 2, 4, 'tail']);
      assert.equal(await l.pop(), 'tail');
      assert.equal(await l.pop(0), 'head');
      assert.equal(await l.pop(1), 'in');
      await l.append({ a: [1] });
      assert.equal(await l.index({ a: [1] }), 4);
      assert.equal(await l.count({ a: [1] }), 1);
      await l.remove({ a: [1] });
      await rejectsWith(l.remove({ a: [1] }), ValueError);
      await rejectsWith(l.index('nope'), ValueError);
      await l.sort();
      assert.deepEqual(await l.copy(), [1, 2, 3, 4]);
      await l.sort({ reverse: true });
      assert.deepEqual(await l.copy(), [4, 3, 2, 1]);
      await l.reverse();
      assert.deepEqual(l.copySync(), [1, 2, 3, 4]);
      await l.append('x');
      await rejectsWith(l.sort(), TypeError, /not supported/);
      const empty = a.list(fresh('l'));
      await rejectsWith(empty.pop(), RangeError, /empty/);
      assert.equal(l.lengthSync(), 5);
      l.appendSync(5);
      assert.equal(l.popSync(), 5);
    });

    test('equal numbers are found whatever their encoding', T, async () => {
      const l = a.list<number>(fresh('l'));
      await l.append(10 / 2); // a heap number
      await l.append(5); // a small integer
      assert.equal(await l.count(5), 2);
      await l.remove(5);
      assert.equal(await l.length(), 1);
    });
  });

  test('one function runs unchanged against a Manager proxy and a Redis object', T, async () => {
    async function bump(lock: LockLike, d: DictLike<string, number>, q: QueueLike<string>): Promise<number> {
      await lock.run(async () => {
        await d.set('n', ((await d.get('n')) ?? 0) + 1);
      });
      {
        using _ = await lock.hold();
        await d.set('n', ((await d.get('n')) ?? 0) + 1);
      }
      await q.put('done');
      assert.equal(await q.get(), 'done');
      q.taskDone();
      return (await d.get('n'))!;
    }
    const mgr = await Manager();
    try {
      assert.equal(
        await bump(await mgr.Lock(), await mgr.dict<string, number>(), await mgr.JoinableQueue<string>()),
        2,
      );
    } finally {
      await mgr.shutdown();
    }
    assert.equal(
      await bump(a.Lock(fresh('lock')), a.dict<string, number>(fresh('d')), a.Queue<string>(fresh('q'))),
      2,
    );
    assert.ok(a.Lock('x') instanceof RedisLock);
    assert.ok(a.RLock('x') instanceof RedisRLock);
  });

  test('…Sync twins in worker threads, against objects found by name', T, async () => {
    const name = fresh('thr');
    const target = async (url: string, name: string) => {
      const { RedisManager } = await import('skein/redis');
      const m = await RedisManager.connect({ connection: url, namespace: 'mt' });
      try {
        const lock = m.Lock(name);
        const d = m.dict<string, number>(name);
        const q = m.Queue<number>(name);
        for (let i = 0; i < 20; i++) {
          lock.acquireSync();
          d.setSync('n', (d.getSync('n') ?? 0) + 1);
          lock.releaseSync();
        }
        const item = q.getSync(); // blocks until the main thread puts
        q.taskDone();
        m.Event(name).waitSync();
        return item;
      } finally {
        await m.close();
      }
    };
    const threads = [0, 1].map(() => new Thread({ target, args: [srv!.url, name] }));
    for (const t of threads) t.start();
    await a.Queue<number>(name).put(7);
    await a.Queue<number>(name).put(8);
    await a.Event(name).set();
    const got = await Promise.all(threads.map((t) => t.result() as Promise<number>));
    assert.deepEqual(got.sort(), [7, 8]);
    assert.equal(await a.dict<string, number>(name).get('n'), 40, 'no lost update under the lock');
    await a.Queue(name).join();
  });

  /** Polls (on timers) until the Redis list `key` has `n` entries. */
  async function waitForLen(key: string, n: number): Promise<void> {
    const probe = internals(a).store.client;
    await until(async () => (await probe.llen(key)) === n, {
      timeout: 60_000,
      what: `${key} holds ${n} entries`,
    });
  }
});
