import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedSemaphore, Event, RuntimeError, Semaphore, Thread, ValueError } from 'skein/threading';
import { until } from '../helpers.ts';
import { isError } from './harness.ts';

const T = { timeout: 600_000 };

describe('Semaphore', { timeout: 1_800_000 }, () => {
  test('acquireSync in threads, release from main; value back to initial', T, async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const threads = [0, 1].map(() => {
      const t = new Thread({
        target: async (sem: Semaphore) => {
          const got = sem.acquireSync(120_000);
          sem.release();
          return got;
        },
        args: [s],
      });
      t.start();
      return t;
    });
    await until(() => s.waiting === 2, { what: 'two waiters' });
    s.release();
    for (const t of threads) assert.equal(await t.result(), true);
    assert.equal(s.value, 1);
    assert.equal(s.waiting, 0);
  });

  test('an aborted waiter takes no permit and loses no wake-up', T, async () => {
    const s = new Semaphore(0);
    const ac = new AbortController();
    const a = s.acquire({ signal: ac.signal });
    const b = s.acquire();
    assert.equal(s.waiting, 2);
    s.release();
    ac.abort(new Error('abort'));
    const ra = await a.then(
      (v) => v,
      () => 'aborted',
    );
    // Either the abort won (the permit goes to b) or the grant won (a holds it: pass it on).
    if (ra !== 'aborted') s.release();
    assert.equal(await b, true);
    assert.equal(s.value, 0);
    assert.equal(s.waiting, 0);
  });

  test('BoundedSemaphore crosses into a thread and keeps its ceiling there', T, async () => {
    const s = new BoundedSemaphore(1);
    const t = new Thread({
      target: async (sem: BoundedSemaphore) => {
        try {
          sem.release();
          return 'released';
        } catch (e) {
          return [(e as Error).name, (e as { code: string }).code, sem.constructor.name];
        }
      },
      args: [s],
    });
    t.start();
    assert.deepEqual(await t.result(), ['ValueError', 'ERR_SKEIN_VALUE', 'BoundedSemaphore']);
    assert.throws(() => s.release(), isError(ValueError, 'ERR_SKEIN_VALUE'));
    assert.equal(s.value, 1);
  });
});

describe('Semaphore: dead holders', { timeout: 1_800_000 }, () => {
  test('permits held via holdSync by a thread whose target throws are given back to waiters', T, async () => {
    const { excepthook, setExcepthook } = await import('skein/threading');
    const s = new BoundedSemaphore(2);
    const held = new Event();
    const prev = excepthook;
    setExcepthook(() => {});
    try {
      const t = new Thread({
        target: async (sem: BoundedSemaphore, h: Event) => {
          sem.holdSync();
          sem.holdSync();
          h.set();
          throw new Error('died holding two permits');
        },
        args: [s, held],
      });
      t.start();
      const failed = t.result().catch((e: Error) => e.message);
      await held.wait();
      assert.equal(await s.acquire(120_000), true);
      assert.equal(await s.acquire(120_000), true);
      assert.equal(s.reclaimed, 2);
      s.release(2);
      assert.equal(s.value, 2);
      assert.equal(await failed, 'died holding two permits');
    } finally {
      setExcepthook(prev);
    }
  });

  test('a thread that calls process.exit inside run(): its permit comes back', T, async () => {
    const s = new Semaphore(1);
    const inside = new Event();
    const t = new Thread({
      target: async (sem: Semaphore, e: Event) => {
        await sem.run(() => {
          e.set();
          process.exit(1);
        });
      },
      args: [s, inside],
    });
    t.start();
    const died = t.result().catch((e: Error) => e.name);
    await inside.wait();
    const waiter = new Thread({ target: async (sem: Semaphore) => sem.acquireSync(120_000), args: [s] });
    waiter.start();
    assert.equal(await waiter.result(), true);
    assert.equal(await died, 'WorkerDiedError');
    assert.equal(s.reclaimed, 1);
  });

  test('permits taken with plain acquire() are not owned: not reclaimed (Python semantics)', T, async () => {
    const s = new Semaphore(1);
    const t = new Thread({ target: async (sem: Semaphore) => sem.acquireSync(), args: [s] });
    t.start();
    assert.equal(await t.result(), true);
    assert.equal(await s.acquire(120), false);
    assert.equal(s.reclaimed, 0);
    s.release();
    assert.equal(s.value, 1);
  });

  test('hold/run on the main thread record and forget their permits', T, async () => {
    const s = new Semaphore(3);
    {
      using _a = await s.hold();
      using _b = s.holdSync();
      assert.equal(s.value, 1);
    }
    assert.equal(await s.run(() => s.value), 2);
    assert.equal(s.value, 3);
    assert.equal(s.reclaimed, 0);
  });
});

describe('Semaphore: hold that cannot acquire', T, () => {
  for (const Cls of [Semaphore, BoundedSemaphore]) {
    test(`${Cls.name}: hold/holdSync throw RuntimeError and leave no permit taken`, T, async () => {
      const s = new Cls(1);
      assert.equal(await s.acquire(), true);
      const failed = (call: string) => (e: unknown) =>
        e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME' && e.message.startsWith(`${call}(): `);
      await assert.rejects(s.hold({ timeout: 20 }), failed('hold'));
      await assert.rejects(s.hold({ blocking: false }), failed('hold'));
      assert.throws(() => s.holdSync({ timeout: 20 }), failed('holdSync'));
      assert.throws(() => s.holdSync({ blocking: false }), failed('holdSync'));
      assert.equal(s.value, 0);
      assert.equal(s.waiting, 0);
      s.release();
      assert.equal(s.value, 1, 'no failed hold kept a permit');
      {
        using _ = s.holdSync({ timeout: 1000 });
        assert.equal(s.value, 0);
      }
      assert.equal(s.value, 1);
      assert.equal(s.reclaimed, 0);
    });
  }
});

describe('Semaphore counts never wrap (issue 12 §5)', T, () => {
  const MAX = 2 ** 25 - 1;
  test('an initial value past 2^25 - 1 is a RangeError at the call', T, () => {
    assert.throws(() => new Semaphore(2 ** 31), RangeError);
    assert.throws(() => new Semaphore(MAX + 1), RangeError);
    assert.throws(() => new BoundedSemaphore(2 ** 31), RangeError);
    const s = new Semaphore(MAX);
    assert.equal(s.value, MAX);
    assert.equal(s.acquireSync(0), true);
    assert.equal(s.value, MAX - 1);
  });

  test('a release past the limit is a RangeError and changes nothing', T, async () => {
    const s = new Semaphore(0);
    assert.throws(() => s.release(2 ** 31 - 1), RangeError);
    assert.equal(s.value, 0);
    s.release(MAX);
    assert.equal(s.value, MAX);
    assert.throws(() => s.release(), RangeError);
    assert.equal(s.value, MAX);
    // Still a working semaphore: take them all back, one and then the rest.
    assert.equal(await s.acquire(0), true);
    s.release();
    assert.equal(s.value, MAX);
    assert.equal(s.locked(), false);
  });

  test('holds and plain acquires share the count; a hold gives back exactly its permit', T, async () => {
    const s = new BoundedSemaphore(3);
    const a = s.holdSync();
    const b = await s.hold();
    assert.equal(s.value, 1);
    assert.equal(s.acquireSync(0), true);
    assert.equal(s.acquireSync(0), false);
    a[Symbol.dispose]();
    b[Symbol.dispose]();
    assert.equal(s.value, 2);
    s.release();
    assert.throws(() => s.release(), ValueError);
    assert.equal(s.value, 3);
  });
});
