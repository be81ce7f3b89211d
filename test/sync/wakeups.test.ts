// Issue 12 §3: every waiter wakes, whichever thread or task wakes it. A matrix of (waiter
// context × waker context) for each primitive; every wait has a 60 s timeout and must report
// being woken — a lost wake-up fails the cell (it is not a time measurement).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThreadPoolExecutor, task } from 'skein/futures';
import { Thread } from 'skein/threading';
// @ts-expect-error: a plain-JS fixture without types
import * as W from './fixtures/wakeups.mjs';

type Bag = unknown;
const fx = new URL('./fixtures/wakeups.mjs', import.meta.url);
const waitAsyncTask = task<(b: Bag) => Promise<boolean>>(fx, 'waitAsync');
const waitSyncTask = task<(b: Bag) => boolean>(fx, 'waitSync');
const wakeTask = task<(b: Bag) => Promise<boolean>>(fx, 'wakeWhenWaiting');
const sameTask = task<(b: Bag) => Promise<boolean>>(fx, 'sameThread');

const KINDS = [
  'Event',
  'Lock',
  'Condition',
  'Semaphore',
  'Barrier',
  'Queue',
  'LifoQueue',
  'PriorityQueue',
  'SimpleQueue',
  'ProcessQueue',
  'Pipe',
];

function inThread<R>(target: unknown, b: Bag): Promise<R> {
  const t = new Thread({ target: target as never, args: [b] as never });
  t.start();
  return t.result() as Promise<R>;
}

describe('every waiter wakes, whichever context wakes it', { timeout: 600_000 }, () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      test('async waiter on main, woken by a thread', async () => {
        const b = W.make(kind);
        const w = W.waitAsync(b);
        assert.equal(await inThread(wakeTask, b), true);
        assert.equal(await w, true);
      });
      test('async waiter in a thread, woken by main', async () => {
        const b = W.make(kind);
        const w = inThread<boolean>(waitAsyncTask, b);
        assert.equal(await W.wakeWhenWaiting(b), true);
        assert.equal(await w, true);
      });
      test('…Sync waiter in a thread, woken by main', async () => {
        const b = W.make(kind);
        const w = inThread<boolean>(waitSyncTask, b);
        assert.equal(await W.wakeWhenWaiting(b), true);
        assert.equal(await w, true);
      });
      test('async waiter in a thread, woken by another thread', async () => {
        const b = W.make(kind);
        const w = inThread<boolean>(waitAsyncTask, b);
        assert.equal(await inThread(wakeTask, b), true);
        assert.equal(await w, true);
      });
      test('two async tasks of one thread', async () => {
        const b = W.make(kind);
        assert.equal(await inThread(sameTask, b), true);
      });
      test('two async tasks of the main thread', async () => {
        const b = W.make(kind);
        assert.equal(await W.sameThread(b), true);
      });
      test('two tasks of a one-worker pool, waiter first', async () => {
        const b = W.make(kind);
        const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
        try {
          const w = pool.submit(waitAsyncTask, b);
          const k = pool.submit(wakeTask, b);
          assert.equal(await k, true);
          assert.equal(await w, true);
        } finally {
          await pool.shutdown();
        }
      });
    });
  }
});

describe('a synchronous call never fails because a task of its own thread is mid-operation', {
  timeout: 600_000,
}, () => {
  const sources = {
    // Runs in the calling thread: returns what each call did.
    abortWhileWaiting: async () => {
      const { Barrier } = await import('skein/threading');
      const b = new Barrier(3);
      const waits = [b.wait(), b.wait()]; // both mid-operation (not awaited yet)
      b.abort();
      const outcomes = await Promise.allSettled(waits);
      return outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : 'fulfilled'));
    },
    resetWhileWaiting: async () => {
      const { Barrier } = await import('skein/threading');
      const b = new Barrier(2);
      const first = b.wait();
      await new Promise((r) => setImmediate(r)); // now parked
      b.reset();
      const outcome = await first.then(
        () => 'fulfilled',
        (e: Error) => e.name,
      );
      // The barrier is usable again: two new parties pass.
      const again = await Promise.all([b.wait(), b.wait()]);
      return [outcome, again.sort().join(',')];
    },
    abortInAction: async () => {
      const { Barrier } = await import('skein/threading');
      const box: { b?: InstanceType<typeof Barrier> } = {};
      const b = new Barrier(2, { action: () => box.b!.abort() });
      box.b = b;
      const outcomes = await Promise.allSettled([b.wait(), b.wait()]);
      return outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : 'fulfilled'));
    },
    notifyWhileWaiting: async () => {
      const { Condition } = await import('skein/threading');
      const c = new Condition();
      const w = (async () => {
        await c.acquire();
        try {
          return await c.wait(60_000);
        } finally {
          c.release();
        }
      })();
      while (c.nWaiting === 0) await new Promise((r) => setImmediate(r));
      c.acquireSync();
      c.notify();
      c.release();
      return [await w];
    },
    releaseAndPutWhileWaiting: async () => {
      const { Semaphore, Event } = await import('skein/threading');
      const { Queue } = await import('skein/queue');
      const s = new Semaphore(0);
      const e = new Event();
      const q = new Queue(1);
      const waits = [s.acquire(60_000), e.wait(60_000), q.get({ timeout: 60_000 }).then((v) => v === 1)];
      s.release();
      e.set();
      q.putNowait(1);
      return await Promise.all(waits);
    },
  };
  const expected: Record<keyof typeof sources, unknown> = {
    abortWhileWaiting: ['BrokenBarrierError', 'BrokenBarrierError'],
    resetWhileWaiting: ['BrokenBarrierError', '0,1'],
    abortInAction: ['BrokenBarrierError', 'BrokenBarrierError'],
    notifyWhileWaiting: [true],
    releaseAndPutWhileWaiting: [true, true, true],
  };
  for (const [name, fn] of Object.entries(sources) as [keyof typeof sources, () => Promise<unknown>][]) {
    test(`${name}, on the main thread`, async () => {
      assert.deepEqual(await fn(), expected[name]);
    });
    test(`${name}, in a thread`, async () => {
      assert.deepEqual(await inThread(fn, undefined), expected[name]);
    });
  }
});
