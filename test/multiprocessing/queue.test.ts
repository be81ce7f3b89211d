import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Empty, Full, ValueError } from 'skein';
import { JoinableQueue, Process, Queue, SimpleQueue } from 'skein/multiprocessing';
import { Thread } from 'skein/threading';
import { rejectsWith } from '../helpers.ts';

describe('process queues', { timeout: 1_800_000 }, () => {
  test('several producer and consumer processes: every item exactly once', async () => {
    const q = new Queue<number | null>(4);
    const out = new Queue<[number, number]>();
    const producers = [0, 1].map(
      (p) =>
        new Process({
          target: async (q: Queue<number | null>, p: number) => {
            for (let i = 0; i < 25; i++) await q.put(p * 100 + i);
          },
          args: [q, p],
        }),
    );
    const consumers = [0, 1, 2].map(
      (c) =>
        new Process({
          target: async (q: Queue<number | null>, out: Queue<[number, number]>, c: number) => {
            for (;;) {
              const x = await q.get();
              if (x === null) return;
              await out.put([c, x]);
            }
          },
          args: [q, out, c],
        }),
    );
    for (const p of [...producers, ...consumers]) p.start();
    for (const p of producers) await p.join();
    for (const _ of consumers) await q.put(null);
    const got: number[] = [];
    for (let i = 0; i < 50; i++) got.push((await out.get())[1]);
    for (const c of consumers) await c.join();
    assert.deepEqual(
      got.sort((a, b) => a - b),
      [...Array.from({ length: 25 }, (_, i) => i), ...Array.from({ length: 25 }, (_, i) => 100 + i)],
    );
    assert.equal(out.empty(), true);
  });

  test('Full and Empty: nowait, block: false, timeouts; qsize/full/empty/maxsize', async () => {
    const q = new Queue<string>(2);
    assert.equal(q.maxsize, 2);
    assert.throws(() => q.getNowait(), Empty);
    await rejectsWith(q.get({ block: false }), Empty);
    await rejectsWith(q.get({ timeout: 30 }), Empty);
    q.putNowait('a');
    await q.put('b');
    assert.equal(q.qsize(), 2);
    assert.equal(q.full(), true);
    assert.throws(
      () => q.putNowait('c'),
      (e: Error) => e instanceof Full && (e as Full).code === 'ERR_SKEIN_FULL',
    );
    await rejectsWith(q.put('c', { timeout: 30 }), Full);
    assert.equal(q.getSync(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.empty(), true);
    q.close();
  });

  test('a put blocked on a full queue proceeds when a process takes an item', async () => {
    const q = new Queue<number>(1);
    await q.put(1);
    const p = new Process({
      target: async (q: Queue<number>) => {
        await q.get();
      },
      args: [q],
    });
    const blocked = q.put(2);
    p.start();
    await blocked;
    await p.join();
    assert.equal(await q.get(), 2);
  });

  test('an aborted get loses no item', async () => {
    const q = new Queue<number>();
    const ac = new AbortController();
    const g = q.get({ signal: ac.signal });
    ac.abort(new Error('stop'));
    await assert.rejects(g, /stop/);
    const pre = new AbortController();
    pre.abort(new Error('already'));
    await assert.rejects(q.get({ signal: pre.signal }), /already/);
    await q.put(7);
    assert.equal(await q.get({ timeout: 5000 }), 7);
  });

  test('JoinableQueue: join waits for taskDone from worker processes; too many is ValueError', async () => {
    const q = new JoinableQueue<number>();
    const results = new Queue<number>();
    const workers = [0, 1].map(
      () =>
        new Process({
          target: async (q: JoinableQueue<number>, results: Queue<number>) => {
            for (;;) {
              const n = await q.get();
              if (n < 0) {
                q.taskDone();
                return;
              }
              await results.put(n * 2);
              q.taskDone();
            }
          },
          args: [q, results],
        }),
    );
    for (const w of workers) w.start();
    for (let i = 0; i < 10; i++) await q.put(i);
    for (const _ of workers) await q.put(-1);
    await q.join();
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += await results.get();
    assert.equal(sum, 90);
    assert.throws(
      () => q.taskDone(),
      (e: Error) => e instanceof ValueError && /taskDone/.test(e.message),
    );
    for (const w of workers) await w.join();
  });

  test('SimpleQueue between threads with getSync', async () => {
    const q = new SimpleQueue<string>();
    const back = new SimpleQueue<string>();
    const t = new Thread({
      target: (q: SimpleQueue<string>, back: SimpleQueue<string>) => {
        back.put(q.getSync().toUpperCase());
      },
      args: [q, back],
    });
    t.start();
    q.put('hi');
    assert.equal(await back.get(), 'HI');
    await t.join();
    assert.equal(back.empty(), true);
  });

  test('bad input: TypeError naming the path; put after close is ValueError', async () => {
    const q = new Queue();
    await rejectsWith(q.put({ a: [1, Symbol('x')] }), TypeError, /item\.a\[1\]/);
    assert.throws(() => q.putNowait(new (class Point {})()), /item cannot be sent.*class Point/);
    assert.throws(() => new Queue(1.5), TypeError);
    assert.equal(q.empty(), true);
    q.close();
    await rejectsWith(q.put(1), ValueError, /closed/);
  });
});
