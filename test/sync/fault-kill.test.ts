// Issue 12 §1: a worker stopped at any instant — by a per-task timeout or by terminate() —
// leaves every synchronization primitive whole. Victim threads hammer the primitive and are
// stopped at random instants; after each round (the victims' workers gone) the main thread
// uses it under a timeout: no freeze, a notification reaches a live waiter, a dead holder's
// lock is taken over and says so, a stopped party never wedges a Barrier. (Semaphores:
// fault-kill-semaphore.test.ts.)
// Seeded: SKEIN_SEED replays a run; SKEIN_STRESS=1 (or SKEIN_KILLS=n) runs 600 kills each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Barrier, Condition, Event, Lock, SharedArray, Value } from 'skein/threading';
import { KILLS, killLoop, SEED, type Victim, within } from '../fault-kill.ts';

const WAIT = 30_000;

/** Waits and notifies on a Condition over a Lock, sync and async, until stopped. */
async function conditionVictim(
  started: Int32Array,
  slot: number,
  seed: number,
  cond: Condition,
): Promise<void> {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  Atomics.store(started, slot, 1);
  Atomics.notify(started, slot);
  for (;;) {
    const sync = rand() < 0.6;
    if (sync) cond.acquireSync();
    else await cond.acquire();
    try {
      if (rand() < 0.6) {
        if (sync) cond.waitSync(2);
        else await cond.wait(2);
      } else if (rand() < 0.5) cond.notify(1);
      else cond.notifyAll();
    } finally {
      cond.release();
    }
  }
}

/** Updates a Value and a SharedArray together under the Value's lock, until stopped. */
async function valueVictim(
  started: Int32Array,
  slot: number,
  _seed: number,
  v: Value<'i'>,
  arr: SharedArray<'i'>,
): Promise<void> {
  Atomics.store(started, slot, 1);
  Atomics.notify(started, slot);
  const lock = v.getLock();
  for (let i = 0; ; i++) {
    if (i % 2 === 0) lock.acquireSync();
    else await lock.acquire();
    lock.acquireSync(); // re-entered: an RLock
    v.value += 1;
    arr[0] = (arr[0] as number) + 1;
    lock.release();
    lock.release();
  }
}

/** Sets, clears and waits on an Event, until stopped. */
async function eventVictim(started: Int32Array, slot: number, seed: number, e: Event): Promise<void> {
  Atomics.store(started, slot, 1);
  Atomics.notify(started, slot);
  for (let i = seed; ; i++) {
    if (i % 3 === 0) e.set();
    else if (i % 3 === 1) e.clear();
    else if (i % 2 === 0) e.waitSync(1);
    else await e.wait(1);
  }
}

/** Two victims meet at a Barrier(2) over and over, resetting it when it breaks, until stopped. */
async function barrierVictim(started: Int32Array, slot: number, seed: number, b: Barrier): Promise<void> {
  Atomics.store(started, slot, 1);
  Atomics.notify(started, slot);
  for (let i = seed; ; i++) {
    try {
      if (i % 2 === 0) b.waitSync(20);
      else await b.wait(20);
    } catch {
      // Broken (a timeout, or the other party was stopped): mend it and go on.
      if (slot === 0) b.reset();
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

describe('synchronization primitives survive workers stopped at any instant (issue 12 §1)', {
  timeout: 600_000,
}, () => {
  test(`Condition: the lock comes back and a notify reaches a live waiter, over ${KILLS} kills`, async (t) => {
    const cond = new Condition(new Lock());
    await run(t, 'Condition', { fn: conditionVictim as Victim['fn'], extra: [cond] }, async (ctx) => {
      assert.equal(await within(cond.acquire(WAIT), 2 * WAIT, ctx), true, `${ctx}: lock not taken over`);
      // Stopped waiters' slots are older than ours: without their release, notify(1) would
      // go to a dead waiter and ours would time out (false).
      const waited = cond.wait(WAIT); // claims its slot and releases the lock synchronously
      assert.equal(await within(cond.acquire(WAIT), 2 * WAIT, ctx), true, ctx);
      cond.notify(1);
      cond.release();
      assert.equal(await within(waited, 2 * WAIT, ctx), true, `${ctx}: the live waiter was not notified`);
      cond.release();
    });
  });

  test(`Value/SharedArray lock: taken over from a stopped holder, ownerDied says so, over ${KILLS} kills`, async (t) => {
    const v = new Value('i', 0);
    const arr = new SharedArray('i', 1);
    let died = 0;
    await run(t, 'Value', { fn: valueVictim as Victim['fn'], extra: [v, arr] }, async (ctx) => {
      const lock = v.getLock();
      assert.equal(await within(lock.acquire(WAIT), 2 * WAIT, ctx), true, `${ctx}: lock not taken over`);
      if (lock.ownerDied === null) {
        assert.equal(arr[0], v.value, `${ctx}: the pair differs though no holder died inside`);
      } else {
        died++;
        arr[0] = v.value; // the repair the owner-died contract asks for
      }
      lock.release();
    });
    t.diagnostic(`${died} rounds found the lock abandoned mid-update`);
  });

  test(`Barrier: a stopped party never wedges it; reset() makes it whole, over ${KILLS} kills`, async (t) => {
    const b = new Barrier(2);
    await run(t, 'Barrier', { fn: barrierVictim as Victim['fn'], extra: [b] }, async (ctx) => {
      b.reset();
      assert.equal(b.broken, false, ctx);
      assert.equal(b.nWaiting, 0, `${ctx}: a stopped party still counted`);
      const indices = await within(Promise.all([b.wait(WAIT), b.wait(WAIT)]), 2 * WAIT, ctx);
      assert.deepEqual(indices.sort(), [0, 1], ctx);
    });
  });

  test(`Event: set, clear and wait still work, over ${KILLS} kills`, async (t) => {
    const e = new Event();
    await run(t, 'Event', { fn: eventVictim as Victim['fn'], extra: [e] }, async (ctx) => {
      e.clear();
      assert.equal(await e.wait(0), false, ctx);
      const waited = e.wait(WAIT);
      e.set();
      assert.equal(await within(waited, 2 * WAIT, ctx), true, ctx);
      assert.equal(e.isSet(), true, ctx);
    });
  });
});
