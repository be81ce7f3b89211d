// RedisExecutor + RedisWorker against a real, private redis-server: results, errors, map,
// cancellation, timeouts, bad input, shutdown. Worker deaths and Redis restarts: faults.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { CancelledError, RuntimeError, TimeoutError } from 'skein';
import { asCompleted, FIRST_COMPLETED, Future, task, wait } from 'skein/futures';
import { RedisExecutor, RedisWorker, remoteTasks } from 'skein/redis';
import { until } from '../helpers.ts';
import { REDIS_MISSING, type RedisServer, startRedis } from './redis-server.js';
import { TASKS } from './workers.js';

type Tasks = typeof import('../fixtures/redis-tasks.mjs');
const tasks = remoteTasks<Tasks>();

describe('RedisExecutor', { timeout: 1_200_000 }, () => {
  let server: RedisServer | undefined;
  let worker: RedisWorker | undefined;
  let dir = '';
  before(async () => {
    server = await startRedis();
    if (server === undefined) return;
    dir = mkdtempSync(join(tmpdir(), 'skein-redis-exec-'));
    worker = new RedisWorker({
      connection: server.url,
      queue: 'main',
      tasks: TASKS,
      maxWorkers: 2,
      concurrency: 4,
    });
    await worker.start();
  });
  after(async () => {
    await worker?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const executor = (queue = 'main') => new RedisExecutor({ connection: server!.url, queue });
  /** Jobs waiting in a queue (BullMQ's wait list), read with a client of the test's own. */
  const waiting = async (queue: string): Promise<number> => {
    const client = new Redis(server!.port, '127.0.0.1');
    try {
      return await client.llen(`skein:${queue}:wait`);
    } finally {
      client.disconnect();
    }
  };

  test('submit runs a named task on a worker; remoteTasks types it', { timeout: 540_000 }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const f = ex.submit(tasks.add, 2, 3);
    assert.ok(f instanceof Future);
    const n: number = await f;
    assert.equal(n, 5);
    assert.equal(await ex.submit('add', 40, 2), 42);
    assert.equal(await ex.submit(task(new URL('file:///elsewhere/tasks.js'), 'tiny'), 21), 42);
    assert.equal(f.done(), true);
    assert.equal(ex.pendingCount, 0);
  });

  test('structured-clone data survives the trip, whatever its keys', { timeout: 540_000 }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const value = {
      map: new Map<unknown, unknown>([
        ['a', 1n],
        [2, new Set([new Date(5)])],
      ]),
      bytes: new Uint8Array([1, 2, 3]),
      nothing: undefined,
      __proto__x: 1,
      constructor: 'not a function',
      module: 'file:///etc/passwd',
      nested: [[{ kind: 'module', exportName: 'die' }]],
    };
    assert.deepEqual(await ex.submit(tasks.echo, value), value);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    const back = (await ex.submit(tasks.echo, cyclic)) as { self: unknown };
    assert.equal(back.self, back);
  });

  test('a task error arrives as its class with message, code, cause, own properties and the worker stack', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const err = (await ex.submit(tasks.fail, 'boom').exception()) as RangeError & {
      code: string;
      detail: unknown;
    };
    assert.ok(err instanceof RangeError, String(err));
    assert.equal(err.message, 'boom');
    assert.equal(err.code, 'E_TASK_FAILED');
    assert.deepEqual(err.detail, { n: 1 });
    assert.ok(err.cause instanceof Error);
    assert.equal((err.cause as Error).message, 'the inner cause');
    assert.match(err.stack ?? '', /redis-tasks\.mjs/);
    assert.match(err.stack ?? '', /raised in Redis task [0-9a-f]{16}\.\d+ \('fail'\)/);
  });

  test('a name the worker lacks fails that job only, naming the task and the exports', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const bad = ex.submit('noSuchTask', 1);
    const good = ex.submit(tasks.tiny, 4);
    const proto = ex.submit('constructor');
    const e = await bad.exception();
    assert.ok(e instanceof RuntimeError, String(e));
    assert.match(e.message, /task 'noSuchTask' is not exported/);
    assert.match(e.message, /it exports: .*tiny/);
    assert.ok((await proto.exception()) instanceof RuntimeError);
    assert.equal(await good, 8);
  });

  test('bad input fails at submit with a TypeError naming the path; nothing is sent', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    assert.throws(() => ex.submit(tasks.echo, { handler: () => 1 } as never), /args\[0\]\.handler/);
    assert.throws(() => ex.submit(tasks.echo, new (class Point {})() as never), /args\[0\].*class Point/);
    assert.throws(() => ex.submit(tasks.echo, new SharedArrayBuffer(4) as never), TypeError);
    assert.throws(() => ex.submit(((x: number) => x) as never, 1), /no code travels/);
    assert.throws(() => ex.submit('' as never), TypeError);
    assert.throws(() => ex.submit(42 as never), TypeError);
    assert.throws(() => ex.submitWith({ timeout: -1 }, tasks.tiny, 1), RangeError);
    assert.throws(() => ex.submitWith({ signal: 'x' as never }, tasks.tiny, 1), TypeError);
    assert.equal(ex.pendingCount, 0);
    // map submits chunk by chunk (as Python does): the bad chunk throws, naming the item's index.
    assert.throws(() => ex.map(tasks.tiny, [1, 2, () => 3] as never, { chunksize: 2 }), /iterable\[2\]/);
  });

  test('bad options are refused at construction', { timeout: 540_000 }, () => {
    assert.throws(() => new RedisExecutor(undefined as never), TypeError);
    assert.throws(() => new RedisExecutor({ connection: 'http://x' }), /unsupported scheme/);
    assert.throws(() => new RedisExecutor({ connection: 'redis://h', queue: 'a:b' }), /without ':'/);
    assert.throws(() => new RedisExecutor({ connection: 'redis://h', maxRetriesOnDeath: -1 }), RangeError);
    assert.throws(
      () => new RedisWorker({ connection: 'redis://h', tasks: TASKS, pool: 'gpu' as never }),
      TypeError,
    );
    assert.throws(() => new RedisWorker({ connection: 'redis://h', tasks: '' }), TypeError);
  });

  test('a result that is not data fails the job with a TypeError naming it', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const e = await ex.submit(tasks.badResult).exception();
    assert.ok(e instanceof TypeError, String(e));
    assert.match(e.message, /result\.handler/);
  });

  test('map: chunks are jobs, results in input order, an item error is thrown at that item', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const out: number[] = [];
    for await (const v of ex.map(
      tasks.tiny,
      Array.from({ length: 1000 }, (_, i) => i),
      { chunksize: 64 },
    ))
      out.push(v);
    assert.deepEqual(
      out,
      Array.from({ length: 1000 }, (_, i) => i * 2),
    );
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const v of ex.map(tasks.square, [1, 2, 13, 4], { chunksize: 3 })) seen.push(v);
      })(),
      (e: unknown) => e instanceof RangeError && /unlucky/.test(e.message),
    );
    assert.deepEqual(seen, [1, 4]);
    async function* gen() {
      for (let i = 0; i < 10; i++) yield i;
    }
    const fromAsync: number[] = [];
    for await (const v of ex.map('tiny', gen(), { chunksize: 3, buffersize: 2 })) fromAsync.push(v as number);
    assert.deepEqual(fromAsync, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  test('wait and asCompleted work on its futures', { timeout: 540_000 }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const fs = [1, 2, 3].map((i) => ex.submit(tasks.tiny, i));
    const { done, notDone } = await wait(fs);
    assert.equal(done.size, 3);
    assert.equal(notDone.size, 0);
    const order: number[] = [];
    for await (const f of asCompleted([ex.submit(tasks.tiny, 5), ex.submit(tasks.tiny, 6)]))
      order.push(await f.result());
    assert.deepEqual(order.sort(), [10, 12]);
    const first = await wait([ex.submit(tasks.tiny, 7)], { returnWhen: FIRST_COMPLETED });
    assert.equal(first.done.size, 1);
    let calls = 0;
    const cb = ex.submit(tasks.tiny, 8);
    cb.addDoneCallback(() => calls++);
    await cb;
    assert.equal(calls, 1);
  });

  test('a timeout stops the running job on its worker (TimeoutError); the worker goes on', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const e = await ex.submitWith({ timeout: 300 }, tasks.spin, 600_000).exception();
    assert.ok(e instanceof TimeoutError, String(e));
    assert.equal(await ex.submit(tasks.tiny, 1), 2);
  });

  test('aborting a signal stops a running job and fails its future with the reason', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    await using ex = executor();
    const ac = new AbortController();
    const f = ex.submitWith({ signal: ac.signal }, tasks.hold, dir, 'abort-me');
    await until(() => readdirSync(dir).some((n) => n.startsWith('abort-me.started.')), {
      what: 'the job started',
    });
    await until(() => f.running(), { what: 'the executor heard the job started' });
    assert.equal(f.cancel(), false, 'a running job cannot be cancelled');
    ac.abort(new Error('stop it'));
    const e = await f.exception();
    assert.equal(e?.message, 'stop it');
    // The worker's pool stopped the task (its thread was replaced): the worker serves new jobs.
    assert.equal(await ex.submit(tasks.tiny, 3), 6);
    const pre = new AbortController();
    pre.abort(new Error('already'));
    assert.equal(
      (await ex.submitWith({ signal: pre.signal }, tasks.tiny, 1).exception())?.message,
      'already',
    );
  });

  test('cancel() removes a waiting job: it never runs', { timeout: 540_000 }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    // A worker of its own with one slot, kept busy so the next job waits in Redis.
    const solo = new RedisWorker({
      connection: server.url,
      queue: 'solo',
      tasks: TASKS,
      maxWorkers: 1,
      concurrency: 1,
    });
    await solo.start();
    try {
      await using ex = executor('solo');
      const blocker = ex.submit(tasks.hold, dir, 'blocker');
      await until(() => blocker.running(), { what: 'the blocker runs' });
      const victim = ex.submit(tasks.mark, dir, 'victim');
      const sameTurn = ex.submit(tasks.mark, dir, 'same-turn');
      assert.equal(sameTurn.cancel(), true, 'cancelled before it was even sent');
      await until(async () => (await waiting('solo')) === 1, { what: 'the victim waits in Redis' });
      assert.equal(victim.cancel(), true);
      assert.equal(victim.cancelled(), true);
      await assert.rejects(victim.result(), CancelledError);
      writeFileSync(join(dir, 'blocker.release'), '');
      await blocker;
      assert.equal(await ex.submit(tasks.mark, dir, 'after'), 'after');
      assert.equal(existsSync(join(dir, `victim.ran.${process.pid}`)), false);
      assert.deepEqual(
        readdirSync(dir).filter((n) => n.startsWith('victim.') || n.startsWith('same-turn.')),
        [],
      );
      assert.equal(await waiting('solo'), 0, 'the cancelled job was removed from the queue');
    } finally {
      await solo.close();
    }
  });

  test('tasks submitted together share jobs; cancelling some of a waiting batch skips just those', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const solo = new RedisWorker({
      connection: server.url,
      queue: 'batch',
      tasks: TASKS,
      maxWorkers: 2,
      concurrency: 1,
    });
    await solo.start();
    try {
      // minJobs 1: everything submitted in one stretch travels in as few jobs as possible.
      await using ex = new RedisExecutor({ connection: server.url, queue: 'batch', minJobs: 1 });
      const blocker = ex.submit(tasks.hold, dir, 'batch-blocker');
      await until(() => blocker.running(), { what: 'the blocker runs' });
      const fs = Array.from({ length: 10 }, (_, i) => ex.submit(tasks.mark, dir, `b${i}`));
      const mixed = [
        ex.submit(tasks.tiny, 5),
        ex.submit('noSuchTask'),
        ex.submit(tasks.fail, 'in a batch'),
        ex.submitWith({ timeout: 200 }, tasks.spin, 600_000),
        ex.submit(tasks.add, 1, 2),
      ];
      await until(async () => (await waiting('batch')) === 1, {
        what: 'the batch waits in Redis as one job',
      });
      for (const i of [2, 5, 7]) assert.equal(fs[i]!.cancel(), true);
      writeFileSync(join(dir, 'batch-blocker.release'), '');
      await blocker;
      for (const [i, f] of fs.entries()) {
        if (i === 2 || i === 5 || i === 7) assert.equal(f.cancelled(), true);
        else assert.equal(await f, `b${i}`);
      }
      const ran = readdirSync(dir)
        .filter((n) => /^b\d\.ran\./.test(n))
        .map((n) => n.split('.')[0])
        .sort();
      assert.deepEqual(ran, ['b0', 'b1', 'b3', 'b4', 'b6', 'b8', 'b9']);
      assert.equal(await mixed[0], 10);
      assert.ok((await mixed[1]!.exception()) instanceof RuntimeError);
      assert.ok((await mixed[2]!.exception()) instanceof RangeError);
      assert.ok((await mixed[3]!.exception()) instanceof TimeoutError);
      assert.equal(await mixed[4], 3);
    } finally {
      await solo.close();
    }
  });

  test('shutdown: waits for pending futures, then refuses new ones; cancelFutures cancels waiting jobs', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const ex = executor();
    const fs = [1, 2, 3].map((i) => ex.submit(tasks.tiny, i));
    await ex.shutdown();
    assert.deepEqual(
      fs.map((f) => f.done()),
      [true, true, true],
    );
    assert.throws(() => ex.submit(tasks.tiny, 1), RuntimeError);
    assert.throws(() => ex.map(tasks.tiny, [1]), RuntimeError);
    await ex.shutdown(); // harmless twice

    const solo = new RedisWorker({
      connection: server.url,
      queue: 'solo2',
      tasks: TASKS,
      maxWorkers: 1,
      concurrency: 1,
    });
    await solo.start();
    try {
      const ex2 = executor('solo2');
      const running = ex2.submit(tasks.hold, dir, 'shutdown-blocker');
      await until(() => running.running(), { what: 'the blocker runs' });
      const waiting = [ex2.submit(tasks.mark, dir, 'never-1'), ex2.submit(tasks.mark, dir, 'never-2')];
      await until(() => ex2.pendingCount === 3, { what: 'all three are pending' });
      const closed = ex2.shutdown({ wait: true, cancelFutures: true });
      assert.deepEqual(
        waiting.map((f) => f.cancelled()),
        [true, true],
      );
      assert.equal(running.cancelled(), false, 'a running job is not cancelled');
      writeFileSync(join(dir, 'shutdown-blocker.release'), '');
      await closed;
      assert.equal(typeof (await running), 'number');
      assert.deepEqual(
        readdirSync(dir).filter((n) => n.startsWith('never-')),
        [],
      );
    } finally {
      await solo.close();
    }
  });
});
