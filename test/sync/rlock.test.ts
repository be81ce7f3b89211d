import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RLock, RuntimeError, Thread } from 'skein/threading';

const T = { timeout: 600_000 };

describe('RLock', { timeout: 1_800_000 }, () => {
  test('acquireSync re-enters in the owning thread (no DeadlockError); count tracks levels', T, () => {
    const r = new RLock();
    r.acquireSync();
    assert.equal(r.acquireSync(), true);
    assert.equal(r.count, 2);
    r.release();
    r.release();
    assert.equal(r.count, 0);
    assert.throws(
      () => r.release(),
      (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME',
    );
  });

  test('holdSync nests (Python: nested with rlock:)', T, () => {
    const r = new RLock();
    {
      using _a = r.holdSync();
      {
        using _b = r.holdSync();
        assert.equal(r.count, 2);
      }
      assert.equal(r.count, 1);
    }
    assert.equal(r.locked(), false);
  });

  test('another thread waits for all levels to be released', T, async () => {
    const r = new RLock();
    await r.acquire();
    await r.acquire();
    const t = new Thread({
      target: async (l: RLock) => {
        const early = l.acquireSync({ blocking: false });
        const got = l.acquireSync(120_000);
        l.release();
        return [early, got];
      },
      args: [r],
    });
    t.start();
    const { until } = await import('../helpers.ts');
    await until(() => r.waiting === 1);
    r.release();
    assert.equal(r.locked(), true);
    r.release();
    assert.deepEqual(await t.result(), [false, true]);
  });
});
