/**
 * `npm run bench -- redis`: skein's RedisExecutor beside raw BullMQ, Celery, RQ and Dask, on one
 * private redis-server on loopback, two worker processes for every system (issue 15 §5).
 *
 * Measured: throughput of 10,000 tiny tasks submitted together; sequential submit→result
 * latency (200 round trips, p50/p99); `map` of 100,000 tiny items in chunks of 1,000 (each
 * system's best batching); RedisLock acquire+release (when RedisManager is present); and the
 * Redis floor, a sequential PING from ioredis. The Python systems run from Debian's packages for
 * `/usr/bin/python3`; the bench installs nothing and says what is missing.
 * `SKEIN_BENCH_PYTHON=0` skips them (they take minutes on a loaded machine).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import * as skeinRedis from 'skein/redis';
import { startRedis } from '../test/redis/redis-server.ts';
import { type Row, table } from './util.ts';

const N = 10_000;
const ROUND_TRIPS = 200;
const MAP_ITEMS = 100_000;
const CHUNK = 1_000;
const RUNS = 3;
const PY = '/usr/bin/python3';
const fx = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));

const server = await startRedis();
if (server === undefined) {
  console.log('redis-server is not installed: `apt-get install -y redis-server` to run this benchmark');
  process.exit(0);
}
const { port, url } = server;
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };

interface Figures {
  throughput?: number | undefined;
  p50?: number | undefined;
  p99?: number | undefined;
  map?: number | undefined;
  perItemMap?: number | undefined;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function bestOf(runs: number, fn: () => Promise<number>): Promise<number> {
  await fn(); // warm-up
  let b = 0;
  for (let i = 0; i < runs; i++) b = Math.max(b, await fn());
  return b;
}

async function latency(fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await fn(i);
  const t: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await fn(i);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 0.5), p99: percentile(t, 0.99) };
}

async function spawnReady(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/ready/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${out}`)));
  });
  return child;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGTERM');
      await exited;
    }),
  );
}

// ── skein RedisExecutor ─────────────────────────────────────────────────────────────────
async function benchSkein(): Promise<Figures> {
  const cli = fileURLToPath(new URL('./worker/cli.js', import.meta.resolve('skein/redis')));
  const workers = await Promise.all(
    [1, 2].map((i) =>
      spawnReady(process.execPath, [
        cli,
        '--tasks',
        fx('redis-tasks.mjs'),
        '--redis',
        url,
        '--queue',
        'skein-bench',
        '--pool',
        'thread',
        '--max-workers',
        '1',
        '--name',
        `bench-${i}`,
      ]),
    ),
  );
  const ex = new skeinRedis.RedisExecutor({ connection: url, queue: 'skein-bench' });
  const tasks = skeinRedis.remoteTasks<typeof import('./fixtures/redis-tasks.mjs')>();
  try {
    const throughput = await bestOf(RUNS, async () => {
      const t0 = performance.now();
      const fs = [];
      for (let i = 0; i < N; i++) fs.push(ex.submit(tasks.inc, i));
      for (const f of fs) await f;
      return N / ((performance.now() - t0) / 1000);
    });
    const { p50, p99 } = await latency((i) => ex.submit(tasks.inc, i).result());
    const items = Array.from({ length: MAP_ITEMS }, (_, i) => i);
    const map = await bestOf(RUNS, async () => {
      const t0 = performance.now();
      let n = 0;
      for await (const _ of ex.map(tasks.inc, items, { chunksize: CHUNK })) n++;
      if (n !== MAP_ITEMS) throw new Error(`map returned ${n} items`);
      return MAP_ITEMS / ((performance.now() - t0) / 1000);
    });
    return { throughput, p50, p99, map };
  } finally {
    await ex.shutdown();
    await stopAll(workers);
  }
}

// ── raw BullMQ ──────────────────────────────────────────────────────────────────────────
async function benchBullMQ(): Promise<Figures> {
  const workers = await Promise.all(
    [1, 2].map(() => spawnReady(process.execPath, [fx('bullmq-worker.mjs'), String(port), '16'])),
  );
  const queue = new Queue('raw', { connection });
  const events = new QueueEvents('raw', { connection });
  await events.waitUntilReady();
  // Completion is counted from BullMQ's own event stream, as a BullMQ user would.
  let waiting = 0;
  let wake: (() => void) | undefined;
  events.on('completed', () => {
    if (--waiting === 0) wake?.();
  });
  const runAll = async (jobs: { name: string; data: object }[]) => {
    const done = new Promise<void>((r) => (wake = r));
    waiting = jobs.length;
    for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
    await done;
  };
  try {
    const throughput = await bestOf(RUNS, async () => {
      const jobs = Array.from({ length: N }, (_, i) => ({ name: 'inc', data: { x: i } }));
      const t0 = performance.now();
      await runAll(jobs);
      return N / ((performance.now() - t0) / 1000);
    });
    const { p50, p99 } = await latency(async (i) => {
      waiting = Number.POSITIVE_INFINITY; // the counter is not used here
      const job = await queue.add('inc', { x: i });
      return job.waitUntilFinished(events);
    });
    const map = await bestOf(RUNS, async () => {
      const jobs = [];
      for (let i = 0; i < MAP_ITEMS; i += CHUNK)
        jobs.push({ name: 'chunk', data: { items: Array.from({ length: CHUNK }, (_, k) => i + k) } });
      const t0 = performance.now();
      await runAll(jobs);
      return MAP_ITEMS / ((performance.now() - t0) / 1000);
    });
    const perItem = 20_000;
    const perItemMap = await bestOf(1, async () => {
      const jobs = Array.from({ length: perItem }, (_, i) => ({ name: 'inc', data: { x: i } }));
      const t0 = performance.now();
      await runAll(jobs);
      return perItem / ((performance.now() - t0) / 1000);
    });
    return { throughput, p50, p99, map, perItemMap };
  } finally {
    await events.close();
    await queue.close();
    await stopAll(workers);
  }
}

// ── Python systems ──────────────────────────────────────────────────────────────────────
const pythonSystems = [
  { name: 'Celery (redis broker+backend)', module: 'celery', script: 'py_celery.py' },
  { name: 'RQ (SimpleWorker)', module: 'rq', script: 'py_rq.py' },
  { name: 'Dask distributed (LocalCluster 2 procs)', module: 'distributed', script: 'py_dask.py' },
];

function benchPython(module: string, script: string): Figures | string {
  const probe = spawnSync(PY, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'missing';
  const r = spawnSync(
    PY,
    [fx(script), String(port), String(N), String(ROUND_TRIPS), String(MAP_ITEMS), String(CHUNK)],
    {
      encoding: 'utf8',
      timeout: 900_000,
      cwd: fileURLToPath(new URL('./fixtures/', import.meta.url)),
    },
  );
  const line = r.stdout?.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Figures;
  } catch {
    console.error(`${script} failed (exit ${r.status ?? r.signal}):\n${r.stderr?.slice(-2000)}`);
    return 'failed';
  }
}

// ── Redis floor and the lock ───────────────────────────────────────────────────────────
async function benchPing(): Promise<number> {
  const client = new Redis(port, '127.0.0.1');
  try {
    return (await latency(() => client.ping())).p50;
  } finally {
    client.disconnect();
  }
}

interface LockLike {
  acquire(): Promise<boolean>;
  release(): Promise<void> | void;
}
interface ManagerLike {
  Lock(name: string): LockLike;
  shutdown?(): Promise<void>;
  close?(): Promise<void>;
}

async function benchLock(): Promise<number | undefined> {
  const M = (skeinRedis as unknown as Record<string, unknown>).RedisManager as
    | { connect(o: { connection: string; namespace: string }): Promise<ManagerLike> }
    | undefined;
  if (M === undefined) return undefined;
  const mgr = await M.connect({ connection: url, namespace: 'bench' });
  try {
    const lock = mgr.Lock('bench-lock');
    return (
      await latency(async () => {
        await lock.acquire();
        await lock.release();
      })
    ).p50;
  } finally {
    await (mgr.shutdown?.() ?? mgr.close?.());
  }
}

// ── run ───────────────────────────────────────────────────────────────────────────────
const figures = new Map<string, Figures | string>();
figures.set('skein RedisExecutor', await benchSkein());
figures.set('raw BullMQ', await benchBullMQ());
const missing: string[] = [];
for (const s of pythonSystems) {
  if (process.env.SKEIN_BENCH_PYTHON === '0') {
    figures.set(s.name, 'skipped');
    continue;
  }
  const f = benchPython(s.module, s.script);
  if (f === 'missing') missing.push(`python3-${s.module}`);
  figures.set(s.name, f);
}
const ping = await benchPing();
const lock = await benchLock();
await server.stop();

const rows = (key: keyof Figures, scale = 1): Row[] =>
  [...figures].map(([name, f]) => ({
    name,
    value: typeof f === 'string' || f[key] === undefined ? undefined : f[key]! * scale,
    unit: '',
  }));
const withUnit = (r: Row[], unit: string) => r.map((x) => ({ ...x, unit }));
table(
  `throughput, ${N} tiny tasks submitted together (2 workers)`,
  withUnit(rows('throughput'), 'tasks/s'),
  true,
);
table(`sequential submit→result p50 (${ROUND_TRIPS} round trips)`, withUnit(rows('p50'), 'ms'), false);
table(`sequential submit→result p99 (${ROUND_TRIPS} round trips)`, withUnit(rows('p99'), 'ms'), false);
table(`map of ${MAP_ITEMS} tiny items, chunks of ${CHUNK}`, withUnit(rows('map'), 'items/s'), true);
const raw = figures.get('raw BullMQ') as Figures;
console.log(`\nraw BullMQ one job per item (20,000 items, addBulk): ${raw.perItemMap?.toFixed(0)} items/s`);
console.log(`Redis floor: PING p50 ${ping.toFixed(3)} ms (ioredis, sequential)`);
console.log(
  lock === undefined
    ? 'RedisLock acquire+release: n/a (RedisManager is not in this build)'
    : `RedisLock acquire+release p50 ${lock.toFixed(3)} ms = ${(lock / ping).toFixed(2)}x PING (target <= 2.5x)`,
);
const skein = figures.get('skein RedisExecutor') as Figures;
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? (a / b).toFixed(2) : 'n/a');
console.log('\ntargets (ratios in this run):');
console.log(
  `  throughput vs raw BullMQ one-job-per-task: ${ratio(skein.throughput, raw.throughput)}x (target >= 1)`,
);
for (const s of pythonSystems) {
  const f = figures.get(s.name);
  if (f !== undefined && typeof f !== 'string')
    console.log(`  throughput vs ${s.name}: ${ratio(skein.throughput, f.throughput)}x (target >= 10)`);
}
console.log(
  `  p50 ${skein.p50?.toFixed(3)} ms (target <= 1.0), p99 ${skein.p99?.toFixed(3)} ms (target <= 5)`,
);
console.log(
  `  chunked map ${(skein.map ?? 0).toFixed(0)} items/s (target >= 1M), ${ratio(skein.map, raw.map)}x raw BullMQ (target >= 0.5)`,
);
if (missing.length > 0)
  console.log(
    `\nnot measured: ${missing.join(', ')} — install with: apt-get install -y ${missing.join(' ')}`,
  );
process.exit(0);
