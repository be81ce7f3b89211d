// Faults with real processes and a real server (issue 15 §4): a worker SIGKILLed mid-job, a job
// that keeps killing its workers, redis-server restarted under an executor and a worker.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkerDiedError } from 'skein';
import { JobLostError, RedisExecutor, remoteTasks } from 'skein/redis';
import { rng, SEED, until } from '../helpers.ts';
import { REDIS_MISSING, type RedisServer, startRedis } from './redis-server.js';
import { startWorker, type WorkerArgs, type WorkerProcess } from './workers.js';

const tasks = remoteTasks<typeof import('../fixtures/redis-tasks.mjs')>();

/** Keeps `count` workers alive: a worker that dies is replaced, until `stop()`. */
function fleet(count: number, args: Omit<WorkerArgs, 'name'>) {
  const live = new Set<WorkerProcess>();
  const all: WorkerProcess[] = [];
  let stopped = false;
  let n = 0;
  let failure: Error | undefined;
  // The spawns under way, each until its worker is in `all` — so stop() kills every worker it
  // waited for. (Waiting for startWorker's promise alone let stop() run between a worker's
  // start and its push into `all`: that worker lived on and kept the test process alive.)
  const spawning = new Set<Promise<void>>();
  const spawnOne = async (): Promise<void> => {
    if (stopped) return;
    const w = await startWorker({ ...args, name: `w${++n}` });
    all.push(w);
    live.add(w);
    void w.exited.then(() => {
      live.delete(w);
      if (!stopped) spawn().catch((e: Error) => (failure = e));
    });
  };
  const spawn = (): Promise<void> => {
    const p = spawnOne();
    spawning.add(p);
    const forget = () => spawning.delete(p);
    p.then(forget, forget);
    return p;
  };
  return {
    start: () => Promise.all(Array.from({ length: count }, spawn)),
    live,
    all,
    deaths: () => all.filter((w) => w.child.signalCode === 'SIGKILL').length,
    failure: () => failure,
    async stop() {
      stopped = true;
      // A replacement may be starting: wait for it, so that it is killed too.
      await Promise.allSettled([...spawning]);
      await Promise.all(all.map((w) => w.kill()));
    },
  };
}

describe('skein/redis faults', { timeout: 1_200_000 }, () => {
  let server: RedisServer | undefined;
  let dir = '';
  before(async () => {
    server = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'skein-redis-faults-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a worker SIGKILLed mid-job: the job runs again on another worker and its future settles once', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const [a, b] = await Promise.all([
      startWorker({ url: server.url, queue: 'kill', name: 'A' }),
      startWorker({ url: server.url, queue: 'kill', name: 'B' }),
    ]);
    try {
      await using ex = new RedisExecutor({ connection: server.url, queue: 'kill' });
      const f = ex.submit(tasks.holdFirstTime, dir, 'k1');
      let settled = 0;
      f.addDoneCallback(() => settled++);
      await until(() => readdirSync(dir).some((n) => n.startsWith('k1.started.')), {
        what: 'the job started',
      });
      const first = Number(
        readdirSync(dir)
          .find((n) => n.startsWith('k1.started.'))!
          .split('.')[2],
      );
      const victim = [a, b].find((w) => w.pid === first)!;
      assert.ok(victim, `the job ran in a worker (${first})`);
      await victim.kill();
      const pid = await f;
      assert.notEqual(pid, first, 'it ran again on the other worker');
      assert.equal(readdirSync(dir).filter((n) => n.startsWith('k1.started.')).length, 2);
      assert.equal(settled, 1);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
    }
  });

  test('a job that kills every worker taking it fails with WorkerDiedError after maxRetriesOnDeath deaths', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const workers = fleet(2, { url: server.url, queue: 'die' });
    await workers.start();
    try {
      await using ex = new RedisExecutor({ connection: server.url, queue: 'die', maxRetriesOnDeath: 1 });
      const f = ex.submit(tasks.die);
      const e = (await f.exception()) as WorkerDiedError & { jobId: string; attempts: number };
      assert.ok(e instanceof WorkerDiedError, String(e));
      assert.equal(e.code, 'ERR_SKEIN_WORKER_DIED');
      assert.equal(e.attempts, 2);
      assert.match(e.jobId, /^[0-9a-f]{16}\.\d+$/);
      assert.match(
        e.message,
        new RegExp(`task ${e.jobId.replace('.', '\\.')} \\('die'\\).*attempts: 2, maxRetriesOnDeath: 1`),
      );
      assert.equal(workers.deaths(), 2, 'it ran exactly 1 + maxRetriesOnDeath times');
      assert.equal(await ex.submit(tasks.tiny, 4), 8, 'the fleet goes on');
      assert.equal(workers.failure(), undefined);
    } finally {
      await workers.stop();
    }
  });

  test('redis-server restarted under an executor and a worker: both reconnect, nothing hangs', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const w = await startWorker({
      url: server.url,
      queue: 'restart',
      name: 'R',
      concurrency: 2,
      maxWorkers: 2,
    });
    try {
      await using ex = new RedisExecutor({ connection: server.url, queue: 'restart' });
      assert.equal(await ex.submit(tasks.tiny, 1), 2);
      // One job running on the worker, one waiting behind... a worker with two slots: fill both.
      const running = ex.submit(tasks.hold, dir, 'r1');
      const running2 = ex.submit(tasks.hold, dir, 'r2');
      const waiting = ex.submit(tasks.tiny, 3);
      await until(() => running.running() && running2.running(), { what: 'both jobs run' });
      // Without persistence a restart loses every job: they must fail clearly, not hang.
      await server.restart();
      for (const f of [running, running2, waiting]) {
        const e = await f.exception();
        assert.ok(e instanceof JobLostError, String(e));
        assert.match(e.message, /no longer in Redis/);
      }
      writeFileSync(join(dir, 'r1.release'), '');
      writeFileSync(join(dir, 'r2.release'), '');
      // The worker reconnected and takes new jobs (BullMQ #4585: a worker that silently stops).
      assert.equal(await ex.submit(tasks.tiny, 21), 42);
      // A job submitted while the server is down completes once it is back.
      await server.stop();
      const offline = ex.submit(tasks.tiny, 50);
      await server.start();
      assert.equal(await offline, 100);
      assert.equal(w.child.exitCode, null, 'the worker process survived');
    } finally {
      await w.kill();
    }
  });

  test('2 worker processes x many tiny tasks, 1% killing their worker: every future settles exactly once', {
    timeout: 540_000,
  }, async (t) => {
    if (!server) return t.skip(REDIS_MISSING);
    const count = Number(process.env.SKEIN_REDIS_STRESS_TASKS ?? 600);
    t.diagnostic(
      `seed ${SEED} (replay with SKEIN_SEED=${SEED}), ${count} tasks (SKEIN_REDIS_STRESS_TASKS=20000 for the full size)`,
    );
    const random = rng(SEED);
    const stressDir = mkdtempSync(join(dir, 'stress-'));
    const workers = fleet(2, {
      url: server.url,
      queue: 'stress',
      concurrency: 8,
      maxWorkers: 1,
      lockDuration: 1500,
    });
    await workers.start();
    try {
      await using ex = new RedisExecutor({ connection: server.url, queue: 'stress', maxRetriesOnDeath: 10 });
      const settled = new Array<number>(count).fill(0);
      const futures = Array.from({ length: count }, (_, i) => {
        const f = random() < 0.01 ? ex.submit(tasks.dieOnce, stressDir, i) : ex.submit(tasks.tiny, i);
        f.addDoneCallback(() => settled[i]!++);
        return f;
      });
      const results = await Promise.allSettled(futures);
      results.forEach((r, i) => {
        assert.equal(settled[i], 1, `seed ${SEED}: future ${i} settled ${settled[i]} times`);
        assert.deepEqual(r, { status: 'fulfilled', value: i * 2 }, `seed ${SEED}: task ${i}`);
      });
      const killers = readdirSync(stressDir).length;
      assert.equal(workers.deaths(), killers, `seed ${SEED}: each killer task killed one worker`);
      t.diagnostic(`${killers} workers killed`);
    } finally {
      await workers.stop();
    }
  });
});
