import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeValue } from '../../dist/core/serialize.js';

describe('encodeValue: bad input fails at the call, naming the path', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['a function', [1, { handler: () => 1 }], /^args\[1\]\.handler cannot be sent .* a function \(handler\)/],
    ['a symbol', [Symbol('s')], /^args\[0\] cannot be sent .* a symbol/],
    [
      'a class instance',
      [{ when: new (class Point {})() }],
      /^args\[0\]\.when .* an instance of class Point/,
    ],
    ['a promise', [Promise.resolve(1)], /^args\[0\] .* a Promise/],
    ['a WeakMap', [new WeakMap()], /^args\[0\] .* instance of class WeakMap/],
    ['a Map value', [new Map([['k', () => 0]])], /^args\[0\]\.get\("k"\) .* a function/],
    ['a Set item', [new Set([1, () => 0])], /^args\[0\]\.<item 1> .* a function/],
    ['a quoted key', [{ 'a b': () => 0 }], /^args\[0\]\["a b"\] .* a function/],
    [
      'a getter',
      [Object.defineProperty({}, 'x', { get: () => 1, enumerable: true })],
      /^args\[0\]\.x .* an accessor/,
    ],
    ['symbol keys', [{ [Symbol('k')]: 1 }], /^args\[0\] .* symbol keys/],
  ];
  for (const [what, value, message] of bad) {
    test(what, () => {
      assert.throws(
        () => encodeValue(value, 'thread', 'args'),
        (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.match((err as Error).message, message);
          return true;
        },
      );
    });
  }

  test('a SharedArrayBuffer may go to a thread but not to a process', () => {
    const sab = new SharedArrayBuffer(8);
    assert.equal(encodeValue([sab], 'thread', 'args').value[0], sab);
    assert.throws(() => encodeValue([sab], 'process', 'args'), /args\[0\] .* SharedArrayBuffer.*Manager/);
    assert.throws(() => encodeValue([new Int32Array(sab)], 'process', 'args'), /view of a SharedArrayBuffer/);
  });
});

describe('encodeValue: good input passes through untouched', () => {
  test('every structured-clone type', () => {
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const value = [
      1,
      'two',
      3n,
      true,
      null,
      undefined,
      new Date(0),
      /re/g,
      new Map([[1, { a: [1] }]]),
      new Set(['x']),
      new Uint8Array([1, 2]),
      new ArrayBuffer(4),
      new DataView(new ArrayBuffer(2)),
      new RangeError('e'),
      Object.create(null),
      cyclic,
      Buffer.from('hi'),
    ];
    const enc = encodeValue(value, 'process', 'args');
    assert.equal(enc.value, value, 'no copy when there is nothing to replace');
    assert.equal(enc.shared, undefined);
  });
});
