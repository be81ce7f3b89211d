// The queue kill test (issue 12 §1), run by fault-kill.test.ts (the mutex store: LifoQueue,
// PriorityQueue) and fault-kill-ring.test.ts (the ring store: Queue, SimpleQueue).
//
// A worker stopped at any instant — by a per-task timeout or by terminate() —
// leaves every queue whole. Victim threads put and get at full speed (items of varied size, so
// the mutex store compacts its arena and the ring spans items over several slots) and are
// stopped at random instants; after each round the main thread uses the queue and checks it:
// no freeze, qsize() matches what is really there, no item twice, no item nobody put, and
// every acknowledged put delivered — except at most one item per victim stopped between its
// get returning and its noting the item (that item was delivered, to the victim).
// Seeded: SKEIN_SEED replays a run; SKEIN_STRESS=1 (or SKEIN_KILLS=n) runs 600 kills each.
import assert from 'node:assert/strict';
import { Empty, LifoQueue, PriorityQueue, Queue, SimpleQueue } from 'skein/queue';
import { KILLS, killLoop, SEED, within } from '../fault-kill.ts';

/** Ids per round, and the accounting words (see the victim). */
const CAP = 1 << 16;
const ACK = 8;
const GOT = ACK + CAP;

/** Which queue a kill test runs on. */
export type Kind = 'fifo' | 'lifo' | 'priority' | 'simple';
type AnyQueue = Queue<unknown[]> | SimpleQueue<unknown[]>;

/**
 * The victim: puts and gets at random, sync and async, noting each acknowledged put in ACK[id],
 * each item it got in GOT[id], and what it is in the middle of in acc[1 + slot] (the id it is
 * putting, + 1) and acc[3 + slot] (1 while getting).
 */
async function victim(
  started: Int32Array,
  slot: number,
  seed: number,
  q: {
    putNowait(x: unknown[]): void;
    put(x: unknown[], o: { timeout: number }): Promise<void>;
    getNowait(): unknown[];
    get(o: { timeout: number }): Promise<unknown[]>;
  },
  acc: Int32Array,
  kind: string,
): Promise<string> {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const cap = 1 << 16;
  Atomics.store(started, slot, 1);
  Atomics.notify(started, slot);
  for (;;) {
    const sync = rand() < 0.7;
    if (rand() < 0.55) {
      const id = Atomics.add(acc, 0, 1);
      if (id >= cap) return 'cap';
      const pad = 'x'.repeat(Math.floor(rand() * (rand() < 0.1 ? 700 : 90)));
      const item = kind === 'priority' ? [Math.floor(rand() * 40), id, pad] : [id, pad];
      Atomics.store(acc, 1 + slot, id + 1);
      let ok = true;
      try {
        if (sync) q.putNowait(item);
        else await q.put(item, { timeout: 1 });
      } catch {
        ok = false;
      }
      if (ok) Atomics.store(acc, 8 + id, 1);
      Atomics.store(acc, 1 + slot, 0);
    } else {
      Atomics.store(acc, 3 + slot, 1);
      let item: unknown[] | undefined;
      try {
        item = sync ? q.getNowait() : await q.get({ timeout: 1 });
      } catch {
        item = undefined;
      }
      if (item !== undefined) Atomics.add(acc, 8 + cap + (item[kind === 'priority' ? 1 : 0] as number), 1);
      Atomics.store(acc, 3 + slot, 0);
    }
  }
}

function make(kind: Kind): AnyQueue {
  // Small capacities: the mutex store compacts often, the ring wraps often.
  if (kind === 'lifo') return new LifoQueue<unknown[]>(0, { capacity: 8192 });
  if (kind === 'priority') return new PriorityQueue<unknown[]>(0, { capacity: 8192 });
  if (kind === 'simple') return new SimpleQueue<unknown[]>({ capacity: 8192 });
  return new Queue<unknown[]>(0, { capacity: 8192 });
}

/** The main thread's use of the queue after a round, and the checks. */
async function check(q: AnyQueue, acc: Int32Array, kind: Kind, ctx: string): Promise<void> {
  const idOf = (item: unknown[]) => item[kind === 'priority' ? 1 : 0] as number;
  // First an async get: it must get through even if a dead victim held the queue's mutex (an
  // async caller waits for a held mutex without blocking the event loop that records deaths).
  const probe = kind === 'priority' ? [-1, -1, 'probe'] : [-1, 'probe'];
  const first = await within(
    q.get({ timeout: 0 }).catch((err: unknown) => {
      assert.ok(err instanceof Empty, `${ctx}: get threw ${err}`);
      return undefined;
    }),
    60_000,
    `${ctx}: get after the kills`,
  );
  const n0 = q.qsize() + (first === undefined ? 0 : 1);
  const items: unknown[][] = first === undefined ? [] : [first];
  for (;;) {
    try {
      items.push(q.getNowait());
    } catch (err) {
      assert.ok(err instanceof Empty, `${ctx}: getNowait threw ${err}`);
      break;
    }
  }
  assert.equal(items.length, n0, `${ctx}: qsize() said ${n0} but ${items.length} items were there`);
  assert.equal(q.qsize(), 0, ctx);
  for (const item of items) Atomics.add(acc, GOT + idOf(item), 1);
  const inflight = new Set([Atomics.load(acc, 1) - 1, Atomics.load(acc, 2) - 1]);
  const allowance = Atomics.load(acc, 3) + Atomics.load(acc, 4);
  const next = Math.min(Atomics.load(acc, 0), CAP);
  let lost = 0;
  for (let id = 0; id < next; id++) {
    const got = acc[GOT + id]!;
    const acked = acc[ACK + id] === 1;
    assert.ok(got <= 1, `${ctx}: item ${id} delivered ${got} times`);
    if (got === 1 && !acked) assert.ok(inflight.has(id), `${ctx}: item ${id} delivered but never put`);
    if (acked && got === 0) lost++;
  }
  assert.ok(lost <= allowance, `${ctx}: ${lost} acknowledged items lost (allowance ${allowance})`);
  // Still a working queue, sync and async.
  q.putNowait(probe);
  await within(q.put(probe, { timeout: 30_000 }), 60_000, `${ctx}: put`);
  assert.equal(q.qsize(), 2, ctx);
  assert.deepEqual(q.getNowait(), probe, ctx);
  assert.deepEqual(await within(q.get({ timeout: 30_000 }), 60_000, `${ctx}: get`), probe, ctx);
  acc.fill(0);
}

/** The kill test of one queue kind (see the file comment). */
export async function queueKillTest(kind: Kind, t: { diagnostic(s: string): void }): Promise<void> {
  const ctx = `${kind}, seed ${SEED} (replay with SKEIN_SEED=${SEED})`;
  t.diagnostic(ctx);
  const q = make(kind);
  const acc = new Int32Array(new SharedArrayBuffer(4 * (GOT + CAP)));
  let round = 0;
  const r = await killLoop({ fn: victim as never, extra: [q, acc, kind] }, KILLS, SEED, async () => {
    await check(q, acc, kind, `${ctx}, round ${round++}`);
  });
  t.diagnostic(`${r.kills} kills in ${r.rounds} rounds`);
  assert.ok(r.kills >= KILLS);
}
