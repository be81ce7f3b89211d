// The skein-worker command: --help, bad arguments, and the graceful stop on SIGTERM (a second
// signal stops at once).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkerDiedError } from 'skein';
import { RedisExecutor, remoteTasks } from 'skein/redis';
import { until } from '../helpers.ts';
import { REDIS_MISSING, type RedisServer, startRedis } from './redis-server.js';
import { CLI, startWorker, TASKS } from './workers.js';

const tasks = remoteTasks<typeof import('../fixtures/redis-tasks.mjs')>();

describe('skein-worker', { timeout: 1_200_000 }, () => {
  let server: RedisServer | undefined;
  let dir = '';
  before(async () => {
    server = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'skein-redis-cli-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--help prints the usage; bad arguments exit 1 with a message', { timeout: 540_000 }, () => {
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: skein-worker --tasks MODULE/);
    assert.match(help.stdout, /--pool KIND/);
    const noTasks = spawnSync(process.execPath, [CLI], { encoding: 'utf8' });
    assert.equal(noTasks.status, 1);
    assert.match(noTasks.stderr, /--tasks MODULE is required/);
    const badPool = spawnSync(process.execPath, [CLI, '--tasks', TASKS, '--pool', 'gpu'], {
      encoding: 'utf8',
    });
    assert.equal(badPool.status, 1);
    assert.match(badPool.stderr, /pool must be 'thread', 'process' or 'local'/);
    const badNumber = spawnSync(process.execPath, [CLI, '--tasks', TASKS, '--concurrency', 'many'], {
      encoding: 'utf8',
    });
    assert.equal(badNumber.status, 1);
    assert.match(badNumber.stderr, /--concurrency must be a positive integer/);
    const unknown = spawnSync(process.execPath, [CLI, '--tasks', TASKS, '--frobnicate'], {
      encoding: 'utf8',
    });
    assert.equal(unknown.status, 1);
  });

  test('SIGTERM lets the running job finish and reply, then exits 0', { timeout: 540_000 }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const w = await startWorker({ url: server.url, queue: 'sigterm', name: 'T' });
    await using ex = new RedisExecutor({ connection: server.url, queue: 'sigterm' });
    const f = ex.submit(tasks.hold, dir, 'graceful');
    await until(() => readdirSync(dir).some((n) => n.startsWith('graceful.started.')), {
      what: 'the job started',
    });
    w.child.kill('SIGTERM');
    await until(() => /SIGTERM, finishing 1 running job/.test(w.output()), {
      what: 'the worker says it is finishing',
    });
    writeFileSync(join(dir, 'graceful.release'), '');
    assert.equal(await f, w.pid);
    assert.deepEqual(await w.exited, { code: 0, signal: null });
  });

  test('a second signal stops the worker at once', { timeout: 540_000 }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const w = await startWorker({ url: server.url, queue: 'sigint', name: 'I' });
    await using ex = new RedisExecutor({ connection: server.url, queue: 'sigint', maxRetriesOnDeath: 0 });
    const f = ex.submit(tasks.hold, dir, 'impatient');
    await until(() => readdirSync(dir).some((n) => n.startsWith('impatient.started.')), {
      what: 'the job started',
    });
    w.child.kill('SIGINT');
    await until(() => /SIGINT, finishing/.test(w.output()), { what: 'the first signal was seen' });
    w.child.kill('SIGINT');
    assert.deepEqual(await w.exited, { code: 130, signal: null });
    // The job was abandoned mid-run: the next worker finds it stalled, and with
    // maxRetriesOnDeath 0 fails it instead of running it again.
    assert.equal(f.done(), false);
    const next = await startWorker({ url: server.url, queue: 'sigint', name: 'J' });
    try {
      const e = await f.exception();
      assert.ok(e instanceof WorkerDiedError, String(e));
      assert.match(e.message, /attempts: 1, maxRetriesOnDeath: 0/);
    } finally {
      await next.kill();
    }
  });
});
