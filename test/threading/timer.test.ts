import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { releaseIdleThreads, Timer } from 'skein/threading';

after(() => releaseIdleThreads());

describe('Timer', { timeout: 1_800_000 }, () => {
  test('runs its function with args after the interval, in a thread named Thread-N', async () => {
    const t0 = performance.now();
    const t = new Timer(
      30,
      async (a: number, b: number) => {
        const { currentThread } = await import('skein/threading');
        return `${currentThread().name}:${a + b}`;
      },
      [1, 2],
    );
    assert.match(t.name, /^Thread-\d+$/);
    t.start();
    assert.equal(t.isAlive(), true);
    assert.equal(await t.result(), `${t.name}:3`);
    assert.ok(performance.now() - t0 >= 29, 'it waited for the interval');
  });

  test('cancel() before it fires: the function never runs', async () => {
    const ran = new Int32Array(new SharedArrayBuffer(4));
    const t = new Timer(
      10_000,
      (r: Int32Array) => {
        Atomics.store(r, 0, 1);
      },
      [ran],
    );
    t.start();
    t.cancel();
    await t.join();
    assert.equal(Atomics.load(ran, 0), 0);
    assert.equal(await t.result(), undefined);
  });

  test('cancel() before start and after firing is harmless', async () => {
    const t = new Timer(0, () => 'fired');
    t.cancel();
    t.start();
    assert.equal(await t.result(), undefined);
    const u = new Timer(0, () => 'fired');
    u.start();
    assert.equal(await u.result(), 'fired');
    u.cancel();
  });

  test('bad arguments', () => {
    assert.throws(() => new Timer(-1, () => 1), RangeError);
    assert.throws(() => new Timer(Number.NaN, () => 1), RangeError);
    assert.throws(() => new Timer('1' as never, () => 1), TypeError);
    assert.throws(() => new Timer(1, 'f' as never), TypeError);
    assert.throws(() => new Timer(1, () => 1, 3 as never), /args must be an array/);
  });
});
