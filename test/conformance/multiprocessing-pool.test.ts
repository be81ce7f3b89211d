// Behaviours of CPython's pool tests (Lib/test/_test_multiprocessing.py, `_TestPool` and
// `_TestPoolWorkerLifetime`), written fresh for skein and run against both Pool and ThreadPool
// (CPython runs `_TestPool` for processes, threads and the manager flavour alike). Differences
// that skein makes on purpose are noted where they show.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pool, type PoolOptions, ThreadPool, TimeoutError, task, ValueError } from 'skein/multiprocessing';
import { rejectsWith } from '../helpers.ts';

const tasks = new URL('../fixtures/pool-tasks.mjs', import.meta.url);
const sqr = task<(x: number) => number>(tasks, 'sqr');
const mul = task<(a: number, b: number) => number>(tasks, 'mul');
const raising = task<() => never>(tasks, 'raising');
const waitForFile = task<(path: string, value: string) => Promise<string>>(tasks, 'waitForFile');
const whoami = task<() => Promise<string>>(tasks, 'whoami');

class SayWhenError extends Error {}
/** CPython's `exception_throwing_generator(total, when)`: raises SayWhenError at item `when`. */
function* throwingGenerator(total: number, when: number) {
  for (let i = 0; i < total; i++) {
    if (i === when) throw new SayWhenError('Somebody said when');
    yield i;
  }
}
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sq = (xs: number[]) => xs.map((x) => x * x);

const kinds = [
  ['Pool', (o?: PoolOptions) => new Pool(o)],
  ['ThreadPool', (o?: PoolOptions) => new ThreadPool(o)],
] as const;

for (const [name, make] of kinds) {
  describe(`CPython _TestPool on ${name}`, { timeout: 1_800_000 }, () => {
    let pool: Pool;
    test.before(() => {
      pool = make({ processes: 4 });
    });
    test.after(async () => {
      pool.terminate();
      await pool.join();
    });

    test('test_apply', async () => {
      assert.equal(await pool.apply(sqr, [5]), 25);
    });

    test('test_map (with and without chunksize)', async () => {
      assert.deepEqual(await pool.map(sqr, range(10)), sq(range(10)));
      assert.deepEqual(await pool.map(sqr, range(100), 20), sq(range(100)));
    });

    test('test_starmap and test_starmap_async', async () => {
      const tuples = range(10).map((i) => [i, i + 1] as [number, number]);
      const want = tuples.map(([a, b]) => a * b);
      assert.deepEqual(await pool.starmap(mul, tuples), want);
      assert.deepEqual(
        await pool.starmap(
          mul,
          range(100).map((i) => [i, i + 1] as [number, number]),
          20,
        ),
        range(100).map((i) => i * (i + 1)),
      );
      assert.deepEqual(await pool.starmapAsync(mul, tuples).get(), want);
    });

    test('test_map_async and test_map_async_callbacks', async () => {
      assert.deepEqual(await pool.mapAsync(sqr, range(10)).get(), sq(range(10)));
      const callArgs: unknown[] = [];
      await pool
        .mapAsync((x: number) => x, [1], {
          callback: (v) => callArgs.push(v),
          errorCallback: (e) => callArgs.push(e),
        })
        .wait();
      assert.deepEqual(callArgs, [[1]]);
      const failArgs: unknown[] = [];
      await pool
        .mapAsync(raising as never as (x: number) => number, [1], {
          callback: (v: number[]) => failArgs.push(v),
          errorCallback: (e: Error) => failArgs.push(e),
        })
        .wait();
      assert.equal(failArgs.length, 1);
      assert.equal((failArgs[0] as Error).name, 'KeyError');
    });

    test('test_map_unplicklable: an item that cannot be sent fails the call', async () => {
      await assert.rejects(
        pool.map((x: unknown) => x, [() => 1]),
        TypeError,
      );
    });

    test('test_map_chunksize: a chunksize with an empty or one-item list', async () => {
      assert.deepEqual(await pool.mapAsync((s: string) => Number(s), ['1'], { chunksize: 1 }).get(5000), [1]);
      assert.deepEqual(await pool.map(sqr, [], 5), []);
    });

    test('test_map_handle_iterable_exception: map raises the iterable’s own error', async () => {
      // map reads the whole iterable at the call (as Python's list(iterable)): the error is at the call.
      await rejectsWith(pool.map(sqr, throwingGenerator(10, 3)), SayWhenError);
      await rejectsWith(pool.map(sqr, throwingGenerator(10, 3), 1), SayWhenError);
    });

    test('test_async and test_async_timeout', async () => {
      const r = pool.applyAsync(sqr, [7]);
      assert.equal(await r.get(), 49);
      const g = `/nonexistent-skein-gate-${process.pid}-${name}`;
      const r2 = pool.applyAsync(waitForFile, [g, 'x']);
      await rejectsWith(r2.get(10), TimeoutError);
    });

    test('test_imap (and StopIteration after the end)', async () => {
      const it = pool.imap(sqr, range(10));
      const got: number[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await it.next();
        assert.equal(r.done, false);
        got.push(r.value as number);
      }
      assert.deepEqual(got, sq(range(10)));
      assert.equal((await it.next()).done, true);
      assert.equal((await it.next()).done, true);
      const big: number[] = [];
      for await (const v of pool.imap(sqr, range(1000), 100)) big.push(v);
      assert.deepEqual(big, sq(range(1000)));
    });

    test('test_imap_handle_iterable_exception: results up to the error, then the error', async () => {
      for (const cs of [1, 2, 3]) {
        const it = pool.imap(sqr, throwingGenerator(10, 3), cs);
        for (let i = 0; i < 3; i++) assert.deepEqual(await it.next(), { value: i * i, done: false });
        await rejectsWith(it.next(), SayWhenError);
      }
    });

    test('test_imap_unordered and its iterable-exception variant', async () => {
      const got: number[] = [];
      for await (const v of pool.imapUnordered(sqr, range(100))) got.push(v);
      assert.deepEqual(
        got.sort((a, b) => a - b),
        sq(range(100)),
      );
      const big: number[] = [];
      for await (const v of pool.imapUnordered(sqr, range(1000), 53)) big.push(v);
      assert.deepEqual(
        big.sort((a, b) => a - b),
        sq(range(1000)),
      );
      const seen = new Set<number>();
      const it = pool.imapUnordered(sqr, throwingGenerator(10, 3), 1);
      await rejectsWith(
        (async () => {
          for await (const v of it) seen.add(v);
        })(),
        SayWhenError,
      );
      for (const v of seen) assert.ok([0, 1, 4].includes(v));
    });

    test('test_empty_iterable', async () => {
      assert.deepEqual(await pool.map(sqr, []), []);
      const a: number[] = [];
      for await (const v of pool.imap(sqr, [])) a.push(v);
      for await (const v of pool.imapUnordered(sqr, [])) a.push(v);
      assert.deepEqual(a, []);
      assert.deepEqual(await pool.mapAsync(sqr, []).get(), []);
    });

    test('test_traceback and test_wrapped_exception: the worker’s error, with its remote stack', async () => {
      const err = await pool.apply(raising).catch((e: unknown) => e as Error & { detail?: number });
      assert.equal(err.name, 'KeyError');
      assert.equal(err.message, 'key');
      assert.equal(err.detail, 42);
      assert.match(String(err.stack), /raising/);
      const r = pool.applyAsync(raising);
      await assert.rejects(r.get(), (e: Error) => e.name === 'KeyError');
      assert.equal(r.successful(), false);
    });

    test('test_async_error_callback', async () => {
      const scratch: Error[] = [];
      const r = pool.applyAsync(raising, [], { errorCallback: (e) => scratch.push(e) });
      await assert.rejects(r.get(), (e: Error) => e.name === 'KeyError');
      assert.equal(scratch.length, 1);
      assert.equal(scratch[0]!.name, 'KeyError');
    });

    test('test_unpickleable_result: a result that cannot be sent back fails the task', async () => {
      const unsendable = task<() => () => number>(tasks, 'unsendable');
      await assert.rejects(
        pool.apply(unsendable),
        (e: Error) => e instanceof TypeError && /result/.test(e.message),
      );
      assert.equal(await pool.apply(sqr, [3]), 9);
    });

    test('test_map_no_failfast: after a failed map the pool closes and joins normally', async () => {
      const p = make({ processes: 2 });
      await assert.rejects(p.map(raising as never as (x: number) => never, range(20), 1));
      p.close();
      await p.join();
    });
  });

  describe(`CPython pool lifecycle on ${name}`, { timeout: 1_800_000 }, () => {
    test('test_make_pool: processes below 1 are refused; the count is kept', async () => {
      // Python: ValueError; skein: RangeError for an out-of-range number (DESIGN §1.7).
      assert.throws(() => make({ processes: -1 }), RangeError);
      assert.throws(() => make({ processes: 0 }), RangeError);
      const p = make({ processes: 3 });
      assert.equal(p.processes, 3);
      p.close();
      await p.join();
    });

    test('test_terminate: terminate() with many queued tasks returns promptly', async () => {
      const p = make({ processes: 2 });
      const g = `/nonexistent-skein-gate-${process.pid}-term-${name}`;
      const r = p.mapAsync(waitForFile as never as (x: string) => Promise<string>, Array(10_000).fill(g), {
        chunksize: 1,
      });
      p.terminate();
      await p.join();
      await assert.rejects(r.get());
    });

    test('test_context / test_enter: `await using` terminates; then the pool refuses work', async () => {
      let saved: Pool;
      {
        await using p = make({ processes: 2 });
        saved = p;
        assert.deepEqual(await p.mapAsync(sqr, range(10)).get(), sq(range(10)));
      }
      await rejectsWith(saved.map(sqr, range(10)), ValueError, /Pool not running/);
    });

    test('test_pool_worker_lifetime: maxtasksperchild replaces workers; results stay right', async () => {
      const p = make({ processes: 3, maxtasksperchild: 10 });
      const first = new Set(await p.map(whoami as never as (x: number) => Promise<string>, range(3), 1));
      const results = range(100).map((i) => p.applyAsync(sqr, [i]));
      for (let i = 0; i < 100; i++) assert.equal(await results[i]!.get(), i * i);
      const later = new Set(await p.map(whoami as never as (x: number) => Promise<string>, range(3), 1));
      assert.ok(
        [...later].some((w) => !first.has(w)),
        'some worker was replaced',
      );
      p.close();
      await p.join();
    });

    test('test_pool_worker_lifetime_early_close', async () => {
      const p = make({ processes: 1, maxtasksperchild: 1 });
      const results = [6, 7, 8].map((i) => p.applyAsync(sqr, [i]));
      p.close();
      await p.join();
      assert.deepEqual(await Promise.all(results.map((r) => r.get())), [36, 49, 64]);
    });

    test('test_pool_maxtasksperchild_invalid', () => {
      // Python: ValueError for 0, -1 and a string; skein: RangeError / TypeError.
      assert.throws(() => make({ maxtasksperchild: 0 }), RangeError);
      assert.throws(() => make({ maxtasksperchild: -1 }), RangeError);
      assert.throws(() => make({ maxtasksperchild: 'x' as never }), TypeError);
    });

    test('join() while running is refused (Python: ValueError "Pool is still running")', async () => {
      const p = make({ processes: 1 });
      await rejectsWith(p.join(), ValueError, /still running/);
      p.terminate();
      await p.join();
    });
  });
}
