// CPython's test_concurrent_futures/test_deadlock.py cases, written fresh: a pool must never
// hang when a worker dies or a value cannot cross, at any point of a task's life.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProcessPoolExecutor, ThreadPoolExecutor, WorkerDiedError } from 'skein/futures';
import { until } from '../helpers.ts';

describe('deadlock cases (test_deadlock)', { timeout: 1_800_000 }, () => {
  for (const [name, make] of [
    ['threads', () => new ThreadPoolExecutor({ maxWorkers: 2 })],
    ['processes', () => new ProcessPoolExecutor({ maxWorkers: 2 })],
  ] as const) {
    test(`${name}: exit during a task fails it, others complete`, async () => {
      await using pool = make();
      // (Tasks pipelined to the same worker behind the crash would fail with it too; the
      // engine gives a fresh worker one task at a time, so this one goes to the other worker.)
      const fs = [pool.submit(() => process.exit(1)), pool.submit((x: number) => x, 5)];
      const e = await fs[0]!.exception();
      assert.ok(e instanceof WorkerDiedError);
      assert.equal(e.code, 'ERR_SKEIN_WORKER_DIED');
      assert.equal(await fs[1], 5);
    });

    test(`${name}: a result that cannot be sent back fails that task only`, async () => {
      await using pool = make();
      const e = await pool.submit(() => () => 1).exception();
      assert.ok(e instanceof TypeError, String(e));
      assert.match(e!.message, /result/);
      assert.equal(await pool.submit(() => 'next'), 'next');
    });

    test(`${name}: an error that fails in transit still arrives as an error`, async () => {
      await using pool = make();
      const e = await pool
        .submit(() => {
          const err = new Error('with odd props') as Error & { fn?: unknown };
          err.fn = () => 1;
          throw err;
        })
        .exception();
      assert.match(e!.message, /with odd props/);
    });

    test(`${name}: shutdown from inside a done callback does not hang`, async () => {
      const pool = make();
      const done = new Promise<void>((resolve) => {
        pool
          .submit(() => 1)
          .addDoneCallback(() => {
            void pool.shutdown().then(resolve);
          });
      });
      await done;
    });

    test(`${name}: a crash in a timer after the task returned is contained`, async () => {
      await using pool = make();
      const f = pool.submit(() => {
        setTimeout(() => {
          throw new Error('late');
        }, 5);
        return 'returned';
      });
      assert.equal(await f, 'returned');
      // The worker dies afterwards: tasks it holds then fail with WorkerDiedError (only those),
      // and the pool replaces it and serves on.
      const early = await Promise.allSettled([1, 2, 3, 4].map((x) => pool.submit((y: number) => y, x)));
      for (const r of early) {
        if (r.status === 'rejected') assert.ok(r.reason instanceof WorkerDiedError, String(r.reason));
      }
      await until(() => pool.metrics().crashed > 0, { what: 'the pool counted the crash' });
      const rs = await Promise.all([1, 2, 3, 4].map((x) => pool.submit((y: number) => y, x)));
      assert.deepEqual(rs, [1, 2, 3, 4]);
    });
  }
});
