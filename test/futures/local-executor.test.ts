// LocalExecutor: async functions in this thread, bounded concurrency, closures allowed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalExecutor, TimeoutError } from 'skein/futures';

describe('LocalExecutor', { timeout: 1_800_000 }, () => {
  test('closures work and at most maxWorkers run at once', async () => {
    await using ex = new LocalExecutor({ maxWorkers: 3 });
    let active = 0;
    let peak = 0;
    const job = async (i: number) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return i * 2;
    };
    const fs = Array.from({ length: 12 }, (_, i) => ex.submit(job, i));
    assert.deepEqual(
      await Promise.all(fs),
      Array.from({ length: 12 }, (_, i) => i * 2),
    );
    assert.equal(peak, 3);
  });

  test('submit never runs the function synchronously; a queued future can be cancelled', async () => {
    await using ex = new LocalExecutor({ maxWorkers: 1 });
    let ran = false;
    const f = ex.submit(() => {
      ran = true;
    });
    assert.equal(ran, false);
    const g = ex.submit(() => 'never');
    assert.equal(g.cancel(), true);
    await f;
    assert.equal(ran, true);
    assert.equal(g.cancelled(), true);
  });

  test('timeout fails the future with TimeoutError', async () => {
    await using ex = new LocalExecutor({ maxWorkers: 1 });
    const f = ex.submitWith({ timeout: 10 }, () => new Promise((r) => setTimeout(r, 100)));
    const e = await f.exception();
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.code, 'ERR_SKEIN_TIMEOUT');
  });

  test('map in order with an async iterable', async () => {
    await using ex = new LocalExecutor({ maxWorkers: 4 });
    async function* items() {
      for (let i = 0; i < 10; i++) yield i;
    }
    const out: number[] = [];
    for await (const r of ex.map(async (x: number) => {
      await new Promise((res) => setTimeout(res, (10 - x) % 3));
      return x * x;
    }, items()))
      out.push(r);
    assert.deepEqual(out, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
  });

  test('sync errors and async rejections become the future exception', async () => {
    await using ex = new LocalExecutor();
    await assert.rejects(
      ex
        .submit(() => {
          throw new TypeError('sync');
        })
        .result(),
      TypeError,
    );
    await assert.rejects(ex.submit(async () => Promise.reject(new RangeError('async'))).result(), RangeError);
  });
});
