/**
 * Data is only data (DESIGN §1.10, issue 11 §1). Shared handles travel out of band, so a value
 * with any keys — skein's own old marker names (`__skein_shared__` naming a `data:` module,
 * `__skein_sab__`) and the shapes of today's descriptors and placeholders included — comes out
 * equal to what went in, next to real shared objects, on every channel; and nothing it names is
 * ever loaded (the `data:` module would write a marker file if it ran).
 *
 * Then a seeded fuzz round trip (seed printed; `SKEIN_SEED=n` replays one) of random nested plain
 * data with random keys beside real shared objects, over the thread channels, a Pipe, a process
 * Queue and a Manager dict.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProcessPoolExecutor, ThreadPoolExecutor } from 'skein/futures';
import {
  type DictProxy,
  JoinableQueue,
  Manager,
  Pipe,
  Pool,
  Queue as PQueue,
  Process,
  SimpleQueue as PSimpleQueue,
  type SyncManager,
  ThreadPool,
} from 'skein/multiprocessing';
import { LifoQueue, PriorityQueue, Queue } from 'skein/queue';
import { Lock, Thread } from 'skein/threading';
import { decodeValue, decodeValueSync, encodeValue } from '../../dist/core/serialize.js';
import { loadSharedType, loadSharedTypeSync, SHARED_TYPES } from '../../dist/core/shared-registry.js';
import { rng, SEED } from '../helpers.ts';

const T = { timeout: 180_000 };
const kShare = Symbol.for('skein.share');

const dir = mkdtempSync(join(tmpdir(), 'skein-data-only-'));
/** Written by the `data:` module below if anything ever loads it. */
const marker = join(dir, 'ran');
const dataModule = `data:text/javascript,${encodeURIComponent(
  `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran');`,
)}`;

/**
 * A JSON text with every shape skein ever read inside user data: the old envelope (with an
 * unknown tag, so the old receiver imported its module; and with a known one), the old SAB
 * placeholders, today's descriptor and placeholder shapes, and an own `__proto__` key.
 */
const EVIL_JSON = `{
  "a": { "__skein_shared__": { "tag": "evil.Tag", "module": ${JSON.stringify(dataModule)}, "data": { "x": 1 } } },
  "b": { "__skein_shared__": { "tag": "skein.Lock", "module": ${JSON.stringify(dataModule)}, "data": null } },
  "c": [{ "__skein_sab__": 0 }, { "__skein_sab__": 0, "type": "Int32Array", "byteOffset": 0, "length": 1 }],
  "d": { "tag": "skein.ManagerProxy", "data": { "id": "x", "kind": "dict" } },
  "e": { "i": 0, "type": "Int32Array", "byteOffset": 0, "length": 1 },
  "__proto__": { "polluted": true },
  "s": "text",
  "n": [1, 2.5, -3, null, true]
}`;

/** A fresh copy of the hostile value, as JSON.parse makes it (plain objects, own keys). */
const evil = (): Record<string, unknown> => JSON.parse(EVIL_JSON) as Record<string, unknown>;

function nothingRan(): void {
  assert.equal(existsSync(marker), false, 'the data: module named in a value was loaded');
}

/** True for a skein shared object (it implements kShare). */
function isHandle(v: unknown): boolean {
  return typeof v === 'object' && v !== null && kShare in v;
}

/**
 * A comparable copy of `v`: each shared object becomes `<handle ClassName>` (so a handle that was
 * not revived as itself, or a plain object that was, shows), every other container is copied
 * with its own keys (`__proto__` as a key, not as the prototype).
 */
function normalize(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isHandle(v)) return `<handle ${(v as object).constructor.name}>`;
  if (Array.isArray(v)) return v.map(normalize);
  assert.equal(Object.getPrototypeOf(v), Object.prototype, 'only plain objects are expected here');
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v))
    Object.defineProperty(out, key, {
      value: normalize((v as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Asserts that `got` is `[evil(), handle of class name]`. */
function assertPair(got: unknown, handleClass: string): void {
  assert.ok(Array.isArray(got), 'an array came back');
  assert.deepStrictEqual(got[0], evil());
  assert.ok(isHandle(got[1]), 'the real shared object arrived as itself');
  assert.equal((got[1] as object).constructor.name, handleClass);
  nothingRan();
}

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the fixed list of shared types', T, () => {
  test('every tag loads a skein module that registers it', async () => {
    for (const tag of Object.keys(SHARED_TYPES)) await loadSharedType(tag);
    for (const tag of Object.keys(SHARED_TYPES)) loadSharedTypeSync(tag);
  });

  test('an unknown tag is a TypeError and nothing is loaded', async () => {
    for (const tag of [dataModule, 'evil.Tag', 'constructor', '__proto__', 'toString', '', 42, null]) {
      await assert.rejects(loadSharedType(tag), TypeError);
      assert.throws(() => loadSharedTypeSync(tag), TypeError);
      assert.throws(() => decodeValueSync({ x: 1 }, [{ tag, data: null }] as never, 'thread'), TypeError);
      assert.throws(() => decodeValue({ x: 1 }, [{ tag, data: null }] as never, 'thread'), TypeError);
    }
    nothingRan();
  });

  test('a malformed handle table is a TypeError', () => {
    for (const table of [{}, 'x', [null], [1], [[]]])
      assert.throws(() => decodeValueSync({}, table as never, 'process'), TypeError);
  });

  test('a thread-only type arriving from another process is refused', () => {
    const lock = new Lock();
    const enc = encodeValue([lock], 'thread', 'args');
    assert.throws(
      () => decodeValueSync(enc.value, enc.shared, 'process'),
      /skein\.Lock from another process/,
    );
    const back = decodeValueSync(enc.value, enc.shared, 'thread') as unknown[];
    assert.ok(back[0] instanceof Lock);
  });

  test('a descriptor-shaped object that is not in the table is left as it is', () => {
    const value = { d: { tag: 'skein.Lock', data: new SharedArrayBuffer(8) } };
    const out = decodeValueSync(structuredClone(value), [], 'thread') as typeof value;
    assert.ok(!(out.d instanceof Lock));
    assert.equal(out.d.tag, 'skein.Lock');
  });

  test('encoding keeps holes, extra array properties and own __proto__ keys next to a handle', () => {
    const arr: unknown[] = [1];
    arr[2] = 3; // a hole at 1
    (arr as unknown as Record<string, unknown>).extra = 'x';
    const value = { arr, ...evil(), lock: new Lock() };
    const enc = encodeValue(value, 'thread', 'item');
    assert.ok(enc.shared?.length === 1);
    const back = decodeValueSync(structuredClone({ v: enc.value, s: enc.shared }).v, undefined, 'thread');
    // (Decoded without its table: the descriptor stays a plain object; the rest is as sent.)
    const b = back as typeof value;
    assert.equal(1 in b.arr, false);
    assert.equal((b.arr as unknown as Record<string, unknown>).extra, 'x');
    assert.deepStrictEqual(Object.getPrototypeOf(b), Object.prototype);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(b, '__proto__')?.value, { polluted: true });
    const rec = structuredClone({ v: enc.value, s: enc.shared });
    const revived = decodeValueSync(rec.v, rec.s, 'thread') as typeof value;
    assert.ok(revived.lock instanceof Lock);
    const { lock: _l, arr: _a, ...rest } = revived;
    assert.deepStrictEqual(rest, evil());
  });
});

describe('hostile keys next to real shared objects come out equal on every channel', T, () => {
  test('Thread args and result', async () => {
    const lock = new Lock();
    const t = new Thread({ target: (v: unknown, l: Lock) => [v, l], args: [evil(), lock] });
    t.start();
    assertPair(await t.result(), 'Lock');
  });

  test('Maps and Sets: hostile entries, a handle as a key and as an item (Thread and thread Queue)', async () => {
    const lock = new Lock();
    const make = () => ({
      m: new Map<unknown, unknown>([
        ['__skein_shared__', evil()],
        [lock, 'a lock as a key'],
        [evil(), lock],
      ]),
      s: new Set<unknown>([evil(), lock, { __skein_sab__: 0 }]),
    });
    const check = (got: unknown) => {
      const { m, s } = got as ReturnType<typeof make>;
      const entries = [...m];
      assert.deepStrictEqual(entries[0], ['__skein_shared__', evil()]);
      assert.ok(entries[1]![0] instanceof Lock);
      assert.equal(entries[1]![1], 'a lock as a key');
      assert.deepStrictEqual(entries[2]![0], evil());
      assert.ok(entries[2]![1] instanceof Lock);
      assert.equal(entries[1]![0], entries[2]![1], 'one handle, one object');
      const items = [...s];
      assert.deepStrictEqual(items[0], evil());
      assert.equal(items[1], entries[1]![0]);
      assert.deepStrictEqual(items[2], { __skein_sab__: 0 });
      nothingRan();
    };
    const t = new Thread({ target: (v: unknown) => v, args: [make()] });
    t.start();
    check(await t.result());
    const q = new Queue<unknown>();
    await q.put(make());
    check(await q.get());
  });

  test('ThreadPoolExecutor submit and map', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const lock = new Lock();
    assertPair(await pool.submit((v: unknown, l: Lock) => [v, l], evil(), lock), 'Lock');
    for await (const r of pool.map(
      (x: unknown) => x,
      [
        [evil(), lock],
        [evil(), lock],
      ],
    ))
      assertPair(r, 'Lock');
  });

  test('ProcessPoolExecutor submit and map (args into the child, result back)', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const q = new PQueue();
    assertPair(await pool.submit((v: unknown, h: unknown) => [v, h], evil(), q), 'Queue');
    for await (const r of pool.map((x: unknown) => x, [[evil(), q]])) assertPair(r, 'Queue');
    q.close();
  });

  test('ThreadPool and Pool: apply and map', async () => {
    {
      await using pool = new ThreadPool({ processes: 1 });
      const lock = new Lock();
      assertPair(await pool.apply((v: unknown, l: Lock) => [v, l], [evil(), lock]), 'Lock');
      for (const r of await pool.map((x: unknown) => x, [[evil(), lock]])) assertPair(r, 'Lock');
    }
    {
      await using pool = new Pool({ processes: 1 });
      const q = new PQueue();
      assertPair(await pool.apply((v: unknown, h: unknown) => [v, h], [evil(), q]), 'Queue');
      for (const r of await pool.map((x: unknown) => x, [[evil(), q]])) assertPair(r, 'Queue');
      q.close();
    }
  });

  test('Process args (and a process Queue back)', async () => {
    const q = new PQueue<unknown>();
    const p = new Process({
      target: async (v: unknown, q: PQueue<unknown>) => {
        await q.put([v, q]);
      },
      args: [evil(), q],
    });
    p.start();
    assertPair(await q.get(), 'Queue');
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  for (const [name, make] of [
    ['Queue (ring store)', () => new Queue<unknown>()],
    ['LifoQueue (mutex store)', () => new LifoQueue<unknown>()],
  ] as const) {
    test(`thread ${name} items, with a Lock and shared memory beside (the depot)`, async () => {
      const q = make();
      const back = make();
      const lock = new Lock();
      const sab = new SharedArrayBuffer(8);
      // Plain (no handle): the fast and V8 formats.
      q.putSync(evil());
      assert.deepStrictEqual(q.getSync(), evil());
      // Beside a lock, a SharedArrayBuffer and a view of it: the shared format, in this thread…
      q.putSync([evil(), lock, sab, new Int32Array(sab)]);
      const here = q.getSync() as [unknown, Lock, SharedArrayBuffer, Int32Array];
      assertPair(here, 'Lock');
      here[3][0] = 7;
      assert.equal(new Int32Array(sab)[0], 7, 'the same memory');
      // …and through another thread, both ways.
      await q.put([evil(), lock, sab]);
      await q.put({ key: evil(), lock });
      const t = new Thread({
        target: (q: Queue<unknown>, back: Queue<unknown>) => {
          back.putSync(q.getSync());
          back.putSync(q.getSync());
        },
        args: [q, back],
      });
      t.start();
      // (In whichever order the store gives them back: LIFO reverses.)
      const two = [await back.get(), await back.get()];
      assertPair(two.find(Array.isArray), 'Lock');
      const obj = two.find((x) => !Array.isArray(x)) as { key: unknown; lock: Lock };
      assert.deepStrictEqual(obj.key, evil());
      assert.ok(obj.lock instanceof Lock);
      await t.join();
      assert.equal(q.qsize(), 0);
      nothingRan();
    });
  }

  test('thread PriorityQueue items', async () => {
    const q = new PriorityQueue<[number, unknown, Lock]>();
    const lock = new Lock();
    await q.put([1, evil(), lock]);
    const [n, v, l] = await q.get();
    assert.equal(n, 1);
    assertPair([v, l], 'Lock');
  });

  test('Pipe: send/recv, recvSync, and a batch of messages', async () => {
    const [a, b] = Pipe<unknown>();
    const q = new PQueue();
    a.send([evil(), q]);
    assertPair(await b.recv(), 'Queue');
    a.send([evil(), q]);
    assertPair(b.recvSync(), 'Queue');
    // Several at once: one round trip, one merged handle table.
    for (let i = 0; i < 5; i++) a.send(i % 2 === 0 ? [evil(), q] : evil());
    for (let i = 0; i < 5; i++) {
      const got = await b.recv();
      if (i % 2 === 0) assertPair(got, 'Queue');
      else assert.deepStrictEqual(got, evil());
    }
    // A pipe end beside the hostile value.
    const [c, d] = Pipe<unknown>();
    a.send([evil(), c]);
    const [v, c2] = (await b.recv()) as [unknown, typeof c];
    assertPair([v, c2], 'Connection');
    c2.send('through the copy');
    assert.equal(await d.recv(), 'through the copy');
    for (const x of [a, b, c, c2, d]) x.close();
    q.close();
  });

  for (const [name, make] of [
    ['Queue', () => new PQueue<unknown>()],
    ['JoinableQueue', () => new JoinableQueue<unknown>()],
    ['SimpleQueue', () => new PSimpleQueue<unknown>()],
  ] as const) {
    test(`process ${name}: put/get and putSync/getSync`, async () => {
      const q = make();
      const h = new PQueue();
      await q.put([evil(), h]);
      assertPair(await q.get(), 'Queue');
      if (q instanceof PSimpleQueue) q.put([evil(), h]);
      else q.putSync([evil(), h]);
      assertPair(q.getSync(), 'Queue');
      await q.put(evil());
      assert.deepStrictEqual(await q.get(), evil());
      q.close();
      h.close();
    });
  }

  describe('Manager', () => {
    let m: SyncManager;
    before(async () => {
      m = await Manager();
    });
    after(async () => {
      await m.shutdown();
    });

    test('dict, list and Namespace values; publish/lookup', async () => {
      const h = await m.dict<string, unknown>();
      const d = await m.dict<string, unknown>();
      await d.set('x', [evil(), h]);
      await d.set('plain', evil());
      // The value read back, alone and among others (one merged handle table), by every reader.
      assertPair(await d.get('x'), 'DictProxy');
      assertPair(d.getSync('x'), 'DictProxy');
      assert.deepStrictEqual(await d.get('plain'), evil());
      const values = await d.values();
      assertPair(values[0], 'DictProxy');
      assert.deepStrictEqual(values[1], evil());
      assertPair((await d.copy()).get('x'), 'DictProxy');
      await d.update({ y: [evil(), h], z: [evil(), h] });
      assertPair(await d.get('z'), 'DictProxy');

      const l = await m.list<unknown>();
      await l.append([evil(), h]);
      await l.extend([evil(), [evil(), h]]);
      assertPair(await l.get(0), 'DictProxy');
      assert.deepStrictEqual(await l.get(1), evil());
      const all = await l.copy();
      assertPair(all[2], 'DictProxy');

      const ns = await m.Namespace();
      await ns.set('v', [evil(), h]);
      assertPair(await ns.get('v'), 'DictProxy');

      await m.publish('hostile', [evil(), h]);
      assertPair(await m.lookup('hostile'), 'DictProxy');

      // A child process reading the dict sees the same.
      const q = new PQueue<unknown>();
      const p = new Process({
        target: async (d: DictProxy<string, unknown>, q: PQueue<unknown>) => {
          await q.put(await d.get('x'));
        },
        args: [d, q],
      });
      p.start();
      assertPair(await q.get(), 'DictProxy');
      await p.join();
      q.close();
    });
  });
});

const KEYS = [
  '__skein_shared__',
  '__skein_sab__',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'tag',
  'module',
  'data',
  'v',
  's',
  'p',
  'i',
  'type',
  'byteOffset',
  'length',
  '0',
  '7',
  '',
  'ü',
  '😀',
];

/** Random nested plain data; `handle()` (when given) is sometimes placed inside. */
function gen(rnd: () => number, depth: number, handle?: () => object): unknown {
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)]!;
  const str = () =>
    rnd() < 0.5
      ? pick(KEYS)
      : Array.from({ length: Math.floor(rnd() * 8) }, () =>
          String.fromCharCode(rnd() < 0.9 ? 32 + Math.floor(rnd() * 95) : 0x100 + Math.floor(rnd() * 0x2000)),
        ).join('');
  const r = rnd();
  if (depth <= 0 || r < 0.35) {
    const k = Math.floor(rnd() * 10);
    if (handle && k === 0) return handle();
    return [
      () => Math.floor(rnd() * 2 ** 31) - 2 ** 30,
      () => (rnd() - 0.5) * 1e6,
      () => pick([0, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]),
      str,
      str,
      () => rnd() < 0.5,
      () => null,
      () => undefined,
      () => BigInt(Math.floor(rnd() * 1e9)) * 10n ** 12n,
      str,
    ][k]!();
  }
  if (r < 0.5) {
    // The shapes skein once read (or reads inside its own records).
    return pick([
      () => ({
        __skein_shared__: {
          tag: pick(['evil.Tag', 'skein.Lock', 'skein.ManagerProxy']),
          module: dataModule,
          data: gen(rnd, depth - 1),
        },
      }),
      () => ({ __skein_sab__: Math.floor(rnd() * 3) }),
      () => ({ tag: pick(Object.keys(SHARED_TYPES)), data: gen(rnd, depth - 1) }),
      () => ({ i: Math.floor(rnd() * 3), type: 'Int32Array', byteOffset: 0, length: 1 }),
    ])();
  }
  const n = Math.floor(rnd() * 5);
  if (r < 0.7) return Array.from({ length: n }, () => gen(rnd, depth - 1, handle));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++)
    Object.defineProperty(o, str(), {
      value: gen(rnd, depth - 1, handle),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return o;
}

describe('fuzz: random plain data with random keys beside real shared objects', T, () => {
  const seed = SEED;
  const N = Number(process.env.SKEIN_FUZZ_N ?? 40);
  console.log(`# data-only fuzz: seed ${seed} (replay with SKEIN_SEED=${seed})`);
  /** N random values, each with the handle somewhere (always at least once, at the end). */
  const values = (salt: number, handle: () => object): unknown[] => {
    const rnd = rng(seed + salt);
    return Array.from({ length: N }, () => [gen(rnd, 4, handle), handle()]);
  };
  const same = (got: unknown, want: unknown, channel: string) => {
    assert.deepStrictEqual(normalize(got), normalize(want), `${channel} changed a value (seed ${seed})`);
  };

  test('Thread args and result', async () => {
    const lock = new Lock();
    const sent = values(1, () => lock);
    const t = new Thread({ target: (vs: unknown[]) => vs, args: [sent] });
    t.start();
    same(await t.result(), sent, 'Thread');
    nothingRan();
  });

  test('ThreadPoolExecutor map', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const lock = new Lock();
    const sent = values(2, () => lock);
    const got: unknown[] = [];
    for await (const r of pool.map((x: unknown) => x, sent)) got.push(r);
    same(got, sent, 'ThreadPoolExecutor');
    nothingRan();
  });

  test('thread queues: ring and mutex stores, through a worker', async () => {
    const lock = new Lock();
    const sent = values(3, () => lock);
    const q = new Queue<unknown>();
    const back = new LifoQueue<unknown>();
    const t = new Thread({
      target: (q: Queue<unknown>, back: LifoQueue<unknown>, n: number) => {
        for (let i = 0; i < n; i++) back.putSync(q.getSync());
      },
      args: [q, back, sent.length],
    });
    t.start();
    for (const v of sent) await q.put(v);
    await t.join();
    const got: unknown[] = [];
    while (!back.empty()) got.push(back.getSync());
    same(got.reverse(), sent, 'thread queues');
    nothingRan();
  });

  test('Pipe', async () => {
    const [a, b] = Pipe<unknown>();
    const h = new PQueue();
    const sent = values(4, () => h);
    for (const v of sent) a.send(v);
    const got: unknown[] = [];
    for (let i = 0; i < sent.length; i++) got.push(await b.recv());
    same(got, sent, 'Pipe');
    a.close();
    b.close();
    h.close();
    nothingRan();
  });

  test('process Queue', async () => {
    const q = new PQueue<unknown>();
    const h = new PQueue();
    const sent = values(5, () => h);
    for (const v of sent) await q.put(v);
    const got: unknown[] = [];
    for (let i = 0; i < sent.length; i++) got.push(i % 2 ? await q.get() : q.getSync());
    same(got, sent, 'process Queue');
    q.close();
    h.close();
    nothingRan();
  });

  test('Manager dict', async () => {
    await using m = await Manager();
    const h = await m.dict();
    const d = await m.dict<number, unknown>();
    const sent = values(6, () => h);
    for (let i = 0; i < sent.length; i++) await d.set(i, sent[i]);
    const got: unknown[] = [];
    for (let i = 0; i < sent.length; i++) got.push(await d.get(i));
    same(got, sent, 'Manager dict get');
    same(await d.values(), sent, 'Manager dict values');
    nothingRan();
  });
});
