import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RLock, SharedArray, Thread, Value } from 'skein/threading';

const T = { timeout: 600_000 };

describe('Value', { timeout: 1_800_000 }, () => {
  test('typecodes, defaults, wrapping, bigint types', T, () => {
    assert.equal(new Value('i').value, 0);
    assert.equal(new Value('d', 1.5).value, 1.5);
    assert.equal(new Value('q', 5n).value, 5n);
    const b = new Value('B', 255);
    b.value += 1;
    assert.equal(b.value, 0);
    assert.equal(new Value('int32', 7).type, 'int32');
    assert.equal(new Value('I', 1).type, 'uint32');
    assert.throws(() => new Value('x' as 'i'), TypeError);
    assert.throws(() => new Value('q', 1 as unknown as bigint), TypeError);
    assert.ok(new Value('i').getLock() instanceof RLock);
  });

  test('shared with a thread: locked increments are exact', T, async () => {
    const v = new Value('i', 0);
    const t = new Thread({
      target: async (val: Value<'i'>) => {
        for (let i = 0; i < 20_000; i++) {
          const l = val.getLock();
          l.acquireSync();
          val.value += 1;
          l.release();
        }
      },
      args: [v],
    });
    t.start();
    for (let i = 0; i < 20_000; i++) {
      const l = v.getLock();
      l.acquireSync();
      v.value -= 1;
      l.release();
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    await t.join();
    assert.equal(v.value, 0);
    const kShare = Symbol.for('skein.share');
    assert.throws(
      () => (v as unknown as Record<symbol, (d: string) => unknown>)[kShare]!('process'),
      /manager\.Value/,
    );
  });
});

describe('Value and SharedArray refuse what Python refuses (issue 12 §5)', T, () => {
  test('integer types refuse a non-integral number or a string: TypeError, nothing stored', T, () => {
    assert.throws(() => new Value('i', 1.7), TypeError);
    assert.throws(() => new Value('i', Number.NaN), TypeError);
    assert.throws(() => new Value('B', Number.POSITIVE_INFINITY), TypeError);
    const v = new Value('i', 3);
    assert.throws(() => {
      v.value = 1.7;
    }, /integer/);
    assert.throws(() => {
      v.value = 'zz' as unknown as number;
    }, TypeError);
    assert.equal(v.value, 3);
    const big = new Value('q', 1n);
    assert.throws(() => {
      big.value = 2 as unknown as bigint;
    }, TypeError);
    assert.equal(big.value, 1n);
  });

  test('integral values wrap to the width, as C and ctypes do; float types take any number', T, () => {
    const v = new Value('i', 2 ** 31);
    assert.equal(v.value, -(2 ** 31));
    v.value = 2 ** 40;
    assert.equal(v.value, 0);
    const d = new Value('d', 3);
    d.value = 1.7;
    assert.equal(d.value, 1.7);
    assert.throws(() => {
      d.value = 'x' as unknown as number;
    }, TypeError);
  });

  test('a SharedArray initializer of an integer type refuses 1.7', T, () => {
    assert.throws(() => new SharedArray('i', [1, 2.5]), TypeError);
    assert.throws(() => new SharedArray('h', ['1' as unknown as number]), TypeError);
    assert.deepEqual([...new SharedArray('f', [1.5])], [1.5]);
    assert.deepEqual([...new SharedArray('i', [2 ** 31])], [-(2 ** 31)]);
  });
});
