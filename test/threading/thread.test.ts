import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  activeCount,
  currentThread,
  type ExceptHookArgs,
  excepthook,
  getIdent,
  mainThread,
  RuntimeError,
  releaseIdleThreads,
  setExcepthook,
  Thread,
  task,
  enumerate as threads,
} from 'skein';
import { assertNoNewResources, capturingStderr, rejectsWith, resources } from '../helpers.ts';

const tasks = new URL('../fixtures/tasks.js', import.meta.url);
const tsTasks = new URL('../fixtures/tasks-ts.ts', import.meta.url);

/** Collects excepthook calls during `fn`, silencing the default printout. */
async function capturingHook<T>(fn: (calls: ExceptHookArgs[]) => Promise<T>): Promise<T> {
  const saved = excepthook;
  const calls: ExceptHookArgs[] = [];
  setExcepthook((args) => calls.push(args));
  try {
    return await fn(calls);
  } finally {
    setExcepthook(saved);
  }
}

after(() => releaseIdleThreads());

describe('Thread runs code in another thread', { timeout: 1_800_000 }, () => {
  test('an inline sync target, its return value through result()', async () => {
    const t = new Thread({ target: (a: number, b: number) => a * b, args: [6, 7] });
    t.start();
    await t.join();
    const r: number = await t.result();
    assert.equal(r, 42);
    assert.equal(t.isAlive(), false);
  });

  test('an inline async target that imports skein inside the thread', async () => {
    const t = new Thread({
      target: async function probe() {
        const { currentThread, getIdent } = await import('skein/threading');
        return { name: currentThread().name, ident: currentThread().ident, getIdent: getIdent() };
      },
      name: 'prober',
    });
    t.start();
    const r = await t.result();
    assert.deepEqual(r, { name: 'prober', ident: t.ident, getIdent: t.ident });
    assert.notEqual(t.ident, getIdent());
  });

  test('module tasks: named, default, and TypeScript under tsx', async () => {
    const add = new Thread({ target: task<(a: number, b: number) => number>(tasks, 'add'), args: [2, 3] });
    const def = new Thread({ target: task<(x: string) => string>(tasks), args: ['x'] });
    const ts = new Thread({
      target: task<(p: { x: number; y: number }) => number>(tsTasks, 'norm'),
      args: [{ x: 3, y: 4 }],
    });
    const tsAsync = new Thread({
      target: task<(v: string) => Promise<string>>(tsTasks, 'later'),
      args: ['v'],
    });
    for (const t of [add, def, ts, tsAsync]) t.start();
    assert.equal(await add.result(), 5);
    assert.equal(await def.result(), 'default:x');
    assert.equal(await ts.result(), 5);
    assert.equal(await tsAsync.result(), 'ts:v');
    assert.equal(def.name.replace(/\d+/, 'N'), 'Thread-N (default)');
  });

  test('every structured-clone type crosses both ways', async () => {
    const value = {
      n: 1.5,
      big: 2n ** 70n,
      s: 'ü',
      d: new Date(1234),
      re: /x/gi,
      m: new Map<unknown, unknown>([[1, 'one']]),
      set: new Set([1, 2]),
      bytes: new Uint8Array([1, 2, 3]),
      f64: new Float64Array([0.5]),
      nested: [{ a: null, b: undefined }],
      err: new RangeError('inside'),
    };
    const t = new Thread({ target: (v: typeof value) => v, args: [value] });
    t.start();
    const back = await t.result();
    assert.deepEqual({ ...back, err: undefined }, { ...value, err: undefined });
    assert.ok(back.err instanceof RangeError);
  });

  test('threads run in parallel: two threads handshake through shared memory', async () => {
    const sab = new SharedArrayBuffer(8);
    // Each thread signals its own word and blocks until the other's is set: only possible
    // when both run at the same time.
    const side = (cells: SharedArrayBuffer, me: number, other: number) => {
      const a = new Int32Array(cells);
      Atomics.store(a, me, 1);
      Atomics.notify(a, me);
      return Atomics.wait(a, other, 0, 10_000) !== 'timed-out';
    };
    const t1 = new Thread({ target: side, args: [sab, 0, 1] });
    const t2 = new Thread({ target: side, args: [sab, 1, 0] });
    t1.start();
    t2.start();
    assert.equal(await t1.result(), true);
    assert.equal(await t2.result(), true);
  });

  test('names, idents, daemon defaults and printing', () => {
    const t = new Thread({ target: function work() {} });
    assert.match(t.name, /^Thread-\d+ \(work\)$/);
    assert.equal(t.daemon, false);
    assert.equal(t.ident, undefined);
    assert.equal(String(t), `<Thread(${t.name}, initial)>`);
    const u = new Thread();
    assert.match(u.name, /^Thread-\d+$/);
    assert.ok(Number(u.name.slice(7)) > Number(t.name.slice(7, t.name.indexOf(' '))));
    assert.equal(new Thread({ daemon: true }).daemon, true);
    assert.equal(String(currentThread()), '<_MainThread(MainThread, started 1)>');
    assert.equal(mainThread(), currentThread());
    assert.equal(getIdent(), 1);
  });

  test('enumerate/activeCount list the main thread and live threads', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({ target: (g: Int32Array) => Atomics.wait(g, 0, 0, 10_000), args: [gate] });
    const before = activeCount();
    t.start();
    assert.ok(threads().includes(t));
    assert.equal(activeCount(), before + 1);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await t.join();
    assert.ok(!threads().includes(t));
    assert.equal(threads()[0], currentThread());
  });

  test('a thread with no target ends at once', async () => {
    const t = new Thread();
    t.start();
    await t.join();
    assert.equal(t.isAlive(), false);
    assert.equal(await t.result(), undefined);
  });
});

describe('join', { timeout: 1_800_000 }, () => {
  test('join(timeout) returns after the timeout with the thread still alive', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({ target: (g: Int32Array) => Atomics.wait(g, 0, 0, 20_000), args: [gate] });
    t.start();
    await t.join(20);
    assert.equal(t.isAlive(), true);
    await t.join({ timeout: 0 });
    assert.equal(t.isAlive(), true);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await t.join();
    assert.equal(t.isAlive(), false);
    assert.equal(await t.result(), 'ok');
  });

  test('join with an aborted signal rejects with its reason', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({ target: (g: Int32Array) => Atomics.wait(g, 0, 0, 20_000), args: [gate] });
    t.start();
    const ac = new AbortController();
    const joining = t.join({ signal: ac.signal });
    ac.abort(new Error('stop waiting'));
    await assert.rejects(joining, /stop waiting/);
    await assert.rejects(t.join({ signal: AbortSignal.abort(new Error('already')) }), /already/);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await t.join();
  });
});

describe('misuse gets Python-style errors', { timeout: 1_800_000 }, () => {
  test('start twice', async () => {
    const t = new Thread({ target: () => 1 });
    t.start();
    assert.throws(
      () => t.start(),
      (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME',
    );
    await t.join();
  });

  test('join or result before start', async () => {
    const t = new Thread({ target: () => 1 });
    await rejectsWith(t.join(), RuntimeError, /before it is started/);
    await rejectsWith(t.result(), RuntimeError, /before it is started/);
  });

  test('join the current thread, here and inside a thread', async () => {
    await rejectsWith(currentThread().join(), RuntimeError, /cannot join current thread/);
    const t = new Thread({
      target: async () => {
        const { currentThread } = await import('skein/threading');
        try {
          await currentThread().join();
          return 'joined?!';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      },
    });
    t.start();
    assert.equal(await t.result(), 'RuntimeError: cannot join current thread');
  });

  test('bad target, args, name, daemon, timeouts', async () => {
    assert.throws(() => new Thread({ target: 42 as never }), TypeError);
    assert.throws(() => new Thread({ target: () => 1, args: 'no' as never }), /args must be an array/);
    assert.throws(() => new Thread({ name: 5 as never }), /name must be a string/);
    assert.throws(() => new Thread({ daemon: 'yes' as never }), /daemon must be a boolean/);
    const t = new Thread({ target: () => 1 });
    t.start();
    await rejectsWith(t.join(-1), RangeError as never, /non-negative/);
    await rejectsWith(t.join(Number.NaN), RangeError as never);
    await rejectsWith(t.join('1' as never), TypeError as never);
    assert.throws(() => {
      t.daemon = true;
    }, RuntimeError);
    await t.join();
  });

  test('a non-cloneable argument fails at start, naming its path; nothing starts', () => {
    const t = new Thread({ target: (o: unknown) => o, args: [{ cb: () => 1 }] });
    assert.throws(() => t.start(), { name: 'TypeError', message: /^args\[0\]\.cb cannot be sent/ });
    assert.equal(t.isAlive(), false);
    assert.equal(t.ident, undefined);
  });
});

describe('errors in the target', { timeout: 1_800_000 }, () => {
  test('go to excepthook and to result(), with class, code, cause and remote stack', async () => {
    await capturingHook(async (calls) => {
      const t = new Thread({ target: task(tasks, 'failWithCause'), name: 'failing' });
      t.start();
      await t.join();
      assert.equal(calls.length, 1);
      const { excValue, excTraceback, thread } = calls[0]!;
      assert.equal(thread, t);
      const err = excValue as Error & { code: string; detail: unknown };
      assert.equal(err.name, 'CustomError');
      assert.equal(err.code, 'E_CUSTOM');
      assert.deepEqual(err.detail, { answer: 42 });
      assert.ok(err.cause instanceof RangeError);
      assert.match(excTraceback ?? '', /at failWithCause .*fixtures\/tasks\.js/);
      assert.match(excTraceback ?? '', /raised in thread "failing", received here/);
      await assert.rejects(t.result(), (e) => e === err);
    });
  });

  test('the default excepthook prints "Exception in thread NAME:" to stderr', async () => {
    const written = await capturingStderr(async () => {
      const t = new Thread({
        target: () => {
          throw new Error('kaboom');
        },
        name: 'loud',
      });
      t.start();
      await t.join();
    });
    assert.match(written, /^Exception in thread loud:\nError: kaboom\n/);
  });

  test('a ReferenceError gets a hint that captured variables do not travel', async () => {
    const captured = 5;
    await capturingHook(async () => {
      const t = new Thread({ target: () => captured * 2 });
      t.start();
      await assert.rejects(t.result(), (e: Error) => {
        assert.ok(e instanceof ReferenceError);
        assert.match(e.message, /captured is not defined .*capture from the enclosing scope do not travel/);
        return true;
      });
    });
  });

  test('a missing module or export is a clear error naming both', async () => {
    await capturingHook(async () => {
      const missing = new Thread({ target: task(new URL('./nope.js', tasks), 'x') });
      const noExport = new Thread({ target: task(tasks, 'nothere') });
      const notFn = new Thread({ target: task(tasks, 'notAFunction') });
      for (const t of [missing, noExport, notFn]) t.start();
      await assert.rejects(missing.result(), /module task's module not found: .*nope\.js \(export 'x'\)/);
      await assert.rejects(
        noExport.result(),
        /tasks\.js has no export 'nothere' \(its function exports: .*add/,
      );
      await assert.rejects(notFn.result(), /export 'notAFunction' .* is not a function \(it is number\)/);
    });
  });

  test('process.exit inside a thread ends only that thread: quietly with 0, as an error otherwise', async () => {
    await capturingHook(async (calls) => {
      const quiet = new Thread({ target: () => process.exit(0) });
      const loud = new Thread({ target: () => process.exit(4) });
      quiet.start();
      loud.start();
      await quiet.join();
      await loud.join();
      assert.equal(await quiet.result(), undefined);
      await assert.rejects(loud.result(), { name: 'WorkerDiedError', message: /exited with code 4/ });
      assert.equal(calls.length, 1);
    });
  });
});

describe('isolate reuse', { timeout: 1_800_000 }, () => {
  test('an isolate is reused only when the previous thread left nothing running', async () => {
    await releaseIdleThreads();
    const clean = new Thread({ target: () => 1 });
    clean.start();
    await clean.join();
    const next = new Thread({ target: () => 2 });
    next.start();
    await next.join();
    assert.equal(next.nativeId, clean.nativeId, 'a clean isolate is reused');

    const messy = new Thread({
      target: () => {
        setInterval(() => {}, 1000);
      },
    });
    messy.start();
    await messy.join();
    const after = new Thread({ target: () => 3 });
    after.start();
    await after.join();
    assert.notEqual(after.nativeId, messy.nativeId, 'an isolate with a live timer is not reused');
  });
});

describe('leaves nothing behind', { timeout: 1_800_000 }, () => {
  test('after threads are joined and idle isolates released, no handle remains', async () => {
    await releaseIdleThreads();
    const before = resources();
    const ts = Array.from({ length: 8 }, (_, i) => new Thread({ target: (n: number) => n, args: [i] }));
    for (const t of ts) t.start();
    for (const t of ts) await t.join();
    await releaseIdleThreads();
    assertNoNewResources(before);
  });

  test('idle isolates kept for reuse do not keep the program alive', async () => {
    const t = new Thread({ target: () => 1 });
    t.start();
    await t.join();
    // The isolate is parked for reuse, but unreferenced: no new referenced handle.
    const active = process.getActiveResourcesInfo();
    assert.ok(!active.includes('Worker'), `active: ${active.join(', ')}`);
  });
});

describe('types', () => {
  test('arguments and results are typed from the target', async () => {
    // @ts-expect-error the target takes a number
    const bad = new Thread({ target: (n: number) => n * 2, args: ['x'] });
    assert.equal(bad.isAlive(), false); // never started
    const t = new Thread({ target: (n: number) => `${n}`, args: [4] });
    t.start();
    const s: string = await t.result();
    assert.equal(s, '4');
  });
});
