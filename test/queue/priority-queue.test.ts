/**
 * `PriorityQueue`: Python-tuple ordering, stability of equal keys, incomparable keys, and a
 * randomized check of the shared-memory heap against a sort.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PriorityQueue } from 'skein/queue';
import { compareKeys } from '../../dist/queue/priority-key.js';

describe('PriorityQueue', { timeout: 1_800_000 }, () => {
  test("the tutorial's program: (10,'a') (20,'a') (30,'a') (30,'b')", async () => {
    const q = new PriorityQueue<[number, string]>();
    for (const x of [
      [20, 'a'],
      [10, 'a'],
      [30, 'a'],
      [30, 'b'],
    ] as [number, string][])
      await q.put(x);
    const out = [];
    for (let i = 0; i < 4; i++) out.push(await q.get());
    assert.deepEqual(out, [
      [10, 'a'],
      [20, 'a'],
      [30, 'a'],
      [30, 'b'],
    ]);
  });

  test('numbers, strings, bigints; numbers and bigints compare by value', () => {
    const q = new PriorityQueue();
    for (const x of [3, 1n, 2.5, -1, 10n]) q.putNowait(x);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => q.getNowait()),
      [-1, 1n, 2.5, 3, 10n],
    );
    for (const s of ['b', 'a', 'ab', '']) q.putNowait(s);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => q.getNowait()),
      ['', 'a', 'ab', 'b'],
    );
  });

  test('arrays compare lexicographically, a prefix first, nested arrays too', () => {
    const q = new PriorityQueue();
    for (const x of [[1, [2, 'b']], [1], [1, [2, 'a']], [0, [9]], [1, [2]]]) q.putNowait(x);
    const out = [];
    while (!q.empty()) out.push(q.getNowait());
    assert.deepEqual(out, [[0, [9]], [1], [1, [2]], [1, [2, 'a']], [1, [2, 'b']]]);
  });

  test('equal keys come out in insertion order; payload after the key is never compared', () => {
    const q = new PriorityQueue<[number, { job: number }]>();
    for (let i = 0; i < 50; i++) q.putNowait([i % 3, { job: i }]);
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait()[1].job);
    const expected = [0, 1, 2].flatMap((k) =>
      Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 3 === k),
    );
    assert.deepEqual(out, expected);
  });

  test('incomparable keys → TypeError at put, queue unchanged', () => {
    const q = new PriorityQueue();
    q.putNowait([1, 'a']);
    assert.throws(() => q.putNowait(['x']), /'<' not supported/);
    assert.throws(() => q.putNowait('x'), TypeError);
    assert.throws(() => q.putNowait([1, 2]), TypeError); // 'a' vs 2 at position 1
    assert.throws(() => q.putNowait({ priority: 1 }), /PriorityQueue items/);
    assert.throws(() => q.putNowait(null), TypeError);
    assert.throws(() => q.putNowait(true), TypeError);
    assert.equal(q.qsize(), 1);
    assert.deepEqual(q.getNowait(), [1, 'a']);
    assert.ok(q.empty());
  });

  test('randomized: heap order equals a stable sort of the keys', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const q = new PriorityQueue<[number, number]>();
    const model: [number, number][] = [];
    let id = 0;
    for (let step = 0; step < 5000; step++) {
      if (rnd() < 0.55) {
        const item: [number, number] = [Math.floor(rnd() * 20), id++];
        q.putNowait(item);
        model.push(item);
      } else if (model.length) {
        model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(q.getNowait(), model.shift(), `seed 12345 step ${step}`);
      }
    }
  });
});

describe("compareKeys: the one Python-order comparator (PriorityQueue, managers' list.sort())", () => {
  const sign = (a: unknown, b: unknown) => Math.sign(compareKeys(a, b, true));

  test("booleans are the numbers 0 and 1, as Python's bool is an int: True < 2, True == 1", () => {
    assert.equal(sign(true, 2), -1);
    assert.equal(sign(2, true), 1);
    assert.equal(sign(true, 1), 0);
    assert.equal(sign(false, 0), 0);
    assert.equal(sign(false, true), -1);
    assert.equal(sign(true, 0.5), 1);
    assert.equal(sign(true, 1n), 0);
    assert.equal(sign(false, -1n), 1);
    assert.equal(sign([1, true], [1, 2]), -1);
    assert.equal(sign([true], [1]), 0);
    // Python: sorted([2, True, 0, False, 1.5]) == [0, False, True, 1.5, 2] (stable for equals).
    assert.deepEqual(
      [2, true, 0, false, 1.5].sort((a, b) => compareKeys(a, b, true)),
      [0, false, true, 1.5, 2],
    );
  });

  test('a boolean against a string or an array is incomparable, as in Python', () => {
    assert.throws(
      () => compareKeys(true, 'a', true),
      /'<' not supported between boolean true and string "a"/,
    );
    assert.throws(
      () => compareKeys([false], false, true, 'list.sort()'),
      /^TypeError: list\.sort\(\): '<' not supported/,
    );
    assert.throws(() => compareKeys(null, 1, true), TypeError);
    assert.ok(compareKeys(true, 'a', false) < 0, 'not strict: ordered by kind, numbers first');
  });
});
