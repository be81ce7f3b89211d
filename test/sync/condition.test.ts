import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Condition, Lock, RLock, Thread } from 'skein/threading';
import { until } from '../helpers.ts';

const T = { timeout: 600_000 };

describe('Condition', { timeout: 1_800_000 }, () => {
  test('waitSync in a thread restores every RLock level; notify from main', T, async () => {
    const c = new Condition(new RLock());
    const t = new Thread({
      target: async (cond: Condition) => {
        cond.acquireSync();
        cond.acquireSync();
        const r = cond.waitSync(120_000);
        const level = (cond.lock as RLock).count;
        cond.release();
        cond.release();
        return [r, level];
      },
      args: [c],
    });
    t.start();
    await until(() => c.nWaiting === 1, { what: 'one waiter' });
    // The waiter released both levels: we can take the lock.
    assert.equal(await c.acquire(5000), true);
    assert.deepEqual(c.waiters, [t.ident]);
    c.notify();
    c.release();
    assert.deepEqual(await t.result(), [true, 2]);
  });

  test('waitForSync with a Lock in threads, producer on main', T, async () => {
    const c = new Condition(new Lock());
    const items = new Int32Array(new SharedArrayBuffer(4));
    const consumers = [0, 1].map(() => {
      const t = new Thread({
        target: async (cond: Condition, cells: Int32Array) => {
          cond.acquireSync();
          try {
            cond.waitForSync(() => cells[0]! > 0, 10_000);
            cells[0]!--;
            return true;
          } finally {
            cond.release();
          }
        },
        args: [c, items],
      });
      t.start();
      return t;
    });
    await until(() => c.nWaiting === 2, { what: 'two waiters' });
    await c.run(() => {
      items[0] = 2;
      c.notifyAll();
    });
    for (const t of consumers) assert.equal(await t.result(), true);
    assert.equal(items[0], 0);
  });

  test('notify(n) validation', T, async () => {
    const c = new Condition();
    await c.acquire();
    assert.throws(() => c.notify(-1), RangeError);
    c.notify(0);
    c.release();
  });
});
