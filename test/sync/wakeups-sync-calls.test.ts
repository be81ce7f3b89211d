// Issue 12 §3: a synchronous method (abort, reset, notify, release, set, putNowait) never fails
// because an async task of the same thread is part-way through an operation on the primitive
// (no internal critical section spans an await).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inThread } from './wakeup-matrix.ts';

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
