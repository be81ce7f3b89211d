// CPython's test_concurrent_futures/test_wait.py and test_as_completed.py behaviours, written
// fresh, on hand-driven futures (deterministic) and on a thread pool.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALL_COMPLETED,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  ThreadPoolExecutor,
  TimeoutError,
  wait,
} from 'skein/futures';
import { rejectsWith } from '../helpers.ts';

const pending = () => new Future<number>();
const done = (v: number) => {
  const f = new Future<number>();
  f.setResult(v);
  return f;
};
const failed = () => {
  const f = new Future<number>();
  f.setException(new Error('failed'));
  return f;
};
const cancelled = () => {
  const f = new Future<number>();
  f.cancel();
  return f;
};

describe('wait (test_wait)', { timeout: 1_800_000 }, () => {
  test('FIRST_COMPLETED returns when one completes', async () => {
    const a = pending();
    const b = pending();
    const p = wait([a, b], { returnWhen: FIRST_COMPLETED });
    setImmediate(() => b.setResult(1));
    const r = await p;
    assert.deepEqual([...r.done], [b]);
    assert.deepEqual([...r.notDone], [a]);
  });

  test('FIRST_COMPLETED with one already done returns at once', async () => {
    const a = pending();
    const d = done(1);
    const r = await wait([a, d], { returnWhen: FIRST_COMPLETED });
    assert.deepEqual([...r.done], [d]);
  });

  test('FIRST_EXCEPTION returns on the first failure; a cancellation is not one', async () => {
    const a = pending();
    const b = pending();
    const c = pending();
    const p = wait([a, b, c], { returnWhen: FIRST_EXCEPTION });
    a.cancel();
    b.setException(new Error('x'));
    const r = await p;
    assert.deepEqual(new Set(r.done), new Set([a, b]));
    assert.deepEqual([...r.notDone], [c]);
  });

  test('FIRST_EXCEPTION with no failure waits for all', async () => {
    const a = pending();
    const b = done(2);
    const p = wait([a, b, cancelled()], { returnWhen: FIRST_EXCEPTION });
    setImmediate(() => a.setResult(1));
    const r = await p;
    assert.equal(r.done.size, 3);
    assert.equal(r.notDone.size, 0);
  });

  test('FIRST_EXCEPTION with one already failed returns at once', async () => {
    const f = failed();
    const r = await wait([pending(), f], { returnWhen: FIRST_EXCEPTION });
    assert.deepEqual([...r.done], [f]);
  });

  test('ALL_COMPLETED (default) waits for every future, mixed outcomes', async () => {
    const fs = [done(1), failed(), cancelled(), pending()];
    const p = wait(fs);
    setImmediate(() => fs[3]!.setResult(4));
    const r = await p;
    assert.equal(r.done.size, 4);
    assert.equal(r.notDone.size, 0);
  });

  test('timeout returns the sets as they are, without throwing', async () => {
    const a = pending();
    const d = done(1);
    const r = await wait([a, d], { timeout: 20, returnWhen: ALL_COMPLETED });
    assert.deepEqual([...r.done], [d]);
    assert.deepEqual([...r.notDone], [a]);
  });

  test('duplicates count once; a bad returnWhen is a TypeError', async () => {
    const d = done(1);
    const r = await wait([d, d, d]);
    assert.equal(r.done.size, 1);
    assert.throws(() => wait([d], { returnWhen: 'SOMETIMES' as never }), TypeError);
  });

  test('futures of a real pool', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const fast = pool.submit((x: number) => x * 2, 21);
    const slow = pool.submit((ms: number) => new Promise<number>((r) => setTimeout(() => r(1), ms)), 300);
    const r = await wait([fast, slow], { returnWhen: FIRST_COMPLETED });
    assert.ok(r.done.has(fast));
    assert.ok(r.notDone.has(slow));
    assert.equal(await fast, 42);
    assert.ok(slow.running());
    const all = await wait([fast, slow]);
    assert.equal(all.done.size, 2);
  });
});

describe('asCompleted (test_as_completed)', { timeout: 1_800_000 }, () => {
  test('yields done futures first, then in completion order', async () => {
    const d = done(0);
    const a = pending();
    const b = pending();
    const seen: unknown[] = [];
    const it = (async () => {
      for await (const f of asCompleted([a, d, b])) seen.push(f);
    })();
    await new Promise((r) => setImmediate(r));
    b.setResult(2);
    await new Promise((r) => setImmediate(r));
    a.setResult(1);
    await it;
    assert.deepEqual(seen, [d, b, a]);
  });

  test('duplicates are yielded once', async () => {
    const d = done(1);
    const out: unknown[] = [];
    for await (const f of asCompleted([d, d])) out.push(f);
    assert.deepEqual(out, [d]);
  });

  test('timeout throws TimeoutError naming the unfinished count', async () => {
    const d = done(1);
    const got: unknown[] = [];
    await rejectsWith(
      (async () => {
        for await (const f of asCompleted([d, pending(), pending()], { timeout: 20 })) got.push(f);
      })(),
      TimeoutError,
      /2 \(of 3\) futures unfinished/,
    );
    assert.deepEqual(got, [d]);
  });

  test('zero timeout with everything done yields all', async () => {
    const out: number[] = [];
    for await (const f of asCompleted([done(1), done(2)], { timeout: 0 })) out.push(await f.result());
    assert.deepEqual(out.sort(), [1, 2]);
  });

  test('breaking out removes its waiters', async () => {
    const a = pending();
    const d = done(1);
    for await (const _ of asCompleted([d, a])) break;
    // `_waiters` is internal (not in the published types): read it through a cast.
    assert.equal((a as unknown as { _waiters?: Set<unknown> })._waiters?.size ?? 0, 0);
  });

  test('on a pool', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const fs = [3, 1, 2].map((n) => pool.submit((x: number) => x * 10, n));
    const results: number[] = [];
    for await (const f of asCompleted(fs)) results.push(await f.result());
    assert.deepEqual(
      results.sort((x, y) => x - y),
      [10, 20, 30],
    );
  });
});
