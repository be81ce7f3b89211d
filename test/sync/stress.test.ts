/**
 * Randomized stress: many acquirers across threads and async tasks that time out and abort at
 * random. Afterwards each primitive must be exactly consistent: lock free, semaphore value back
 * to its initial value, no waiter recorded, and never more holders at once than allowed.
 * The seed is printed on failure (set SKEIN_SEED to replay one).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Lock,
  RLock,
  Semaphore,
  SharedArray,
  Thread,
} from 'skein/threading';
import { SEED } from '../helpers.ts';

const T = { timeout: 600_000 };
const THREADS = 3;
const TASKS = 3;
const ROUNDS = 200;

/**
 * One actor: ROUNDS random attempts on `prim`. stats: [inside, maxInside, acquired, timedOut, aborted].
 * Self-contained (it is also sent to threads as source).
 */
async function actor(
  prim: Lock | RLock | Semaphore,
  stats: SharedArray<'int32'>,
  seed: number,
  rounds: number,
  useSync: boolean,
  start: Barrier,
): Promise<void> {
  await start.wait();
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const cells = stats as unknown as Int32Array;
  for (let r = 0; r < rounds; r++) {
    const kind = rand();
    let got = false;
    try {
      if (useSync && kind < 0.3) {
        got = prim.acquireSync({ timeout: rand() * 3 });
      } else if (kind < 0.6) {
        got = await prim.acquire({ timeout: rand() * 3 });
      } else if (kind < 0.9) {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(new Error('stress-abort')), rand() * 3);
        try {
          got = await prim.acquire({ signal: ac.signal });
        } finally {
          clearTimeout(timer);
        }
      } else {
        got = await prim.acquire({ blocking: false });
      }
    } catch (e) {
      if ((e as Error).message !== 'stress-abort') throw e;
      Atomics.add(cells, 4, 1);
    }
    if (!got) {
      Atomics.add(cells, 3, 1);
      continue;
    }
    const now = Atomics.add(cells, 0, 1) + 1;
    let max = Atomics.load(cells, 1);
    while (now > max)
      max = Atomics.compareExchange(cells, 1, max, now) === max ? now : Atomics.load(cells, 1);
    Atomics.add(cells, 2, 1);
    const hold = rand();
    if (hold < 0.3) await new Promise((res) => setTimeout(res, hold * 5));
    else if (hold < 0.6) await new Promise((res) => setImmediate(res));
    else if (useSync && hold < 0.8) {
      const until = performance.now() + hold;
      while (performance.now() < until) {}
    }
    Atomics.sub(cells, 0, 1);
    prim.release();
  }
}

const makers = {
  Lock: () => ({ prim: new Lock(), limit: 1 }),
  RLock: () => ({ prim: new RLock(), limit: THREADS + 1 }), // main's tasks share ownership
  'Semaphore(3)': () => ({ prim: new Semaphore(3), limit: 3 }),
  'BoundedSemaphore(2)': () => ({ prim: new BoundedSemaphore(2), limit: 2 }),
};

describe('stress: random timeouts and aborts across threads', { timeout: 1_800_000 }, () => {
  for (const [name, make] of Object.entries(makers)) {
    test(name, T, async () => {
      const seed = SEED;
      try {
        const { prim, limit } = make();
        const stats = new SharedArray('int32', 5);
        const start = new Barrier(THREADS + TASKS);
        const threads = Array.from({ length: THREADS }, (_, i) => {
          const t = new Thread({
            target: actor,
            args: [prim, stats, seed + 1000 * (i + 1), ROUNDS, true, start],
          });
          t.start();
          return t;
        });
        const tasks = Array.from({ length: TASKS }, (_, i) =>
          actor(prim, stats, seed - 1000 * (i + 1), ROUNDS, false, start),
        );
        await Promise.all([...threads.map((t) => t.result()), ...tasks]);
        if (process.env.STRESS_VERBOSE) console.log(name, [...stats]);
        assert.equal(stats[0], 0, 'nobody inside at the end');
        assert.ok(stats[1]! <= limit, `at most ${limit} holders at once, saw ${stats[1]}`);
        assert.ok(stats[2]! > 0, 'some acquisitions succeeded');
        assert.equal(prim.waiting, 0, 'no waiter recorded');
        if (prim instanceof Semaphore)
          assert.equal(prim.value, name.startsWith('Bounded') ? 2 : 3, 'permits back');
        else {
          assert.equal(prim.locked(), false, 'lock free');
          assert.equal(prim.owner, null);
        }
      } catch (e) {
        console.error(`stress ${name} failed with SKEIN_SEED=${seed}`);
        throw e;
      }
    });
  }
});

/**
 * Condition consumer: takes items until `total` are consumed, waiting with random timeouts and
 * aborts. cells: [items, consumed, aborted, timedOut]. Self-contained (sent to threads).
 */
async function consumer(
  cond: Condition,
  shared: SharedArray<'int32'>,
  seed: number,
  total: number,
): Promise<number> {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const c = shared as unknown as Int32Array;
  let mine = 0;
  await cond.acquire();
  try {
    while (c[1]! < total) {
      if (c[0]! > 0) {
        c[0]!--;
        c[1]!++;
        mine++;
        continue;
      }
      const r = rand();
      if (r < 0.3) {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(new Error('stress-abort')), r * 10);
        try {
          await cond.wait({ signal: ac.signal });
        } catch (e) {
          if ((e as Error).message !== 'stress-abort') throw e;
          c[2]!++;
        } finally {
          clearTimeout(timer);
        }
      } else if (!(await cond.wait(r * 5))) {
        c[3]!++;
      }
    }
    cond.notifyAll(); // let the others see the end
  } finally {
    cond.release();
  }
  return mine;
}

describe('stress: Condition with random timeouts and aborts', { timeout: 1_800_000 }, () => {
  test('every produced item is consumed exactly once; no waiter left', T, async () => {
    const seed = SEED;
    try {
      const cond = new Condition(new Lock());
      const shared = new SharedArray('int32', 4);
      const TOTAL = 600;
      const threads = Array.from({ length: 2 }, (_, i) => {
        const t = new Thread({ target: consumer, args: [cond, shared, seed + i, TOTAL] });
        t.start();
        return t;
      });
      const tasks = [consumer(cond, shared, seed - 1, TOTAL), consumer(cond, shared, seed - 2, TOTAL)];
      for (let k = 0; k < TOTAL; k++) {
        await cond.acquire();
        shared[0]!++;
        cond.notify(1 + (k % 2));
        cond.release();
        if (k % 10 === 0) await new Promise((r) => setImmediate(r));
      }
      const got = await Promise.all([...threads.map((t) => t.result()), ...tasks]);
      assert.equal(
        (got as number[]).reduce((a, b) => a + b, 0),
        TOTAL,
      );
      assert.equal(shared[0], 0);
      assert.equal(shared[1], TOTAL);
      assert.equal(cond.nWaiting, 0);
      assert.deepEqual(cond.waiters, []);
      assert.equal(cond.locked(), false);
    } catch (e) {
      console.error(`Condition stress failed with SKEIN_SEED=${seed}`);
      throw e;
    }
  });
});
