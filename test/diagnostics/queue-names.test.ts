// Issue 16 §1–2 for queues: `new Queue(10, { name: 'jobs' })` names a queue in toString(), in
// every thread and in thread dumps, which show a queue wait (blocking in a thread, async on
// the main thread); a blocking wait on the main thread warns once, as a lock's does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dumpThreads, type ThreadInfo } from 'skein/diagnostics';
import { LifoQueue, PriorityQueue, Queue, SimpleQueue } from 'skein/queue';
import { Thread } from 'skein/threading';
import { until } from '../helpers.ts';

/** The dump, once some thread's waits satisfy `found` (a wait shows after it has lasted 10 ms). */
async function dumpWhen(found: (threads: ThreadInfo[]) => boolean): Promise<ThreadInfo[]> {
  let threads: ThreadInfo[] = [];
  await until(
    () => {
      threads = dumpThreads();
      return found(threads);
    },
    { what: 'the thread dump shows the wait' },
  );
  return threads;
}

describe('queue names (issue 16)', { timeout: 120_000 }, () => {
  test('a name is kept, shown by toString() and the same in another thread', async () => {
    const q = new Queue<number>(10, { name: 'jobs' });
    assert.equal(q.name, 'jobs');
    assert.equal(String(q), "<Queue 'jobs' qsize=0 maxsize=10>");
    await q.put(1);
    assert.equal(String(q), "<Queue 'jobs' qsize=1 maxsize=10>");
    const t = new Thread({ target: (q: Queue<number>) => `${q.name} ${q.qsize()}`, args: [q] });
    t.start();
    await t.join();
    assert.equal(await t.result(), 'jobs 1');
    assert.equal(new PriorityQueue(0, { name: 'urgent' }).name, 'urgent');
    assert.equal(new SimpleQueue({ name: 'log' }).name, 'log');
  });

  test('unnamed queues get a stable id, per kind', async () => {
    const l = new LifoQueue();
    assert.match(l.name, /^LifoQueue#\d+$/);
    assert.match(new Queue().name, /^Queue#\d+$/);
    assert.match(String(new SimpleQueue()), /^<SimpleQueue 'SimpleQueue#\d+' qsize=0>$/);
    const t = new Thread({ target: (q: LifoQueue) => q.name, args: [l] });
    t.start();
    await t.join();
    assert.equal(await t.result(), l.name);
  });

  test('a name that is not a string, or a misspelt key, is a TypeError', () => {
    assert.throws(() => new Queue(1, { name: 3 as unknown as string }), {
      name: 'TypeError',
      message: /name must be a string/,
    });
    assert.throws(() => new LifoQueue(1, { nmae: 'x' } as never), { name: 'TypeError', message: /nmae/ });
  });

  test('dumps show queue waits, blocking and async, with the queue names', async () => {
    const jobs = new Queue<number>(0, { name: 'jobs' });
    const results = new LifoQueue<number>(0, { name: 'results' });
    const t = new Thread({
      name: 'consumer',
      target: (jobs: Queue<number>) => jobs.getSync(),
      args: [jobs],
    });
    t.start();
    const got = results.get();
    const threads = await dumpWhen((ts) => {
      const waits = ts.flatMap((th) => th.waits.map((w) => `${th.name}:${w.name}:${w.call}`));
      return waits.includes('consumer:jobs:getSync') && waits.includes('MainThread:results:get');
    });
    const consumer = threads.find((th) => th.name === 'consumer')!;
    const wait = consumer.waits.find((w) => w.name === 'jobs')!;
    assert.equal(wait.kind, 'Queue');
    assert.equal(wait.sync, true);
    assert.equal(consumer.state, 'waiting');
    const main = threads.find((th) => th.kind === 'main')!;
    const mine = main.waits.find((w) => w.name === 'results')!;
    assert.equal(mine.kind, 'LifoQueue');
    assert.equal(mine.sync, false);
    await jobs.put(7);
    await results.put(8);
    assert.equal(await got, 8);
    await t.join();
    assert.equal(await t.result(), 7);
    // The records end with the waits.
    const after = dumpThreads().flatMap((th) =>
      th.waits.filter((w) => w.name === 'jobs' || w.name === 'results'),
    );
    assert.deepEqual(after, []);
  });

  test('a blocking get on the main thread warns once, naming the call and the queue', async () => {
    const q = new Queue(0, { name: 'inbox' });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      assert.throws(() => q.getSync({ timeout: 300 }), { name: 'Empty' });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    const mine = warnings.filter(
      (w) => (w as Error & { code?: string }).code === 'ERR_SKEIN_MAIN_THREAD_BLOCKED',
    );
    assert.equal(mine.length, 1);
    assert.match(mine[0]!.message, /getSync\(\) on Queue 'inbox'/);
  });
});
