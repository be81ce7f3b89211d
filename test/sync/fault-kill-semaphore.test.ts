// Issue 12 §1 for Semaphore and BoundedSemaphore: permits held through hold(), holdSync() and
// run() by workers stopped at any instant — by a per-task timeout or by terminate() — all come
// back, and none is created: after each round (the victims' workers gone) the main thread can
// take exactly the initial number of permits, under a timeout. (The other primitives:
// fault-kill.test.ts.) Seeded: SKEIN_SEED replays a run; SKEIN_STRESS=1 (or SKEIN_KILLS=n)
// runs 600 kills each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedSemaphore, Semaphore } from 'skein/threading';
import { KILLS, killLoop, SEED, type Victim, within } from '../fault-kill.ts';

const WAIT = 30_000;

/** Holds permits every way a hold can be taken (holdSync, await hold, run), until stopped. */
async function semaphoreVictim(
  started: Int32Array,
  slot: number,
  seed: number,
  sem: Semaphore,
): Promise<void> {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const work = () => {
    let x = 0;
    for (let i = Math.floor(rand() * 200); i > 0; i--) x += i;
    return x;
  };
  Atomics.store(started, slot, 1);
  Atomics.notify(started, slot);
  for (;;) {
    const m = rand();
    try {
      if (m < 0.45) {
        const h = sem.holdSync({ timeout: 20 });
        try {
          work();
        } finally {
          h[Symbol.dispose]();
        }
      } else if (m < 0.75) {
        const h = await sem.hold({ timeout: 20 });
        try {
          work();
        } finally {
          h[Symbol.dispose]();
        }
      } else {
        await sem.run(work);
      }
    } catch {
      // A hold that timed out: try again.
    }
  }
}

async function run(
  t: { diagnostic(s: string): void },
  name: string,
  victim: Victim,
  between: (ctx: string) => Promise<void>,
): Promise<void> {
  const ctx = `${name}, seed ${SEED} (replay with SKEIN_SEED=${SEED})`;
  t.diagnostic(ctx);
  let round = 0;
  const r = await killLoop(victim, KILLS, SEED, () => between(`${ctx}, round ${round++}`));
  t.diagnostic(`${r.kills} kills in ${r.rounds} rounds`);
  assert.ok(r.kills >= KILLS);
}

describe('semaphores survive workers stopped at any instant (issue 12 §1)', { timeout: 600_000 }, () => {
  for (const Kind of [Semaphore, BoundedSemaphore]) {
    test(`${Kind.name}: hold/holdSync/run permits are conserved over ${KILLS} kills`, async (t) => {
      const N = 3;
      const sem = new Kind(N);
      await run(t, Kind.name, { fn: semaphoreVictim as Victim['fn'], extra: [sem] }, async (ctx) => {
        // Every permit can be taken — those of stopped holders come back — and no more.
        for (let i = 0; i < N; i++) {
          assert.equal(await within(sem.acquire(WAIT), 2 * WAIT, ctx), true, `${ctx}: permit ${i} lost`);
        }
        assert.equal(sem.acquireSync(0), false, `${ctx}: a permit too many`);
        assert.equal(sem.value, 0, ctx);
        sem.release(N);
        assert.equal(sem.value, N, ctx);
      });
      t.diagnostic(`${sem.reclaimed} permits given back on behalf of stopped holders`);
    });
  }
});
