/**
 * The behaviours CPython's Lib/test/test_queue.py checks, written fresh for skein, each run
 * between async tasks of one thread and between worker threads:
 * basic order and size accounting per queue type, blocking put/get released by another
 * party, nowait errors, negative timeouts, task_done/join with worker consumers, task_done
 * too many times, shutdown (3.13) with blocked getters and putters, and SimpleQueue with many
 * producers and consumers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Empty, Full, LifoQueue, PriorityQueue, Queue, ShutDown, SimpleQueue } from 'skein/queue';
import { Thread } from 'skein/threading';
import { ValueError } from '../../dist/core/errors.js';
import { rejectsWith } from '../helpers.ts';

const QSIZE = 10;

type QueueCtor = typeof Queue | typeof LifoQueue | typeof PriorityQueue;
const kinds: [string, QueueCtor, (items: number[]) => number[]][] = [
  ['Queue', Queue, (xs) => xs],
  ['LifoQueue', LifoQueue, (xs) => [...xs].reverse()],
  ['PriorityQueue', PriorityQueue, (xs) => [...xs].sort((a, b) => a - b)],
];

for (const [name, Q, order] of kinds) {
  describe(`${name} (test_queue BaseQueueTestMixin)`, { timeout: 1_800_000 }, () => {
    test('basic: order, qsize, empty, full', async () => {
      const q = new Q<number>(QSIZE);
      assert.ok(q.empty() && !q.full() && q.qsize() === 0);
      const items = [111, 333, 222];
      for (const x of items) await q.put(x);
      assert.equal(q.qsize(), 3);
      const got = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(got, order(items));
      for (let i = 0; i < QSIZE - 1; i++) {
        await q.put(i);
        assert.ok(!q.empty());
      }
      assert.ok(!q.full());
      await q.put(999);
      assert.ok(q.full());
      assert.throws(() => q.putNowait(888), Full);
      await rejectsWith(q.put(888, { timeout: 10 }), Full);
      for (let i = 0; i < QSIZE; i++) await q.get();
      assert.ok(q.empty());
      assert.throws(() => q.getNowait(), Empty);
      await rejectsWith(q.get({ timeout: 10 }), Empty);
    });

    test('negative timeouts are rejected (Python: ValueError; skein: RangeError)', () => {
      const q = new Q<number>(QSIZE);
      assert.throws(() => q.put(1, { timeout: -1 }), RangeError);
      assert.throws(() => q.get({ timeout: -1 }), RangeError);
      assert.throws(() => q.putSync(1, -1), RangeError);
    });

    test('blocking put on a full queue is released by a get in another async task', async () => {
      const q = new Q<number>(1);
      await q.put(1);
      const blocked = q.put(2);
      const getter = (async () => q.get())();
      assert.equal(await getter, 1);
      await blocked;
      assert.equal(q.getNowait(), 2);
    });

    test('blocking put on a full queue is released by a get in another thread', async () => {
      const q = new Q<number>(1);
      await q.put(1);
      const t = new Thread({ target: (q: Queue<number>) => q.getSync(), args: [q] });
      t.start();
      await q.put(2); // blocks until the thread took item 1
      assert.equal(await t.result(), 1);
      assert.equal(await q.get(), 2);
    });

    test('blocking get on an empty queue is released by a put in another thread', async () => {
      const q = new Q<string>(QSIZE);
      const t = new Thread({
        target: (q: Queue<string>) => {
          q.putSync('hello');
        },
        args: [q],
      });
      t.start();
      assert.equal(await q.get({ timeout: 600_000 }), 'hello');
      await t.join();
    });

    test('a thread blocked in getSync is released by a put from the main thread', async () => {
      const q = new Q<number>(QSIZE);
      const t = new Thread({ target: (q: Queue<number>) => q.getSync() + q.getSync(), args: [q] });
      t.start();
      await q.put(20);
      await q.put(22);
      assert.equal(await t.result(), 42);
    });

    test('task_done/join with consumer threads (queue_join_test), twice', async () => {
      const q = new Q<number>();
      const sums = new Queue<number>();
      const workers = Array.from(
        { length: 2 },
        () =>
          new Thread({
            target: (q: Queue<number>, sums: Queue<number>) => {
              let sum = 0;
              for (;;) {
                const x = q.getSync();
                if (x < 0) {
                  q.taskDone();
                  sums.putSync(sum);
                  return;
                }
                sum += x;
                q.taskDone();
              }
            },
            args: [q, sums],
          }),
      );
      for (const w of workers) w.start();
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 100; i++) await q.put(i);
        await q.join();
      }
      for (const _ of workers) await q.put(-1);
      await q.join();
      assert.equal((await sums.get()) + (await sums.get()), 2 * 4950);
      for (const w of workers) await w.join();
    });

    test('task_done called too many times → ValueError (test_queue_task_done)', () => {
      const q = new Q<number>();
      assert.throws(() => q.taskDone(), ValueError);
    });

    test('shutdown releases a getter blocked in another thread with ShutDown', async () => {
      const q = new Q<number>();
      const t = new Thread({
        target: async (q: Queue<number>) => {
          const { ShutDown } = await import('skein/queue');
          try {
            q.getSync();
            return 'got an item';
          } catch (e) {
            return e instanceof ShutDown ? 'ShutDown' : String(e);
          }
        },
        args: [q],
      });
      t.start();
      // Whether the thread is already parked or not, it must end with ShutDown.
      q.shutdown();
      assert.equal(await t.result(), 'ShutDown');
    });

    test('shutdown releases a putter blocked in another thread; items left are drained', async () => {
      const q = new Q<number>(1);
      await q.put(1);
      const t = new Thread({
        target: async (q: Queue<number>) => {
          const { ShutDown } = await import('skein/queue');
          try {
            q.putSync(2);
            return 'put';
          } catch (e) {
            return e instanceof ShutDown ? 'ShutDown' : String(e);
          }
        },
        args: [q],
      });
      t.start();
      const outcome = t.result();
      // The thread either blocks then gets ShutDown, or sees the shutdown first: ShutDown both ways.
      q.shutdown();
      assert.equal(await outcome, 'ShutDown');
      assert.equal(await q.get(), 1);
      await rejectsWith(q.get(), ShutDown);
    });

    test('shutdown(immediate) empties the queue and lets join return', async () => {
      const q = new Q<number>();
      for (let i = 0; i < 5; i++) await q.put(i);
      const joined = q.join();
      q.shutdown({ immediate: true });
      await joined;
      assert.ok(q.empty());
      assert.throws(() => q.putNowait(1), ShutDown);
      assert.throws(() => q.getNowait(), ShutDown);
    });

    test('after shutdown, gets in another thread drain then raise ShutDown', async () => {
      const q = new Q<number>();
      for (const x of [3, 1, 2]) await q.put(x);
      q.shutdown();
      const t = new Thread({
        target: async (q: Queue<number>) => {
          const { ShutDown } = await import('skein/queue');
          const got: number[] = [];
          for (;;) {
            try {
              got.push(q.getSync());
            } catch (e) {
              if (e instanceof ShutDown) return got;
              throw e;
            }
          }
        },
        args: [q],
      });
      t.start();
      assert.deepEqual(await t.result(), order([3, 1, 2]));
    });
  });
}

describe('SimpleQueue (test_queue SimpleQueueTest)', { timeout: 1_800_000 }, () => {
  test('basic order and emptiness', async () => {
    const q = new SimpleQueue<number>();
    assert.ok(q.empty());
    for (const x of [3, 1, 2]) q.putNowait(x);
    assert.equal(q.qsize(), 3);
    assert.deepEqual([q.getNowait(), await q.get(), q.getSync()], [3, 1, 2]);
    assert.throws(() => q.getNowait(), Empty);
  });

  test('many producer and consumer threads: every item once', async () => {
    const q = new SimpleQueue<number>();
    const results = new Queue<number[]>();
    const N = 2000;
    const producers = Array.from(
      { length: 3 },
      (_, p) =>
        new Thread({
          target: (q: SimpleQueue<number>, p: number, n: number) => {
            for (let i = p; i < n; i += 3) q.putSync(i);
          },
          args: [q, p, N],
        }),
    );
    const consumers = Array.from(
      { length: 3 },
      () =>
        new Thread({
          target: (q: SimpleQueue<number>, results: Queue<number[]>) => {
            const got: number[] = [];
            for (;;) {
              const x = q.getSync();
              if (x < 0) break;
              got.push(x);
            }
            results.putSync(got);
          },
          args: [q, results],
        }),
    );
    for (const t of [...consumers, ...producers]) t.start();
    for (const t of producers) await t.join();
    for (const _ of consumers) await q.put(-1);
    const all: number[] = [];
    for (const _ of consumers) all.push(...(await results.get()));
    all.sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: N }, (_, i) => i),
    );
  });
});

describe('queues cross thread boundaries as themselves', { timeout: 1_800_000 }, () => {
  test('a queue created in a thread and returned is the same queue', async () => {
    const t = new Thread({
      target: async () => {
        const { PriorityQueue } = await import('skein/queue');
        const q = new PriorityQueue<number>();
        q.putSync(3);
        q.putSync(1);
        return q;
      },
    });
    t.start();
    const q = (await t.result()) as PriorityQueue<number>;
    assert.ok(q instanceof PriorityQueue);
    q.putNowait(2);
    assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [1, 2, 3]);
  });

  test('a queue passed on from one thread to another is still the same queue', async () => {
    const q = new Queue<string>();
    const t = new Thread({
      target: async (q: Queue<string>) => {
        const { Thread } = await import('skein/threading');
        const inner = new Thread({
          target: (q: Queue<string>) => {
            q.putSync('from the grandchild');
          },
          args: [q],
        });
        inner.start();
        await inner.join();
      },
      args: [q],
    });
    t.start();
    assert.equal(await q.get({ timeout: 600_000 }), 'from the grandchild');
    await t.join();
  });

  test('async tasks of the main thread and worker threads consume one queue together', async () => {
    const q = new Queue<number>(8);
    const counts = new SharedArrayBuffer(4 * 1000);
    const worker = (q: Queue<number>, counts: SharedArrayBuffer) => {
      const c = new Int32Array(counts);
      for (;;) {
        const x = q.getSync();
        if (x < 0) return;
        Atomics.add(c, x, 1);
      }
    };
    const threads = [0, 1].map(() => new Thread({ target: worker, args: [q, counts] }));
    for (const t of threads) t.start();
    const c = new Int32Array(counts);
    const local = [0, 1, 2].map(async () => {
      for (;;) {
        const x = await q.get();
        if (x < 0) return;
        Atomics.add(c, x, 1);
      }
    });
    for (let i = 0; i < 1000; i++) await q.put(i);
    for (let i = 0; i < 5; i++) await q.put(-1);
    await Promise.all([...local, ...threads.map((t) => t.join())]);
    assert.ok(c.every((n) => n === 1));
  });
});

describe('PriorityQueue heap under concurrent producers', { timeout: 1_800_000 }, () => {
  test('two threads put random keys at once; the drained order is sorted and complete', async () => {
    const q = new PriorityQueue<[number, number]>();
    const producer = (q: PriorityQueue<[number, number]>, base: number) => {
      let s = base + 7;
      for (let i = 0; i < 1500; i++) {
        s = (s * 1103515245 + 12345) & 0x7fffffff;
        q.putSync([s % 97, base + i]);
      }
    };
    const threads = [0, 10_000].map((base) => new Thread({ target: producer, args: [q, base] }));
    for (const t of threads) t.start();
    for (const t of threads) await t.join();
    const out: [number, number][] = [];
    while (!q.empty()) out.push(q.getNowait());
    assert.equal(out.length, 3000);
    for (let i = 1; i < out.length; i++) assert.ok(out[i - 1]![0] <= out[i]![0], `unsorted at ${i}`);
    assert.equal(new Set(out.map((x) => x[1])).size, 3000);
  });
});
