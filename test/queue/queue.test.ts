/**
 * Unit tests of `Queue` (FIFO): every method, error path and bad input, in one thread.
 * Cross-thread behaviour is in test/conformance/queue.test.ts and stress.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Empty, Full, LifoQueue, PriorityQueue, Queue, ShutDown, SimpleQueue } from 'skein/queue';
// The root `skein` entry is not built on this branch yet: the error classes from their built module.
import { TimeoutError, ValueError } from '../../dist/core/errors.js';
import { rejectsWith } from '../helpers.ts';

const kShare = Symbol.for('skein.share');

describe('Queue basics', { timeout: 1_800_000 }, () => {
  test('FIFO order, qsize, empty, full, maxsize', async () => {
    const q = new Queue<number>(3);
    assert.equal(q.maxsize, 3);
    assert.ok(q.empty());
    assert.ok(!q.full());
    await q.put(1);
    q.putNowait(2);
    q.putSync(3);
    assert.equal(q.qsize(), 3);
    assert.ok(q.full());
    assert.deepEqual([await q.get(), q.getNowait(), q.getSync()], [1, 2, 3]);
    assert.ok(q.empty());
  });

  test('maxsize 0 and negative mean unbounded (Python)', () => {
    assert.equal(new Queue().maxsize, 0);
    const q = new Queue(-5);
    assert.equal(q.maxsize, 0);
    for (let i = 0; i < 1000; i++) q.putNowait(i);
    assert.ok(!q.full());
  });

  test('items are copied faithfully, fast path and V8 path alike', () => {
    const values: unknown[] = [
      undefined,
      null,
      true,
      false,
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -7,
      2 ** 53,
      1.25,
      '',
      'ascii',
      'latin1 é',
      '日本語 🎉',
      12345678901234567890n,
      -5n,
      [1, 'a', [null, { b: 2 }]],
      { a: 1, nested: { list: [1, 2, 3], s: 'x' } },
      { ['__proto__']: 1 },
      new Map<unknown, unknown>([[1, { a: 2 }]]),
      new Set([1, 2]),
      new Date(86_400_000),
      /ab+c/gi,
      new Uint8Array([1, 2, 3]),
      new Float64Array([1.5]),
      // biome-ignore lint/suspicious/noSparseArray: a hole must survive the trip
      [1, , 3],
      'x'.repeat(5000),
      Object.assign([1, 2], { extra: 'kept' }),
    ];
    const q = new Queue();
    for (const v of values) q.putNowait(v);
    for (const v of values) assert.deepEqual(q.getNowait(), v);
    const o = { self: undefined as unknown };
    o.self = o;
    q.putNowait(o);
    const back = q.getNowait() as { self: unknown };
    assert.equal(back.self, back, 'cycles survive');
    const shared = { a: 1 };
    q.putNowait([shared, shared]);
    const [x, y] = q.getNowait() as object[];
    assert.equal(x, y, 'repeated references survive');
    const err = new RangeError('boom');
    q.putNowait(err);
    const e2 = q.getNowait() as Error;
    assert.ok(e2 instanceof RangeError);
    assert.equal(e2.message, 'boom');
  });

  test('get returns a copy, not the object put', () => {
    const q = new Queue<{ n: number }>();
    const item = { n: 1 };
    q.putNowait(item);
    item.n = 2;
    assert.deepEqual(q.getNowait(), { n: 1 });
  });
});

describe('Queue errors and bad input', { timeout: 1_800_000 }, () => {
  test('getNowait / get({block:false}) / get(0) on empty → Empty', async () => {
    const q = new Queue();
    assert.throws(() => q.getNowait(), Empty);
    assert.throws(() => q.getSync({ block: false }), Empty);
    assert.throws(() => q.getSync(0), Empty);
    await rejectsWith(q.get({ block: false }), Empty);
    await rejectsWith(q.get(0), Empty);
    await rejectsWith(q.get({ timeout: 20 }), Empty);
    assert.throws(() => q.getSync({ timeout: 20 }), Empty);
    assert.equal(new Empty().code, 'ERR_SKEIN_EMPTY');
  });

  test('block:false ignores a timeout, as Python does', async () => {
    const q = new Queue(1);
    await rejectsWith(q.get({ block: false, timeout: 5000 }), Empty);
    q.putNowait(1);
    assert.throws(() => q.putSync(2, { block: false, timeout: 5000 }), Full);
    assert.throws(() => q.putSync(2, { blocking: false }), Full);
  });

  test('putNowait / timed put on a full queue → Full, queue unchanged', async () => {
    const q = new Queue<number>(2);
    q.putNowait(1);
    q.putNowait(2);
    assert.throws(() => q.putNowait(3), Full);
    await rejectsWith(q.put(3, { timeout: 20 }), Full, /maxsize 2/);
    assert.throws(() => q.putSync(3, 20), Full);
    assert.equal(q.qsize(), 2);
    assert.deepEqual([q.getNowait(), q.getNowait()], [1, 2]);
  });

  test('taskDone too many times → ValueError', () => {
    const q = new Queue();
    assert.throws(
      () => q.taskDone(),
      (e: unknown) => e instanceof ValueError && /too many/.test(e.message),
    );
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    assert.throws(() => q.taskDone(), ValueError);
  });

  test('bad arguments are TypeError / RangeError', async () => {
    assert.throws(() => new Queue(1.5), TypeError);
    assert.throws(() => new Queue('3' as unknown as number), TypeError);
    assert.throws(() => new Queue(0, { capacity: 10 }), RangeError);
    assert.throws(() => new Queue(0, { capacity: 2 ** 31 }), RangeError);
    assert.throws(() => new Queue(0, { capacity: 1.5 }), TypeError);
    assert.throws(() => new Queue(0, null as unknown as {}), TypeError);
    const q = new Queue();
    assert.throws(() => q.get(-1), RangeError);
    assert.throws(() => q.get(Number.NaN), RangeError);
    assert.throws(() => q.get({ timeout: '1' as unknown as number }), TypeError);
    assert.throws(() => q.get({ block: 'no' as unknown as boolean }), TypeError);
    assert.throws(() => q.get({ signal: {} as AbortSignal }), TypeError);
    assert.throws(() => q.put(1, -1), RangeError);
    assert.throws(() => q.get('x' as unknown as number), TypeError);
    assert.throws(() => q.shutdown({ immediate: 1 as unknown as boolean }), TypeError);
    await assert.rejects(q.join(-1), RangeError);
    assert.throws(() => q.joinSync(-1), RangeError);
  });

  test('a non-cloneable item is a TypeError naming its path; the queue is unchanged', () => {
    const q = new Queue();
    q.putNowait('before');
    assert.throws(() => q.putNowait({ a: [1, { handler: () => 1 }] }), /item\.a\[1\]\.handler/);
    assert.throws(() => q.putNowait(Symbol('s')), TypeError);
    assert.throws(() => q.putNowait(new (class Foo {})()), /class Foo/);
    assert.throws(() => q.putNowait({ p: Promise.resolve() }), /item\.p/);
    assert.throws(() => q.put({ f() {} }), TypeError);
    assert.equal(q.qsize(), 1);
    assert.equal(q.getNowait(), 'before');
    assert.ok(q.empty());
  });

  test('an item with symbol keys or a getter is refused, as submit and Pipe.send refuse it (one rule)', () => {
    const q = new Queue<Record<string | symbol, unknown>>();
    const tag = Symbol('tag');
    assert.throws(() => q.putNowait({ a: 1, [tag]: 'x' }), { name: 'TypeError', message: /symbol keys/ });
    assert.throws(
      () =>
        q.putNowait({
          a: 1,
          get b() {
            return 2;
          },
        }),
      { name: 'TypeError', message: /^item\.b .*accessor property/ },
    );
    assert.equal(q.qsize(), 0);
    q.putNowait({ a: 1 });
    assert.deepEqual(q.getNowait(), { a: 1 });
  });

  test('an enumerable property added to Object.prototype does not leak into items', () => {
    const q = new Queue<Record<string, unknown>>();
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    try {
      q.putNowait({ a: 1, b: { c: 'x' } });
    } finally {
      delete proto.polluted;
    }
    const got = q.getNowait();
    assert.deepEqual(Object.keys(got), ['a', 'b']);
    assert.deepEqual(Object.keys(got.b as object), ['c']);
  });

  test('a skein shared object or SharedArrayBuffer inside an item arrives as itself', () => {
    const q = new Queue();
    const inner = new Queue();
    const sab = new SharedArrayBuffer(8);
    q.putNowait({ box: [inner], sab, v: new Int32Array(sab) });
    const got = q.getNowait() as { box: [Queue]; sab: SharedArrayBuffer; v: Int32Array };
    got.box[0].putNowait('via the copy');
    assert.equal(inner.getNowait(), 'via the copy');
    got.v[1] = 5;
    assert.equal(new Int32Array(sab)[1], 5);
    assert.equal(new Int32Array(got.sab)[1], 5);
    assert.ok(q.empty());
  });

  test('an item that could never fit → ValueError at put, never a hang', async () => {
    const q = new Queue(0, { capacity: 1024 });
    const big = 'x'.repeat(2000);
    assert.throws(
      () => q.putNowait(big),
      (e: unknown) => e instanceof ValueError && /capacity/.test(e.message),
    );
    assert.throws(() => q.put(big), ValueError);
    assert.ok(q.empty());
  });

  test('sending a thread queue to a process names the alternative', () => {
    for (const q of [new Queue(), new LifoQueue(), new PriorityQueue(), new SimpleQueue()]) {
      const share = (q as unknown as Record<symbol, (d: string) => unknown>)[kShare]!.bind(q);
      assert.throws(() => share('process'), /multiprocessing\.(Simple)?Queue or manager\.Queue\(\)/);
      assert.equal(typeof (share('thread') as { tag: string }).tag, 'string');
    }
  });
});

describe('Queue byte capacity', { timeout: 1_800_000 }, () => {
  test('a put that does not fit by bytes waits, then fits after a get', async () => {
    for (const Q of [Queue, LifoQueue, PriorityQueue]) {
      const q = new Q<string>(0, { capacity: 1024 });
      const item = 'y'.repeat(300);
      let held = 0;
      for (;;) {
        try {
          q.putNowait(item);
          held++;
        } catch (e) {
          assert.ok(e instanceof Full && /capacity/.test(e.message), String(e));
          break;
        }
      }
      // 305 bytes serialized (a PriorityQueue stores the key too): a few fit in 1 KiB, not four.
      assert.ok(held >= 1 && held <= 3, `${Q.name} held ${held} items of 305 bytes in 1024`);
      const pending = q.put(item);
      assert.equal(q.getNowait(), item);
      await pending;
      assert.equal(q.qsize(), held);
    }
  });

  test('compaction keeps every item intact, in order, for every variant', () => {
    for (const Q of [Queue, LifoQueue, PriorityQueue]) {
      const q = new Q<[number, string]>(0, { capacity: 4096 });
      const model: [number, string][] = [];
      let next = 0;
      for (let round = 0; round < 2000; round++) {
        const r = (round * 7919) % 10;
        if (r < 6) {
          const item: [number, string] = [(next * 37) % 101, 'z'.repeat((next * 13) % 90)];
          try {
            q.putNowait(item);
            model.push(item);
            next++;
          } catch (e) {
            assert.ok(e instanceof Full);
          }
        } else if (model.length > 0) {
          const got = q.getNowait();
          let idx: number;
          if (Q === Queue) idx = 0;
          else if (Q === LifoQueue) idx = model.length - 1;
          else {
            idx = 0;
            for (let i = 1; i < model.length; i++) {
              const a = model[i]!;
              const b = model[idx]!;
              if (a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])) idx = i;
            }
          }
          assert.deepEqual(got, model[idx]);
          model.splice(idx, 1);
        }
        assert.equal(q.qsize(), model.length);
      }
    }
  });
});

describe('Queue waits: timeouts and aborts keep it consistent', { timeout: 1_800_000 }, () => {
  test('an already-aborted signal rejects at once, even when an item is there', async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await assert.rejects(q.get({ signal: ac.signal }), /stop/);
    await assert.rejects(q.put(2, { signal: ac.signal }), /stop/);
    assert.throws(() => q.getSync({ signal: ac.signal } as {}), /stop/);
    assert.equal(q.qsize(), 1);
  });

  test('an aborted get never eats an item', async () => {
    const q = new Queue<number>();
    const ac = new AbortController();
    const waiting = q.get({ signal: ac.signal });
    ac.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    q.putNowait(7);
    assert.equal(await q.get(), 7);
  });

  test('an aborted put never inserts its item', async () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    const ac = new AbortController();
    const waiting = q.put(2, { signal: ac.signal });
    ac.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(q.getNowait(), 1);
    assert.ok(q.empty());
  });

  test('a waiting get is woken by a put; a waiting put by a get', async () => {
    const q = new Queue<number>(1);
    const g = q.get();
    await q.put(5);
    assert.equal(await g, 5);
    q.putNowait(1);
    const p = q.put(2);
    assert.equal(await q.get(), 1);
    await p;
    assert.equal(await q.get(), 2);
  });

  test('many waiting getters each get one item', async () => {
    const q = new Queue<number>();
    const gets = Array.from({ length: 10 }, () => q.get({ timeout: 5000 }));
    for (let i = 0; i < 10; i++) await q.put(i);
    assert.deepEqual(
      (await Promise.all(gets)).sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  test('after an aborted waiter, the remaining waiters are still woken (no lost wake-up)', async () => {
    const q = new Queue<number>();
    const ac = new AbortController();
    const a = q.get({ signal: ac.signal });
    const b = q.get();
    ac.abort();
    await assert.rejects(a);
    q.putNowait(3);
    assert.equal(await b, 3);
  });
});

describe('taskDone, join and shutdown', { timeout: 1_800_000 }, () => {
  test('join waits for every taskDone', async () => {
    const q = new Queue<number>();
    await q.join(); // nothing put: returns at once
    q.putNowait(1);
    q.putNowait(2);
    let joined = false;
    const j = q.join().then(() => {
      joined = true;
    });
    q.getNowait();
    q.taskDone();
    await rejectsWith(q.join(20), TimeoutError);
    assert.equal(joined, false);
    q.getNowait();
    q.taskDone();
    await j;
    assert.equal(joined, true);
    q.joinSync();
    q.joinSync(0);
  });

  test('joinSync times out with TimeoutError', () => {
    const q = new Queue();
    q.putNowait(1);
    assert.throws(() => q.joinSync(10), TimeoutError);
  });

  test('shutdown: puts raise ShutDown, gets drain then raise ShutDown', async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.shutdown();
    assert.ok(q.isShutdown);
    assert.throws(() => q.putNowait(3), ShutDown);
    await rejectsWith(q.put(3), ShutDown);
    assert.equal(await q.get(), 1);
    assert.equal(q.getNowait(), 2);
    await rejectsWith(q.get(), ShutDown);
    assert.throws(() => q.getNowait(), ShutDown);
    assert.throws(() => q.getSync(), ShutDown);
    q.shutdown(); // idempotent
  });

  test('shutdown wakes blocked getters and putters', async () => {
    const q = new Queue<number>(1);
    const getter = new Queue<number>();
    q.putNowait(1);
    const p = q.put(2);
    const g = getter.get();
    q.shutdown();
    getter.shutdown();
    await rejectsWith(p, ShutDown);
    await rejectsWith(g, ShutDown);
    assert.equal(q.getNowait(), 1);
  });

  test('shutdown({immediate}) empties, counts removed items done, releases join', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5; i++) q.putNowait(i);
    q.getNowait(); // taken but not done
    const j = q.join(5000);
    q.shutdown({ immediate: true });
    assert.ok(q.empty());
    await rejectsWith(q.get(), ShutDown);
    await rejectsWith(q.join(20), TimeoutError); // the taken item is still unfinished
    q.taskDone();
    await j;
  });
});
