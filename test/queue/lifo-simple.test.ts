/**
 * `LifoQueue` and `SimpleQueue`: order, the API they share with Queue, and SimpleQueue's
 * smaller surface.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Empty, Full, LifoQueue, ShutDown, SimpleQueue } from 'skein/queue';
import { rejectsWith } from '../helpers.ts';

describe('LifoQueue', { timeout: 1_800_000 }, () => {
  test('last in, first out; maxsize; errors as Queue', async () => {
    const q = new LifoQueue<number>(3);
    for (const x of [1, 2, 3]) await q.put(x);
    assert.throws(() => q.putNowait(4), Full);
    assert.deepEqual([await q.get(), q.getNowait(), q.getSync()], [3, 2, 1]);
    assert.throws(() => q.getNowait(), Empty);
    q.shutdown();
    await rejectsWith(q.put(1), ShutDown);
  });

  test('a waiting get gets the newest item', async () => {
    const q = new LifoQueue<string>();
    const g = q.get();
    q.putNowait('a');
    assert.equal(await g, 'a');
  });
});

describe('SimpleQueue', { timeout: 1_800_000 }, () => {
  test('FIFO, qsize, empty, nowait and sync forms', async () => {
    const q = new SimpleQueue<number>();
    assert.ok(q.empty());
    await q.put(1);
    q.putNowait(2);
    q.putSync(3);
    assert.equal(q.qsize(), 3);
    assert.deepEqual([await q.get(), q.getNowait(), q.getSync()], [1, 2, 3]);
    assert.throws(() => q.getNowait(), Empty);
    await rejectsWith(q.get({ timeout: 10 }), Empty);
  });

  test('has no task tracking (Python SimpleQueue)', () => {
    const q = new SimpleQueue() as unknown as Record<string, unknown>;
    for (const m of ['taskDone', 'join', 'shutdown', 'full', 'maxsize']) assert.equal(q[m], undefined, m);
  });

  test('bad items are TypeErrors; the byte capacity is honest', () => {
    const q = new SimpleQueue({ capacity: 512 });
    assert.throws(() => q.putNowait({ f: () => 1 }), /item\.f/);
    q.putNowait('x'.repeat(300));
    assert.throws(() => q.putNowait('x'.repeat(300)), Full);
    assert.throws(() => q.putNowait('x'.repeat(600)), /capacity/);
  });
});
