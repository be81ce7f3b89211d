/**
 * The lock-free ring store behind a FIFO Queue (src/queue/ring.ts): items that span several
 * slots and wrap around the ring's end, content integrity across threads, and puts racing a
 * shutdown (the tombstone path). Failures print their seed; re-run with SKEIN_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Full, Queue, ShutDown } from 'skein/queue';
import { Event, Thread } from 'skein/threading';
import { rng, SEED } from '../helpers.ts';

describe('Queue ring store', { timeout: 1_800_000 }, () => {
  test('items of every size, spanning slots and wrapping around the ring, come out whole and in order', () => {
    const seed = SEED; // printed on failure below: SKEIN_SEED=<seed> replays it
    const rnd = rng(seed);
    const q = new Queue<{ n: number; s: string }>(0, { capacity: 1024 }); // 16 slots of 64 bytes
    assert.equal(q.capacity, 1024);
    const model: { n: number; s: string }[] = [];
    let next = 0;
    let fulls = 0;
    for (let round = 0; round < 5000; round++) {
      if (rnd() < 0.55) {
        const item = {
          n: next,
          s: 'abcdefghij'.repeat(Math.floor(rnd() * 90)).slice(0, Math.floor(rnd() * 900)),
        };
        try {
          q.putNowait(item);
          model.push(item);
          next++;
        } catch (e) {
          assert.ok(e instanceof Full, `seed ${seed}: ${String(e)}`);
          fulls++;
        }
      } else if (model.length > 0) {
        assert.deepEqual(q.getNowait(), model.shift(), `seed ${seed}, round ${round}`);
      }
      assert.equal(q.qsize(), model.length, `seed ${seed}, round ${round}`);
    }
    while (model.length > 0) assert.deepEqual(q.getNowait(), model.shift(), `seed ${seed}`);
    assert.ok(q.empty());
    assert.ok(fulls > 0, 'the test must reach a full ring');
  });

  test('2 → 2 threads with items of 1 to 20 slots: each delivered once, intact', async () => {
    const q = new Queue<{ i: number; s: string }>(0, { capacity: 4096 });
    const N = 20_000;
    const producer = (q: Queue<{ i: number; s: string }>, from: number, to: number) => {
      for (let i = from; i < to; i++)
        q.putSync({ i, s: String.fromCharCode(97 + (i % 26)).repeat((i * 7) % 1200) });
    };
    const consumer = (q: Queue<{ i: number; s: string }>, seenBuf: SharedArrayBuffer) => {
      const seen = new Int32Array(seenBuf);
      for (;;) {
        const { i, s } = q.getSync();
        if (i < 0) return;
        if (
          s.length !== (i * 7) % 1200 ||
          (s.length > 0 && s[s.length - 1] !== String.fromCharCode(97 + (i % 26)))
        )
          throw new Error(`item ${i} corrupted`);
        Atomics.add(seen, i, 1);
      }
    };
    const seen = new SharedArrayBuffer(N * 4);
    const consumers = [0, 1].map(() => new Thread({ target: consumer, args: [q, seen] }));
    const producers = [0, 1].map(
      (p) => new Thread({ target: producer, args: [q, (p * N) / 2, ((p + 1) * N) / 2] }),
    );
    for (const t of [...consumers, ...producers]) t.start();
    for (const t of producers) await t.result();
    for (const _ of consumers) await q.put({ i: -1, s: '' });
    for (const t of consumers) await t.result();
    const counts = new Int32Array(seen);
    for (let i = 0; i < N; i++) assert.equal(counts[i], 1, `item ${i} delivered ${counts[i]} times`);
    assert.ok(q.empty());
  });

  for (const immediate of [false, true]) {
    test(`puts racing shutdown({ immediate: ${immediate} }): every put either lands once or throws ShutDown`, async () => {
      const q = new Queue<number>(0, { capacity: 1 << 16 });
      const started = new Event();
      const producer = (q: Queue<number>, started: Event) => {
        let ok = 0;
        for (;;) {
          try {
            q.putSync(ok);
          } catch (e) {
            if ((e as Error).name === 'ShutDown') return ok;
            throw e;
          }
          if (++ok === 200) started.set();
        }
      };
      const consumer = (q: Queue<number>) => {
        let got = 0;
        for (;;) {
          try {
            q.getSync();
          } catch (e) {
            if ((e as Error).name === 'ShutDown') return got;
            throw e;
          }
          got++;
          q.taskDone();
        }
      };
      const producers = [0, 1, 2].map(() => new Thread({ target: producer, args: [q, started] }));
      const drainer = new Thread({ target: consumer, args: [q] });
      for (const t of [drainer, ...producers]) t.start();
      await started.wait();
      q.shutdown({ immediate });
      let put = 0;
      for (const t of producers) put += (await t.result()) as number;
      const got = (await drainer.result()) as number;
      assert.ok(put >= 200);
      if (!immediate) assert.equal(got, put, 'after shutdown, gets drain every item that was put');
      else assert.ok(got <= put);
      // Every successful put was either got (and marked done) or removed by an immediate
      // shutdown (which counts it done): nothing unfinished, nothing left.
      await q.join(5000);
      assert.equal(q.qsize(), 0);
      assert.throws(() => q.putNowait(1), ShutDown);
      await assert.rejects(q.get(), ShutDown);
    });
  }
});
