import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RLock, Thread, Value } from 'skein/threading';

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
