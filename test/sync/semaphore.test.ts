import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedSemaphore, Semaphore, Thread, ValueError } from 'skein/threading';
import { until } from './harness.ts';

const T = { timeout: 30_000 };

describe('Semaphore', T, () => {
  test('acquireSync in threads, release from main; value back to initial', T, async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const threads = [0, 1].map(() => {
      const t = new Thread({
        target: async (sem: Semaphore) => {
          const got = sem.acquireSync(10_000);
          sem.release();
          return got;
        },
        args: [s],
      });
      t.start();
      return t;
    });
    await until(() => s.waiting === 2, 20_000);
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
    assert.throws(() => s.release(), ValueError);
    assert.equal(s.value, 1);
  });
});
