import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RLock, SharedArray, Thread } from 'skein/threading';

const T = { timeout: 600_000 };

describe('SharedArray', { timeout: 1_800_000 }, () => {
  test('index access, length, iteration, instanceof, typecodes', T, () => {
    const a = new SharedArray('i', [1, 2, 3]);
    assert.equal(a.length, 3);
    assert.equal(a[1], 2);
    a[1] = 20;
    assert.deepEqual([...a], [1, 20, 3]);
    assert.ok(a instanceof SharedArray);
    assert.ok(!(new Int32Array(2) instanceof SharedArray));
    assert.ok(a.getLock() instanceof RLock);
    assert.equal(a.type, 'int32');
    const z = new SharedArray('d', 4);
    assert.deepEqual([...z], [0, 0, 0, 0]);
    const q = new SharedArray('Q', [1n, 2n]);
    assert.equal(q[1], 2n);
    assert.equal(new SharedArray('int8', 0).length, 0);
    assert.throws(() => new SharedArray('zz' as 'i', 2), TypeError);
    assert.throws(() => new SharedArray('i', -1), RangeError);
    assert.throws(() => new SharedArray('i', [1n as unknown as number]), TypeError);
    // Derived arrays are plain copies.
    assert.ok(!(a.map((x) => x * 2) instanceof SharedArray));
  });

  test('crosses into a thread as itself (same memory, same lock)', T, async () => {
    const a = new SharedArray('float64', 3);
    const t = new Thread({
      target: async (arr: SharedArray<'float64'>) => {
        const l = arr.getLock();
        l.acquireSync();
        arr[0] = 1.5;
        arr[2] = arr.length;
        const owner = l.owner;
        l.release();
        return [arr.constructor.name, owner !== null, arr.type];
      },
      args: [a],
    });
    t.start();
    assert.deepEqual(await t.result(), ['SharedFloat64Array', true, 'float64']);
    assert.deepEqual([...a], [1.5, 0, 3]);
  });
});
