import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Barrier, SharedArray, Thread } from 'skein/threading';

const T = { timeout: 600_000 };

describe('Barrier', { timeout: 1_800_000 }, () => {
  test(
    'waitSync in threads; the inline action runs once per cycle in the last thread to arrive',
    T,
    async () => {
      const log = new SharedArray('int32', 4);
      const b2 = new Barrier(3, {
        action: () => {
          const g = globalThis as { __actions?: number };
          g.__actions = (g.__actions ?? 0) + 1;
        },
      });
      const threads = [0, 1, 2].map((i) => {
        const t = new Thread({
          target: async (bar: Barrier, out: SharedArray<'int32'>, k: number) => {
            const idx = bar.waitSync(120_000);
            Atomics.add(out as unknown as Int32Array, 0, 1);
            out[k + 1] = idx;
            return idx;
          },
          args: [b2, log, i],
        });
        t.start();
        return t;
      });
      const idx = await Promise.all(threads.map((t) => t.result()));
      assert.deepEqual([...idx].sort(), [0, 1, 2]);
      assert.equal(log[0], 3);
      assert.equal(b2.broken, false);
    },
  );

  test('waitSync refuses an async action (it cannot be awaited) and breaks the barrier', T, () => {
    const b = new Barrier(1, { action: async () => 1 });
    assert.throws(() => b.waitSync(), TypeError);
    assert.equal(b.broken, true);
  });

  test('a module-task action', T, async () => {
    const { task } = await import('skein/threading');
    const b = new Barrier(2, { action: task(new URL('./fixtures/actions.mjs', import.meta.url), 'bump') });
    const t = new Thread({ target: async (bar: Barrier) => bar.wait(), args: [b] });
    t.start();
    const mine = await b.wait();
    assert.deepEqual([mine, await t.result()].sort(), [0, 1]);
  });
});
