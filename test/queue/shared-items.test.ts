/**
 * skein's shared objects, SharedArrayBuffers and views of them inside queue items cross as
 * themselves (through the depot, src/core/depot.ts): the getter, in any thread, gets the same
 * lock, queue or memory. And the queue's other guarantees hold: a failed put changes nothing
 * (and leaves nothing in the depot), a non-cloneable value is still a TypeError naming its path.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Full, PriorityQueue, Queue, ShutDown } from 'skein/queue';
import { Event, Lock, Thread, Value } from 'skein/threading';
import { depotStats } from '../../dist/core/depot.js';
import { ValueError } from '../../dist/core/errors.js';
import { ROOT, rejectsWith, runNode } from '../helpers.ts';

/** Items the depot holds now, after everything this thread sent it. */
const held = () => depotStats().held;

describe('shared objects inside queue items', { timeout: 1_800_000 }, () => {
  test('a Lock put by the main thread and got in a worker is the same lock', async () => {
    const q = new Queue<{ lock: Lock }>();
    const lock = new Lock();
    const acquired = new Event();
    const release = new Event();
    const t = new Thread({
      target: async (q: Queue<{ lock: Lock }>, acquired: Event, release: Event) => {
        const { lock } = q.getSync();
        lock.acquireSync();
        acquired.set();
        await release.wait();
        lock.release();
      },
      args: [q, acquired, release],
    });
    t.start();
    await q.put({ lock });
    await acquired.wait();
    assert.ok(lock.locked(), 'held by the worker, seen held here');
    assert.equal(await lock.acquire({ timeout: 0 }), false);
    release.set();
    await t.join();
    assert.ok(!lock.locked());
  });

  test('an Event and a Value nested in arrays, objects, Maps and Sets round-trip as themselves', async () => {
    const q = new Queue();
    const ev = new Event();
    const val = new Value('int32', 1);
    const item = { a: [1, { ev, deep: { val } }], m: new Map([['v', val]]), s: new Set([ev]), n: 'x' };
    await q.put(item);
    const t = new Thread({
      target: (q: Queue) => {
        const it = q.getSync() as {
          a: [number, { ev: Event; deep: { val: Value<'int32'> } }];
          m: Map<string, Value<'int32'>>;
          s: Set<Event>;
          n: string;
        };
        it.a[1].deep.val.value += 10;
        it.m.get('v')!.value += 100;
        for (const e of it.s) e.set();
        return it.n;
      },
      args: [q],
    });
    t.start();
    assert.equal(await t.result(), 'x');
    assert.ok(ev.isSet());
    assert.equal(val.value, 111);
    // The user's item was not changed by the encoding.
    assert.equal(item.a[1] && (item.a[1] as { ev: Event }).ev, ev);
    assert.equal(item.m.get('v'), val);
    // Same thread, too.
    q.putSync({ list: [val, val] });
    const back = q.getSync() as { list: [Value<'int32'>, Value<'int32'>] };
    back.list[0].value = 5;
    assert.equal(val.value, 5);
    assert.equal(back.list[1].value, 5);
  });

  test('a Queue inside a Queue item: the worker answers on it', async () => {
    const requests = new Queue<{ n: number; reply: Queue<number> }>();
    const t = new Thread({
      target: (requests: Queue<{ n: number; reply: Queue<number> }>) => {
        const { n, reply } = requests.getSync();
        reply.putSync(n * 2);
      },
      args: [requests],
    });
    t.start();
    const reply = new Queue<number>();
    await requests.put({ n: 21, reply });
    assert.equal(await reply.get({ timeout: 600_000 }), 42);
    await t.join();
  });

  test('a raw SharedArrayBuffer and views of one share memory with the putter', async () => {
    const q = new Queue();
    const sab = new SharedArrayBuffer(32);
    const views = [
      sab,
      new Int32Array(sab, 4, 2),
      new DataView(sab, 16, 8),
      new BigInt64Array(sab, 24, 1),
      Buffer.from(sab, 0, 4),
      new Uint8Array(new ArrayBuffer(2)), // not shared: copied as before
    ];
    await q.put(views);
    const t = new Thread({
      target: (q: Queue) => {
        const [raw, i32, dv, big, buf, plain] = q.getSync() as [
          SharedArrayBuffer,
          Int32Array,
          DataView,
          BigInt64Array,
          Uint8Array,
          Uint8Array,
        ];
        new Uint8Array(raw)[0] = 7;
        i32[1] = 42; // bytes 8..11
        dv.setInt16(0, -2, true); // bytes 16..17
        big[0] = 5n;
        buf[3] = 9;
        return [raw.byteLength, i32.length, dv.byteLength, buf.length, plain.buffer instanceof ArrayBuffer];
      },
      args: [q],
    });
    t.start();
    assert.deepEqual(await t.result(), [32, 2, 8, 4, true]);
    const all = new Int32Array(sab);
    assert.equal(new Uint8Array(sab)[0], 7);
    assert.equal(all[2], 42);
    assert.equal(new DataView(sab).getInt16(16, true), -2);
    assert.equal(new BigInt64Array(sab)[3], 5n);
    assert.equal(new Uint8Array(sab)[3], 9);
    // Same thread: the types come back.
    q.putSync({ v: new Float64Array(sab, 8, 1), b: Buffer.from(sab) });
    const got = q.getSync() as { v: Float64Array; b: Buffer };
    assert.ok(got.v instanceof Float64Array && got.v.buffer instanceof SharedArrayBuffer);
    assert.ok(Buffer.isBuffer(got.b));
    got.b[1] = 1;
    assert.equal(new Uint8Array(sab)[1], 1);
  });

  test('items put from nested threads reach the main thread as themselves', async () => {
    const q = new Queue<{ ev: Event; from: string }>();
    const outer = new Thread({
      target: async (q: Queue<{ ev: Event; from: string }>) => {
        const { Thread } = await import('skein/threading');
        const inner = new Thread({
          target: async (q: Queue<{ ev: Event; from: string }>) => {
            const { Event } = await import('skein/threading');
            const ev = new Event();
            await q.put({ ev, from: 'inner' });
            return ev.wait(120_000); // set by the main thread through its copy
          },
          args: [q],
        });
        inner.start();
        return inner.result();
      },
      args: [q],
    });
    outer.start();
    const item = await q.get({ timeout: 600_000 });
    assert.equal(item.from, 'inner');
    item.ev.set();
    assert.equal(await outer.result(), true);
  });

  test('a PriorityQueue orders items that hold shared objects by their keys', async () => {
    const q = new PriorityQueue<[number, { lock: Lock }]>();
    const a = new Lock();
    const b = new Lock();
    await q.put([2, { lock: b }]);
    await q.put([1, { lock: a }]);
    const first = await q.get();
    const second = q.getSync();
    assert.equal(first[0], 1);
    assert.equal(second[0], 2);
    first[1].lock.acquireSync();
    assert.ok(a.locked() && !b.locked());
    first[1].lock.release();
  });

  test('a failed put leaves nothing in the depot: Full, timeout, abort, ShutDown, incomparable key, ValueError', async () => {
    const lock = new Lock();
    const base = held();
    const q = new Queue(1);
    q.putNowait('filler');
    assert.throws(() => q.putNowait({ lock }), Full);
    assert.throws(() => q.putSync({ lock }, { timeout: 5 }), Full);
    await rejectsWith(q.put({ lock }, { timeout: 5 }), Full);
    const ac = new AbortController();
    const aborted = q.put({ lock }, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await rejectsWith(aborted, Error, /stop/);
    const pq = new PriorityQueue();
    pq.putNowait([1, 'a']);
    assert.throws(() => pq.putNowait(['x', { lock }]), TypeError);
    const small = new Queue(0, { capacity: 256 });
    assert.throws(() => small.putNowait({ lock, pad: 'x'.repeat(400) }), ValueError);
    q.shutdown();
    assert.throws(() => q.putNowait({ lock }), ShutDown);
    assert.equal(held(), base);
    assert.equal(q.getNowait(), 'filler');
    assert.equal(pq.qsize(), 1);
  });

  test('shutdown({ immediate: true }) drops the discarded items from the depot', () => {
    const base = held();
    const q = new Queue();
    const sab = new SharedArrayBuffer(8);
    q.putSync({ lock: new Lock() });
    q.putSync('plain');
    q.putSync([sab]);
    assert.equal(held(), base + 2);
    q.shutdown({ immediate: true });
    assert.equal(held(), base);
    assert.throws(() => q.getNowait(), ShutDown);
  });

  test('every item got leaves the depot (exactly once)', async () => {
    const base = held();
    const q = new Queue();
    for (let i = 0; i < 50; i++) await q.put({ i, lock: new Lock() });
    assert.equal(held(), base + 50);
    for (let i = 0; i < 50; i++) assert.equal(((await q.get()) as { i: number }).i, i);
    assert.equal(held(), base);
  });

  test('a non-cloneable value next to a shared object is still a TypeError naming its path', () => {
    const base = held();
    const q = new Queue();
    const lock = new Lock();
    assert.throws(
      () => q.putNowait({ lock, sab: new SharedArrayBuffer(4), deep: [1, { handler: () => 1 }] }),
      (e: unknown) => e instanceof TypeError && /item\.deep\[1\]\.handler/.test(e.message),
    );
    assert.throws(() => q.putNowait({ lock, p: Promise.resolve() }), /item\.p/);
    assert.ok(q.empty());
    assert.equal(held(), base);
  });

  test('a program using the depot exits by itself and leaves no active resources', async () => {
    for (const mode of ['main', 'workers']) {
      const r = await runNode(`${ROOT}test/fixtures/depot-program.mjs`, [mode], { timeout: 600_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const [findings, end] = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(findings.consumer, { note: 'from producer', locked: true });
      if (mode === 'main') {
        assert.equal(findings.sameLock, true);
      } else {
        // Lazy start (b): only the workers needed the depot; the main thread started it for them.
        assert.equal(findings.startedBeforeWorkers, false);
      }
      assert.equal(findings.startedAfter, true);
      assert.deepEqual(end.resources, []);
    }
  });
});
