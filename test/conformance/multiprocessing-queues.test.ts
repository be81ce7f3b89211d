// Behaviours of CPython's Lib/test/_test_multiprocessing.py for queues (_TestQueue), written
// fresh for skein's process-safe Queue, JoinableQueue and SimpleQueue.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Empty, Full, ValueError } from 'skein';
import { JoinableQueue, Process, Queue, SimpleQueue } from 'skein/multiprocessing';
import { rejectsWith } from '../helpers.ts';

describe('conformance: multiprocessing queues', { timeout: 1_800_000 }, () => {
  test('test_put: a full queue raises Full for nowait, block=False and a timeout', async () => {
    const MAXSIZE = 6;
    const q = new Queue<number>(MAXSIZE);
    assert.equal(q.empty(), true);
    assert.equal(q.full(), false);
    q.putNowait(1);
    await q.put(2, { block: true });
    await q.put(3, { block: true, timeout: 1000 });
    q.putSync(4);
    await q.put(5);
    q.putNowait(6);
    assert.equal(q.qsize(), 6);
    assert.equal(q.full(), true);
    assert.throws(() => q.putNowait(7), Full);
    await rejectsWith(q.put(7, { block: false }), Full);
    const t0 = performance.now();
    await rejectsWith(q.put(7, { timeout: 100 }), Full);
    assert.ok(performance.now() - t0 >= 90);
    const drained: number[] = [];
    for (let i = 0; i < 6; i++) drained.push(q.getSync());
    assert.deepEqual(drained, [1, 2, 3, 4, 5, 6]);
  });

  test('test_get: an empty queue raises Empty; get with a timeout', async () => {
    const q = new Queue<number>();
    assert.throws(() => q.getNowait(), Empty);
    await rejectsWith(q.get({ block: false }), Empty);
    const t0 = performance.now();
    await rejectsWith(q.get({ timeout: 100 }), Empty);
    assert.ok(performance.now() - t0 >= 90);
    await q.put(1);
    await q.put(2);
    assert.equal(await q.get(), 1);
    assert.equal(await q.get({ timeout: 1000 }), 2);
  });

  test('test_fork: items put before a child starts are read by it, in order', async () => {
    const q = new Queue<number>();
    const back = new Queue<number[]>();
    for (let i = 0; i < 10; i++) await q.put(i);
    const p = new Process({
      target: async (q: Queue<number>, back: Queue<number[]>) => {
        const got: number[] = [];
        for (let i = 0; i < 10; i++) got.push(await q.get());
        await back.put(got);
      },
      args: [q, back],
    });
    p.start();
    assert.deepEqual(await back.get(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await p.join();
  });

  test('test_task_done: workers call taskDone, join returns; too many raises ValueError', async () => {
    const q = new JoinableQueue<number | null>();
    const workers = [0, 1, 2].map(
      () =>
        new Process({
          target: async (q: JoinableQueue<number | null>) => {
            for (;;) {
              const item = await q.get();
              q.taskDone();
              if (item === null) return;
            }
          },
          args: [q],
        }),
    );
    for (const w of workers) w.start();
    for (let i = 0; i < 10; i++) await q.put(i);
    await q.join();
    for (const _ of workers) await q.put(null);
    for (const w of workers) await w.join();
    assert.throws(() => q.taskDone(), ValueError);
  });

  test('test_closed_queue_put_get: put on a closed queue raises ValueError', async () => {
    const q = new Queue<number>();
    q.close();
    await rejectsWith(q.put(1), ValueError);
    assert.throws(() => q.putNowait(1), ValueError);
  });

  test('SimpleQueue: empty, put, get', async () => {
    const q = new SimpleQueue<string>();
    assert.equal(q.empty(), true);
    q.put('a');
    q.put('b');
    assert.equal(await q.get(), 'a');
    assert.equal(q.getSync(), 'b');
    assert.equal(q.empty(), true);
    q.close();
  });
});
