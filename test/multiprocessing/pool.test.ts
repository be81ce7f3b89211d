// multiprocessing.Pool (child processes) and ThreadPool (worker threads): one table of tests run
// against both kinds. Tasks that must wait do so on a file the test creates (polled in the
// worker), so the tests themselves never sleep.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  AsyncResult,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  Pool,
  type PoolOptions,
  ThreadPool,
  TimeoutError,
  task,
  ValueError,
  WorkerDiedError,
} from 'skein/multiprocessing';
import { defaultChunksize } from '../../dist/multiprocessing/pool.js';
import { assertNoNewResources, rejectsWith, resources } from '../helpers.ts';

const tasks = new URL('../fixtures/pool-tasks.mjs', import.meta.url);
const waitForFile = task<(path: string, value: string) => Promise<string>>(tasks, 'waitForFile');
const whoami = task<() => Promise<string>>(tasks, 'whoami');
const markThenWait = task<(marker: string, path: string, value: string) => Promise<string>>(
  tasks,
  'markThenWait',
);
const pow = task<(a: number, b: number) => number>(tasks, 'pow');
const failOn5 = task<(x: number) => number>(tasks, 'failOn5');

const dir = mkdtempSync(join(tmpdir(), 'skein-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileN = 0;
/** A path that does not exist yet; `touch` creates it. */
const gate = () => join(dir, `gate-${fileN++}`);
const touch = (p: string) => writeFileSync(p, '');

const kinds = [
  { name: 'Pool', make: (o?: PoolOptions) => new Pool(o), Broken: BrokenProcessPool },
  { name: 'ThreadPool', make: (o?: PoolOptions) => new ThreadPool(o), Broken: BrokenThreadPool },
] as const;

test('types are inferred from the task', async () => {
  await using pool = new ThreadPool({ processes: 1 });
  const strings: Promise<string[]> = pool.map((n: number) => String(n), [1, 2]);
  const one: Promise<number> = pool.apply(pow, [2, 3]);
  const r: AsyncResult<boolean> = pool.applyAsync(async (s: string) => s.length > 1, ['ab']);
  const star: Promise<number[]> = pool.starmap(pow, [[2, 2]]);
  const it: AsyncIterableIterator<string> = pool.imap((n: number) => `#${n}`, [1]);
  // @ts-expect-error an item of the wrong type
  void pool.map((n: number) => n, ['x']).catch(() => undefined);
  // @ts-expect-error wrong arguments
  void pool.apply(pow, ['a', 2]).catch(() => undefined);
  assert.deepEqual(await strings, ['1', '2']);
  assert.equal(await one, 8);
  assert.equal(await r.get(), true);
  assert.deepEqual(await star, [4]);
  assert.deepEqual(await it.next(), { value: '#1', done: false });
  await it.return?.();
});

test('defaultChunksize is Python’s divmod(len, processes * 4), plus one for a remainder', () => {
  // Values CPython computes in Pool._map_async.
  assert.equal(defaultChunksize(0, 2), 0);
  assert.equal(defaultChunksize(1, 2), 1);
  assert.equal(defaultChunksize(8, 2), 1);
  assert.equal(defaultChunksize(9, 2), 2);
  assert.equal(defaultChunksize(10, 1), 3);
  assert.equal(defaultChunksize(100_000, 2), 12_500);
  assert.equal(defaultChunksize(100_001, 2), 12_501);
});

for (const kind of kinds) {
  describe(kind.name, { timeout: 1_800_000 }, () => {
    test('apply and applyAsync: results, types, args default to []', async () => {
      await using pool = kind.make({ processes: 2 });
      const s: string = await pool.apply((n: number) => String(n), [7]);
      assert.equal(s, '7');
      assert.equal(await pool.apply(() => 42), 42);
      assert.equal(await pool.apply(pow, [2, 10]), 1024);
      const r = pool.applyAsync(async (a: number, b: number) => a + b, [1, 2]);
      assert.ok(r instanceof AsyncResult);
      assert.equal(await r.get(), 3);
      assert.equal(r.ready(), true);
      assert.equal(r.successful(), true);
      // Runs in a worker, not here.
      assert.notEqual(await pool.apply(whoami), `${process.pid}:0`);
    });

    test('callbacks run in the parent, in completion order', async () => {
      await using pool = kind.make({ processes: 2 });
      const g = gate();
      const order: string[] = [];
      const parent = process.pid;
      // A waits for the gate; B finishes first and its callback (in the parent) opens the gate.
      const a = pool.applyAsync(waitForFile, [g, 'A'], {
        callback: (v) => order.push(`${v}@${process.pid}`),
      });
      const b = pool.applyAsync(pow, [2, 3], {
        callback: (v) => {
          order.push(`${v}@${process.pid}`);
          touch(g);
        },
      });
      assert.equal(await a.get(), 'A');
      assert.equal(await b.get(), 8);
      assert.deepEqual(order, [`8@${parent}`, `A@${parent}`]);
    });

    test('errorCallback gets the error; get() rejects with it; successful() is false', async () => {
      await using pool = kind.make({ processes: 1 });
      const seen: Error[] = [];
      const r = pool.applyAsync(failOn5, [5], { errorCallback: (e) => seen.push(e) });
      await rejectsWith(r.get(), RangeError, /bad item 5/);
      assert.equal(seen.length, 1);
      assert.ok(seen[0] instanceof RangeError);
      assert.equal(r.successful(), false);
      await rejectsWith(
        pool.apply(() => {
          throw new TypeError('inline boom');
        }),
        TypeError,
        /inline boom/,
      );
    });

    test('a throwing callback is reported as a warning (ERR_SKEIN_CALLBACK), not propagated', async () => {
      await using pool = kind.make({ processes: 1 });
      const warned = new Promise<Error & { code?: string }>((resolve) => process.once('warning', resolve));
      const r = pool.applyAsync(() => 1, [], {
        callback: () => {
          throw new Error('callback fails');
        },
      });
      assert.equal(await r.get(), 1);
      const w = await warned;
      assert.equal(w.code, 'ERR_SKEIN_CALLBACK');
      assert.match(w.message, /callback fails/);
    });

    test('get(timeout) rejects with TimeoutError and a later get succeeds; wait(timeout) does not reject', async () => {
      await using pool = kind.make({ processes: 1 });
      const g = gate();
      const r = pool.applyAsync(waitForFile, [g, 'late']);
      await rejectsWith(r.get(0), TimeoutError);
      await assert.rejects(r.get(5), (e: Error & { code?: string }) => e.code === 'ERR_SKEIN_TIMEOUT');
      await r.wait(0);
      assert.equal(r.ready(), false);
      assert.throws(() => r.successful(), ValueError);
      touch(g);
      await r.wait();
      assert.equal(await r.get(0), 'late');
      const ac = new AbortController();
      const r2 = pool.applyAsync(waitForFile, [gate(), 'never']);
      const p = r2.get({ signal: ac.signal });
      ac.abort(new Error('stop waiting'));
      await assert.rejects(p, /stop waiting/);
    });

    test('map and mapAsync: input order, any chunksize, callback gets the whole list once', async () => {
      await using pool = kind.make({ processes: 2 });
      const items = Array.from({ length: 1000 }, (_, i) => i);
      const want = items.map((x) => x * x);
      for (const cs of [undefined, 1, 3, 7, 1000, 5000]) {
        const got: number[] = await pool.map((x: number) => x * x, items, cs);
        assert.deepEqual(got, want, `chunksize ${cs}`);
      }
      assert.deepEqual(await pool.map((x: number) => String(x), new Set([1, 2])), ['1', '2']);
      const calls: number[][] = [];
      const r = pool.mapAsync((x: number) => x + 1, [1, 2, 3], { callback: (v) => calls.push(v) });
      assert.deepEqual(await r.get(), [2, 3, 4]);
      assert.deepEqual(calls, [[2, 3, 4]]);
      // Empty: resolves at once with [], callback called with [].
      const empty: unknown[][] = [];
      assert.deepEqual(
        await pool.mapAsync((x: number) => x, [], { callback: (v) => empty.push(v) }).get(),
        [],
      );
      assert.deepEqual(empty, [[]]);
    });

    test('default chunks: one task per chunk (seen through maxtasksperchild: 1)', async () => {
      // With one worker retired after every task, each chunk runs in a fresh worker: the workers
      // seen show the chunking — 10 items on 1 worker → chunksize 3 → chunks 3, 3, 3, 1.
      await using pool = kind.make({ processes: 1, maxtasksperchild: 1 });
      const who = await pool.map(whoami as never as (x: number) => Promise<string>, Array(10).fill(0));
      const runs: number[] = [];
      for (let i = 0; i < who.length; i++) {
        if (i > 0 && who[i] === who[i - 1]) runs[runs.length - 1]!++;
        else runs.push(1);
      }
      assert.deepEqual(runs, [3, 3, 3, 1]);
      assert.equal(new Set(who).size, 4);
    });

    test('map fails with the first error; an error in one chunk fails the map; errorCallback once', async () => {
      await using pool = kind.make({ processes: 2 });
      const items = Array.from({ length: 40 }, (_, i) => i);
      await rejectsWith(pool.map(failOn5, items), RangeError, /bad item 5/);
      await rejectsWith(pool.map(failOn5, items, 1), RangeError, /bad item 5/);
      const errs: Error[] = [];
      const r = pool.mapAsync(failOn5, items, { chunksize: 8, errorCallback: (e) => errs.push(e) });
      await rejectsWith(r.get(), RangeError);
      assert.equal(errs.length, 1);
      // The pool goes on.
      assert.deepEqual(await pool.map(failOn5, [1, 2]), [1, 4]);
    });

    test('starmap and starmapAsync, inline and module tasks, with chunks', async () => {
      await using pool = kind.make({ processes: 2 });
      const args: [number, number][] = Array.from({ length: 25 }, (_, i) => [i, 2]);
      const want = args.map(([a, b]) => a ** b);
      for (const cs of [undefined, 1, 4]) {
        assert.deepEqual(await pool.starmap((a: number, b: number) => a ** b, args, cs), want);
        assert.deepEqual(await pool.starmap(pow, args, cs), want);
      }
      const seen: number[][] = [];
      const r = pool.starmapAsync(pow, [[2, 5]], { callback: (v) => seen.push(v) });
      assert.deepEqual(await r.get(), [32]);
      assert.deepEqual(seen, [[32]]);
    });

    test('imap yields in input order; imapUnordered yields every result; both take async iterables', async () => {
      await using pool = kind.make({ processes: 2 });
      const items = Array.from({ length: 50 }, (_, i) => i);
      for (const cs of [1, 4]) {
        const out: number[] = [];
        for await (const v of pool.imap((x: number) => x * 3, items, cs)) out.push(v);
        assert.deepEqual(
          out,
          items.map((x) => x * 3),
        );
        const un: number[] = [];
        for await (const v of pool.imapUnordered((x: number) => x * 3, items, cs)) un.push(v);
        assert.deepEqual(
          un.sort((a, b) => a - b),
          items.map((x) => x * 3),
        );
      }
      async function* gen() {
        for (let i = 0; i < 5; i++) yield i;
      }
      const out: number[] = [];
      for await (const v of pool.imap((x: number) => -x, gen(), 2)) out.push(v);
      assert.deepEqual(out, [-0, -1, -2, -3, -4]);
    });

    test('imap is lazy: an endless generator is pulled only a bounded number of times', async () => {
      await using pool = kind.make({ processes: 2 });
      for (const cs of [1, 5]) {
        let pulled = 0;
        let finished = false;
        function* naturals() {
          try {
            for (let i = 0; ; i++) {
              pulled++;
              yield i;
            }
          } finally {
            finished = true;
          }
        }
        const out: number[] = [];
        for await (const v of pool.imap((x: number) => x + 1, naturals(), cs)) {
          out.push(v);
          if (out.length === 10) break;
        }
        assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // At most 4 × processes units of cs items ahead of what was taken.
        assert.ok(pulled <= 10 + 4 * 2 * cs + cs, `pulled ${pulled} with chunksize ${cs}`);
        assert.ok(finished, 'break closed the generator');
        const unordered: number[] = [];
        pulled = 0;
        for await (const v of pool.imapUnordered((x: number) => x, naturals(), cs)) {
          unordered.push(v);
          if (unordered.length === 10) break;
        }
        assert.ok(pulled <= 10 + 4 * 2 * cs + cs, `unordered pulled ${pulled}`);
      }
    });

    test('imap: an item error is thrown at its position and ends the iteration; the iterable’s own error too', async () => {
      await using pool = kind.make({ processes: 2 });
      const out: number[] = [];
      await rejectsWith(
        (async () => {
          for await (const v of pool.imap(failOn5, [1, 2, 3, 4, 5, 6, 7], 2)) out.push(v);
        })(),
        RangeError,
        /bad item 5/,
      );
      assert.deepEqual(out, [1, 4, 9, 16]);
      function* broken() {
        yield 1;
        yield 2;
        throw new SyntaxError('iterable broke');
      }
      const got: number[] = [];
      await rejectsWith(
        (async () => {
          for await (const v of pool.imap((x: number) => x, broken())) got.push(v);
        })(),
        SyntaxError,
      );
      assert.deepEqual(got, [1, 2]);
      // An item that cannot be sent fails at its position, naming it.
      const it = pool.imap((x: unknown) => x, [1, () => 2]);
      assert.deepEqual(await it.next(), { value: 1, done: false });
      await assert.rejects(
        it.next(),
        (e: Error) => e instanceof TypeError && /iterable\[1\]/.test(e.message),
      );
    });

    test('misuse: join while running, tasks after close/terminate are ValueError; bad arguments', async () => {
      const pool = kind.make({ processes: 1 });
      await assert.rejects(
        pool.join(),
        (e: ValueError) => e instanceof ValueError && e.code === 'ERR_SKEIN_VALUE',
      );
      assert.throws(() => pool.applyAsync(42 as never), TypeError);
      assert.throws(() => pool.applyAsync((x: number) => x, 1 as never), TypeError);
      assert.throws(
        () => pool.applyAsync((_a: number, _b: unknown) => 1, [1, { f: () => 1 }]),
        (e: Error) => e instanceof TypeError && /args\[1\]\.f/.test(e.message),
      );
      await assert.rejects(
        pool.map((x: unknown) => x, [1, 2, Symbol('s')]),
        (e: Error) => e instanceof TypeError && /iterable\[2\]/.test(e.message),
      );
      await rejectsWith(
        pool.map((x: number) => x, [1], 0),
        RangeError,
      );
      assert.throws(() => pool.imap((x: number) => x, [1], 0), RangeError);
      assert.throws(() => pool.mapAsync((x: number) => x, 5 as never), TypeError);
      assert.throws(() => new Pool({ processes: 0 }), RangeError);
      assert.throws(() => new ThreadPool({ maxtasksperchild: 0 }), RangeError);
      assert.equal(pool.state, 'run');
      pool.close();
      assert.equal(pool.state, 'close');
      await rejectsWith(
        pool.apply(() => 1),
        ValueError,
        /Pool not running/,
      );
      assert.throws(() => pool.applyAsync(() => 1), ValueError);
      assert.throws(() => pool.imap((x: number) => x, [1]), ValueError);
      await rejectsWith(
        pool.map((x: number) => x, [1]),
        ValueError,
      );
      await rejectsWith(
        pool.starmap((x: number) => x, [[1]]),
        ValueError,
      );
      await pool.join();
      pool.terminate();
      assert.throws(() => pool.mapAsync((x: number) => x, [1]), ValueError);
    });

    test('a worker that dies (process.exit) fails its task with WorkerDiedError; the pool goes on', async () => {
      await using pool = kind.make({ processes: 2 });
      const e = await pool.apply(() => process.exit(7)).catch((err: unknown) => err);
      assert.ok(e instanceof WorkerDiedError, String(e));
      assert.equal(e.code, 'ERR_SKEIN_WORKER_DIED');
      assert.equal(e.exitCode, 7);
      await rejectsWith(
        pool.map((x: number) => (x === 3 ? process.exit(1) : x), [1, 2, 3, 4], 1),
        WorkerDiedError,
      );
      await rejectsWith(
        pool.map(
          (x: number) => (x === 30 ? process.exit(1) : x),
          Array.from({ length: 40 }, (_, i) => i),
        ),
        WorkerDiedError,
      );
      assert.deepEqual(await pool.map((x: number) => x * 2, [1, 2, 3]), [2, 4, 6]);
      assert.equal(await pool.apply(() => 'alive'), 'alive');
    });

    test('terminate with running and queued tasks: they fail, join resolves, nothing is left', async () => {
      const before = resources();
      const pool = kind.make({ processes: 2 });
      const never = gate();
      // A has begun (it made its marker, which the other worker waited for) when terminate comes.
      const begun = gate();
      const a = pool.applyAsync(markThenWait, [begun, never, 'A']);
      assert.equal(await pool.apply(waitForFile, [begun, 'A began']), 'A began');
      const rs = Array.from({ length: 6 }, (_, i) => pool.applyAsync(waitForFile, [never, String(i)]));
      const it = pool.imap(waitForFile as never as (x: string) => Promise<string>, [never]);
      const first = it.next();
      pool.terminate();
      await pool.join();
      const errors = await Promise.all(rs.map((r) => r.get().catch((e: unknown) => e)));
      // Queued when terminate() came: never started.
      for (const e of errors) assert.ok(e instanceof CancelledError, String(e));
      const ea = await a.get().catch((e: unknown) => e);
      assert.ok(ea instanceof WorkerDiedError, String(ea));
      assert.equal(ea.reason, 'terminated');
      await assert.rejects(first);
      assert.equal(pool.state, 'terminate');
      assertNoNewResources(before);
    });

    test('close then join waits for the work; imap begun before close goes on', async () => {
      const before = resources();
      const pool = kind.make({ processes: 2 });
      const r = pool.mapAsync((x: number) => x + 1, [1, 2, 3]);
      const it = pool.imap((x: number) => x * 10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      pool.close();
      const out: number[] = [];
      for await (const v of it) out.push(v);
      assert.equal(out.length, 12);
      await pool.join();
      assert.deepEqual(await r.get(), [2, 3, 4]);
      assertNoNewResources(before);
    });

    test('await using terminates the pool', async () => {
      const before = resources();
      let saved: Pool | undefined;
      {
        await using pool = kind.make({ processes: 1 });
        saved = pool;
        assert.equal(await pool.apply(() => 1), 1);
      }
      assert.equal(saved.state, 'terminate');
      assert.throws(() => saved.applyAsync(() => 1), ValueError);
      assertNoNewResources(before);
    });

    test('initializer and initargs run in every worker; a failing one breaks the pool', async () => {
      {
        await using pool = kind.make({ processes: 2, initializer: task(tasks, 'init'), initargs: ['ready'] });
        assert.deepEqual(await pool.map(task<(x: number) => string>(tasks, 'initValue'), [1, 2, 3, 4], 1), [
          'ready',
          'ready',
          'ready',
          'ready',
        ]);
      }
      const pool = kind.make({ processes: 1, initializer: task(tasks, 'failInit') });
      await rejectsWith(
        pool.apply(() => 1),
        kind.Broken,
      );
      assert.throws(() => pool.applyAsync(() => 1), kind.Broken);
      pool.terminate();
      await pool.join();
    });

    test('maxtasksperchild replaces a worker after that many tasks', async () => {
      await using pool = kind.make({ processes: 1, maxtasksperchild: 2 });
      const who: string[] = [];
      for (let i = 0; i < 6; i++) who.push(await pool.apply(whoami));
      assert.equal(new Set(who).size, 3, String(who));
      assert.equal(who[0], who[1]);
      assert.notEqual(who[1], who[2]);
    });
  });
}

test('a process pool rejects a SharedArrayBuffer argument at the call, naming it', async () => {
  await using pool = new Pool({ processes: 1 });
  assert.throws(
    () => pool.applyAsync((b: SharedArrayBuffer) => b.byteLength, [new SharedArrayBuffer(8)]),
    (e: Error) => e instanceof TypeError && /args\[0\]/.test(e.message),
  );
  // A thread pool shares it.
  await using tp = new ThreadPool({ processes: 1 });
  const sab = new SharedArrayBuffer(4);
  await tp.apply(
    (b: SharedArrayBuffer) => {
      new Int32Array(b)[0] = 9;
    },
    [sab],
  );
  assert.equal(new Int32Array(sab)[0], 9);
});

test('processes defaults to os.availableParallelism()', async () => {
  const { availableParallelism } = await import('node:os');
  await using pool = new ThreadPool();
  assert.equal(pool.processes, availableParallelism());
});

// Regression: on terminate(), a task its worker was handed but provably never began is put back in
// the engine's queue (pool.ts "unstarted") — after the queue was drained. It must still settle.
for (const kind of kinds) {
  test(`${kind.name}: terminate settles tasks a killed worker held but never began`, {
    timeout: 600_000,
  }, async () => {
    const pool = kind.make({ processes: 1 });
    await pool.apply(() => 'ready');
    // Two chunks go to the one worker at once (a chunk is double-buffered); the first spins forever.
    const m1 = pool.mapAsync(
      (x: number) => {
        if (x === 0) for (;;);
        return x;
      },
      [0, 0],
      { chunksize: 2 },
    );
    const m2 = pool.mapAsync((x: number) => x, [1, 2], { chunksize: 2 });
    await new Promise<void>((r) => setImmediate(r));
    pool.terminate();
    await pool.join();
    const e1 = await m1.get().catch((e: unknown) => e);
    const e2 = await m2.get().catch((e: unknown) => e);
    assert.ok(e1 instanceof WorkerDiedError || e1 instanceof CancelledError, String(e1));
    assert.ok(e2 instanceof WorkerDiedError || e2 instanceof CancelledError, String(e2));
  });
}
