import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event, Thread } from 'skein/threading';
import { until } from '../helpers.ts';

const T = { timeout: 600_000 };

describe('Event', { timeout: 1_800_000 }, () => {
  test('waitSync in worker threads is woken by set() on the main thread', T, async () => {
    const e = new Event();
    const threads = [0, 1, 2].map(() => {
      const t = new Thread({ target: async (ev: Event) => ev.waitSync(120_000), args: [e] });
      t.start();
      return t;
    });
    await until(() => e.waiting === 3, { what: 'three waiters' });
    e.set();
    for (const t of threads) assert.equal(await t.result(), true);
  });

  test('validation: negative timeout → RangeError, bad signal → TypeError', T, async () => {
    const e = new Event();
    await assert.rejects(e.wait(-1), RangeError);
    assert.throws(() => e.waitSync(Number.NaN), RangeError);
    await assert.rejects(e.wait({ signal: {} as AbortSignal }), TypeError);
  });

  test('a timed wait keeps the program alive until it times out', T, async () => {
    const { runNode } = await import('../helpers.ts');
    const r = await runNode('test/sync/fixtures/timed-wait.mjs', [], { timeout: 600_000 });
    assert.equal(r.stdout.trim(), 'false');
    assert.equal(r.code, 0);
  });
});
