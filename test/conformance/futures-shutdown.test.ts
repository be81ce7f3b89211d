// CPython's test_concurrent_futures/test_shutdown.py behaviours, written fresh.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CancelledError,
  type Future,
  LocalExecutor,
  ProcessPoolExecutor,
  RuntimeError,
  ThreadPoolExecutor,
} from 'skein/futures';
import { resources, runNode, untilNoNewResources } from '../helpers.ts';

describe('shutdown (test_shutdown)', { timeout: 1_800_000 }, () => {
  for (const [name, make] of [
    ['ThreadPoolExecutor', () => new ThreadPoolExecutor({ maxWorkers: 2 })],
    ['ProcessPoolExecutor', () => new ProcessPoolExecutor({ maxWorkers: 2 })],
    ['LocalExecutor', () => new LocalExecutor({ maxWorkers: 2 })],
  ] as const) {
    test(`${name}: run after shutdown is a RuntimeError`, async () => {
      const ex = make();
      await ex.shutdown();
      assert.throws(
        () => ex.submit(() => 1),
        (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME',
      );
    });

    test(`${name}: shutdown({ wait: true }) waits for every submitted task`, async () => {
      const ex = make();
      const fs = [30, 10, 20, 5].map((ms) =>
        ex.submit((m: number) => new Promise<number>((r) => setTimeout(() => r(m), m)), ms),
      );
      await ex.shutdown();
      assert.ok(fs.every((f) => f.done()));
      assert.deepEqual(await Promise.all(fs), [30, 10, 20, 5]);
    });

    test(`${name}: shutdown({ cancelFutures: true }) cancels the tasks not started`, async () => {
      const ex = make();
      const fs = Array.from({ length: 20 }, () =>
        ex.submit((m: number) => new Promise<number>((r) => setTimeout(() => r(m), m)), 30),
      );
      await ex.shutdown({ cancelFutures: true });
      const cancelled = fs.filter((f) => f.cancelled());
      const finished = fs.filter((f) => !f.cancelled());
      assert.ok(cancelled.length > 0, 'some were cancelled');
      for (const f of cancelled) await assert.rejects(f.result(), CancelledError);
      for (const f of finished) assert.equal(await f, 30);
    });

    test(`${name}: shutdown({ wait: false }) returns at once; tasks still finish`, async () => {
      const ex = make();
      const f = ex.submit((m: number) => new Promise<number>((r) => setTimeout(() => r(m), m)), 50);
      await ex.shutdown({ wait: false });
      assert.equal(await f, 50);
      await ex.shutdown();
    });
  }

  test('after shutdown no worker, process or handle is left', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const before = resources();
    const tp = new ThreadPoolExecutor({ maxWorkers: 2 });
    const pp = new ProcessPoolExecutor({ maxWorkers: 2 });
    await Promise.all([tp.submit(() => 1), pp.submit(() => 2)]);
    await Promise.all([tp.shutdown(), pp.shutdown()]);
    await untilNoNewResources(before);
  });

  test('an idle pool does not keep the program alive; a busy one does, until its tasks end', async () => {
    const r = await runNode('test/fixtures/futures-idle-program.mjs', [], { timeout: 600_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'result 42\ncallback 42');
  });

  test('await using shuts down', async () => {
    let f: Future<number> | undefined;
    {
      await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      f = pool.submit((m: number) => new Promise<number>((r) => setTimeout(() => r(m), m)), 20);
    }
    assert.equal(f?.done(), true);
  });
});
