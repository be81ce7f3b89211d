// ThreadPoolExecutor: submit, map, per-task options, crashes, initializer, names, metrics.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BrokenThreadPool,
  type Future,
  RuntimeError,
  ThreadPoolExecutor,
  TimeoutError,
  task,
  WorkerDiedError,
} from 'skein/futures';
import { rejectsWith, until } from '../helpers.ts';

const tasks = new URL('../fixtures/futures-tasks.mjs', import.meta.url);
const fib = task<(n: number) => number>(tasks, 'fib');
const count = task<() => number>(tasks, 'count');

describe('ThreadPoolExecutor', { timeout: 1_800_000 }, () => {
  test('submit infers types and resolves; futures are awaitable', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const f: Future<string> = pool.submit((n: number) => String(n), 7);
    assert.equal(await f.result(), '7');
    assert.equal(await f, '7');
    assert.equal(f.done(), true);
    const g: Future<number> = pool.submit(async (a: number, b: number) => a + b, 2, 3);
    assert.equal(await g, 5);
    assert.equal(await pool.submit(fib, 20), 6765);
  });

  test('a task error arrives with its class, message and code', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const f = pool.submit(() => {
      throw Object.assign(new RangeError('out of range'), { code: 'E_MINE' });
    });
    const e = await f.exception();
    assert.ok(e instanceof RangeError);
    assert.equal((e as Error & { code?: string }).code, 'E_MINE');
    await assert.rejects(f.result(), RangeError);
  });

  test('a non-cloneable argument is a TypeError at submit naming the path', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    assert.throws(
      () => pool.submit((o: { h: () => void }) => o, { h: () => {} }),
      (e: unknown) => e instanceof TypeError && /args\[0\]\.h/.test(e.message),
    );
  });

  test('workers are named PREFIX_N and reused (module state persists)', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1, threadNamePrefix: 'io' });
    const name = await pool.submit(async () => (await import('skein/threading')).currentThread().name);
    assert.equal(name, 'io_0');
    await pool.submit(count);
    assert.equal(await pool.submit(count), 2);
    const dflt = new ThreadPoolExecutor({ maxWorkers: 1 });
    assert.match(dflt.threadNamePrefix, /^ThreadPoolExecutor-\d+$/);
    await dflt.shutdown();
  });

  test('map: input order, chunks, async iterables, empty input', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const out: number[] = [];
    for await (const r of pool.map((x: number) => x * 2, [1, 2, 3, 4, 5, 6, 7], { chunksize: 3 }))
      out.push(r);
    assert.deepEqual(out, [2, 4, 6, 8, 10, 12, 14]);
    async function* gen() {
      for (let i = 0; i < 10; i++) yield i;
    }
    const out2: number[] = [];
    for await (const r of pool.map((x: number) => x + 1, gen(), { chunksize: 4, buffersize: 1 }))
      out2.push(r);
    assert.deepEqual(out2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for await (const _ of pool.map((x: number) => x, [])) assert.fail('no items');
    const out3: number[] = [];
    const arr = Array.from({ length: 11 }, (_, i) => i);
    for await (const r of pool.map((x: number) => -x, arr, { chunksize: 2, buffersize: 1 })) out3.push(r);
    assert.deepEqual(
      out3,
      arr.map((x) => -x),
    );
    const out4: number[] = [];
    for await (const r of pool.map((x: number) => x * 10, new Set([3, 1, 2]), { chunksize: 2 })) out4.push(r);
    assert.deepEqual(out4, [30, 10, 20]);
  });

  test('map: an item error is thrown at its position, after the earlier results', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of pool.map(
          (x: number) => {
            if (x === 3) throw new Error('three');
            return x;
          },
          [1, 2, 3, 4],
          { chunksize: 2 },
        ))
          got.push(r);
      })(),
      /three/,
    );
    assert.deepEqual(got, [1, 2]);
  });

  test('map: stopping early cancels the items not started', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const block = pool.submit((ms: number) => new Promise((r) => setTimeout(r, ms)), 100);
    const seen: number[] = [];
    const before = pool.metrics().completed;
    for await (const r of pool.map((x: number) => x, [1, 2, 3, 4, 5, 6, 7, 8])) {
      seen.push(r);
      break;
    }
    await block;
    await pool.shutdown();
    assert.deepEqual(seen, [1]);
    // The block and at most the window's worth of items ran, not every item.
    assert.ok(pool.metrics().completed - before < 9, `completed ${pool.metrics().completed - before}`);
  });

  test('map: timeout throws TimeoutError', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await rejectsWith(
      (async () => {
        for await (const _ of pool.map((ms: number) => new Promise((r) => setTimeout(r, ms)), [200], {
          timeout: 20,
        }));
      })(),
      TimeoutError,
    );
  });

  test('map: abort signal stops the iteration with its reason', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const ac = new AbortController();
    const it = pool.map((ms: number) => new Promise((r) => setTimeout(r, ms)), [200, 200], {
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(new Error('stop now')), 10);
    await assert.rejects(
      (async () => {
        for await (const _ of it);
      })(),
      /stop now/,
    );
  });

  test('per-task timeout stops a running task (its worker is replaced)', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const f = pool.submitWith({ timeout: 50 }, () => {
      for (;;);
    });
    const e = await f.exception();
    assert.ok(e instanceof TimeoutError);
    assert.equal((e as TimeoutError).code, 'ERR_SKEIN_TIMEOUT');
    assert.equal(await pool.submit((x: number) => x + 1, 1), 2);
    assert.equal(pool.metrics().workers, 1);
  });

  test('per-task signal: aborts a running task, a queued task, and an already-aborted one', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const ac = new AbortController();
    const spin = pool.submitWith({ signal: ac.signal }, () => {
      for (;;);
    });
    const queued = pool.submitWith({ signal: ac.signal }, () => 1);
    await until(() => spin.running(), { what: 'the task runs' });
    ac.abort(new Error('aborted by test'));
    await assert.rejects(spin.result(), /aborted by test/);
    await assert.rejects(queued.result(), /aborted by test/);
    const pre = pool.submitWith({ signal: AbortSignal.abort(new Error('already')) }, () => 1);
    await assert.rejects(pre.result(), /already/);
    assert.equal(await pool.submit(() => 'alive'), 'alive');
  });

  test('a worker that dies fails only its tasks with WorkerDiedError; the pool goes on', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const crash = pool.submit(() => process.exit(7));
    const e = await crash.exception();
    assert.ok(e instanceof WorkerDiedError, String(e));
    assert.equal((e as WorkerDiedError).code, 'ERR_SKEIN_WORKER_DIED');
    assert.equal((e as WorkerDiedError).exitCode, 7);
    const results = await Promise.all([1, 2, 3].map((x) => pool.submit((y: number) => y * 3, x)));
    assert.deepEqual(results, [3, 6, 9]);
    assert.equal(pool.metrics().crashed, 1);
  });

  test('out of memory is reported as such', async () => {
    await using pool = new ThreadPoolExecutor({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    const e = await pool.submit(task<(how: string) => string>(tasks, 'crash'), 'oom').exception();
    assert.ok(e instanceof WorkerDiedError);
    assert.equal((e as WorkerDiedError).reason, 'out-of-memory');
    assert.equal(await pool.submit(() => 1), 1);
  });

  test('initializer runs first in every worker', async () => {
    await using pool = new ThreadPoolExecutor({
      maxWorkers: 2,
      initializer: task<(v: string) => void>(tasks, 'init'),
      initargs: ['hello'],
    });
    const v = await Promise.all([1, 2, 3, 4].map(() => pool.submit(task<() => string>(tasks, 'initValue'))));
    assert.deepEqual(v, ['hello', 'hello', 'hello', 'hello']);
  });

  test('a failing initializer breaks the pool: pending futures and later submits get BrokenThreadPool', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 2, initializer: task(tasks, 'failInit') });
    const fs = [1, 2, 3].map((x) => pool.submit((y: number) => y, x));
    for (const f of fs) {
      const e = await f.exception();
      assert.ok(e instanceof BrokenThreadPool, String(e));
      assert.equal((e as BrokenThreadPool).code, 'ERR_SKEIN_BROKEN_THREAD_POOL');
    }
    assert.throws(() => pool.submit(() => 1), BrokenThreadPool);
    await pool.shutdown();
  });

  test('submit after shutdown throws RuntimeError; shutdown is idempotent', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await pool.shutdown();
    await pool.shutdown();
    assert.throws(
      () => pool.submit(() => 1),
      (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME',
    );
    assert.throws(() => pool.map((x: number) => x, [1]), RuntimeError);
  });

  test('bad options fail at construction', () => {
    assert.throws(() => new ThreadPoolExecutor({ maxWorkers: 0 }), RangeError);
    assert.throws(() => new ThreadPoolExecutor({ maxWorkers: 1.5 }), TypeError);
  });

  test('transfer moves an ArrayBuffer', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const buf = new ArrayBuffer(1024);
    const n = await pool.submitWith({ transfer: [buf] }, (b: ArrayBuffer) => b.byteLength, buf);
    assert.equal(n, 1024);
    assert.equal(buf.byteLength, 0);
  });

  test('metrics count and time tasks', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => pool.submit((x: number) => x, i)));
    await pool
      .submit(() => {
        throw new Error('x');
      })
      .exception();
    const m = pool.metrics();
    assert.equal(m.completed, 50);
    assert.equal(m.failed, 1);
    assert.equal(m.queued, 0);
    assert.equal(m.running, 0);
    assert.equal(m.runTime.count, 51);
    assert.ok(m.waitTime.p50 >= 0 && m.runTime.p99 >= m.runTime.p50);
    assert.ok(m.utilization > 0 && m.utilization <= 1);
  });

  test('200 fib(25) spread over both workers', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const rs = await Promise.all(Array.from({ length: 200 }, () => pool.submit(fib, 25)));
    assert.ok(rs.every((r) => r === 75025));
  });
});
