/**
 * `npm run bench -- futures`: skein's pool executors beside piscina, tinypool, workerpool,
 * poolifier and python3's concurrent.futures / multiprocessing, in one run, with ratios.
 * Every pool has 2 workers, started and warmed up before timing.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { FixedThreadPool } from 'poolifier';
import { ProcessPoolExecutor, ThreadPoolExecutor, task } from 'skein/futures';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import { best, python, type Row, table } from './util.ts';

const W = 2;
const fx = (f: string) => new URL(`./fixtures/${f}`, import.meta.url);
const tasksUrl = fx('bench-tasks.mjs');
const fibTask = task<(n: number) => number>(tasksUrl, 'fib');
const sizeTask = task<(b: Uint8Array) => number>(tasksUrl, 'size');
const inc = (x: number) => x + 1;

interface Peer {
  name: string;
  run(name: 'inc' | 'fib' | 'size', arg: unknown): Promise<unknown>;
  close(): Promise<unknown>;
}

function peers(): Peer[] {
  const piscina = new Piscina({ filename: fx('piscina-worker.mjs').href, minThreads: W, maxThreads: W });
  const tinypool = new Tinypool({ filename: fx('piscina-worker.mjs').href, minThreads: W, maxThreads: W });
  const wp = workerpool.pool(fileURLToPath(fx('workerpool-worker.cjs')), {
    minWorkers: W,
    maxWorkers: W,
    workerType: 'thread',
  });
  const poolifier = new FixedThreadPool(W, fileURLToPath(fx('poolifier-worker.mjs')));
  return [
    { name: 'piscina', run: (n, a) => piscina.run(a, { name: n }), close: () => piscina.destroy() },
    { name: 'tinypool', run: (n, a) => tinypool.run(a, { name: n }), close: () => tinypool.destroy() },
    {
      name: 'workerpool',
      run: (n, a) => wp.exec(n, [a]) as Promise<unknown>,
      close: async () => {
        await wp.terminate();
      },
    },
    { name: 'poolifier', run: (n, a) => poolifier.execute(a, n), close: () => poolifier.destroy() },
  ];
}

async function throughput(n: number, submit: (i: number) => PromiseLike<unknown>): Promise<number> {
  const ms = await best(async () => {
    const ps: PromiseLike<unknown>[] = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = submit(i);
    await Promise.all(ps);
  }, 3);
  return (n / ms) * 1000;
}

async function latencyP50(n: number, once: () => PromiseLike<unknown>): Promise<number> {
  for (let i = 0; i < 500; i++) await once();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]! * 1000;
}

const pyThreads = `
import time
from concurrent.futures import ThreadPoolExecutor
def f(x): return x + 1
with ThreadPoolExecutor(${W}) as ex:
    [x.result() for x in [ex.submit(f, i) for i in range(2000)]]
    t = time.perf_counter(); fs = [ex.submit(f, i) for i in range(100000)]; [x.result() for x in fs]
    print(100000 / (time.perf_counter() - t))
`;
const pyMap = `
import time
from multiprocessing import Pool
def f(x): return x + 1
if __name__ == '__main__':
    with Pool(${W}) as p:
        p.map(f, range(1000))
        t = time.perf_counter(); p.map(f, range(100000)); print(100000 / (time.perf_counter() - t))
`;
const pyProcesses = `
import time
from concurrent.futures import ProcessPoolExecutor
def f(x): return x + 1
if __name__ == '__main__':
    with ProcessPoolExecutor(${W}) as ex:
        [x.result() for x in [ex.submit(f, i) for i in range(1000)]]
        t = time.perf_counter(); fs = [ex.submit(f, i) for i in range(20000)]; [x.result() for x in fs]
        print(20000 / (time.perf_counter() - t))
`;

const pool = new ThreadPoolExecutor({ maxWorkers: W, prestart: true });
await pool.submit(inc, 1);
await Promise.all([1, 2, 3, 4].map((x) => pool.submit(inc, x)));
const ps = peers();
for (const p of ps) await Promise.all([1, 2, 3, 4].map((x) => p.run('inc', x)));
const goals: string[] = [];
const goal = (text: string, ok: boolean) => goals.push(`${ok ? 'MET    ' : 'NOT MET'} ${text}`);

// 1. 100k tiny tasks.
{
  const rows: Row[] = [
    {
      name: 'skein ThreadPoolExecutor',
      value: await throughput(100_000, (i) => pool.submit(inc, i)),
      unit: 'tasks/s',
    },
  ];
  for (const p of ps)
    rows.push({ name: p.name, value: await throughput(100_000, (i) => p.run('inc', i)), unit: 'tasks/s' });
  const py = python(pyThreads);
  rows.push({ name: 'python ThreadPoolExecutor', value: py ? Number(py) : undefined, unit: 'tasks/s' });
  table('100k tiny tasks x => x + 1, submit all then await all (2 workers)', rows, true);
  const bestPeer = Math.max(...rows.slice(1, 1 + ps.length).map((r) => r.value ?? 0));
  goal(
    `100k tiny: ${rows[0]!.value!.toFixed(0)}/s ≥ 150k/s and ≥ 2× best peer (${bestPeer.toFixed(0)}/s)`,
    rows[0]!.value! >= 150_000 && rows[0]!.value! >= 2 * bestPeer,
  );
}

// 2. Sequential latency.
{
  const rows: Row[] = [
    {
      name: 'skein ThreadPoolExecutor',
      value: await latencyP50(5000, () => pool.submit(inc, 1)),
      unit: 'µs p50',
    },
  ];
  for (const p of ps)
    rows.push({ name: p.name, value: await latencyP50(5000, () => p.run('inc', 1)), unit: 'µs p50' });
  table('sequential submit → await latency', rows, false);
  const piscina = rows.find((r) => r.name === 'piscina')!.value!;
  goal(
    `latency p50 ${rows[0]!.value!.toFixed(1)} µs ≤ 0.5× piscina (${piscina.toFixed(1)} µs)`,
    rows[0]!.value! <= 0.5 * piscina,
  );
}

// 3. map of 100k tiny items with chunks.
{
  const items = Array.from({ length: 100_000 }, (_, i) => i);
  const rate = async (chunksize: number) =>
    (100_000 /
      (await best(async () => {
        for await (const _ of pool.map(inc, items, { chunksize }));
      }, 3))) *
    1000;
  const py = python(pyMap);
  const rows: Row[] = [
    { name: 'skein map chunksize 12500 (Python default)', value: await rate(12_500), unit: 'items/s' },
    { name: 'skein map chunksize 1000', value: await rate(1000), unit: 'items/s' },
    { name: 'python Pool(2).map default chunks', value: py ? Number(py) : undefined, unit: 'items/s' },
  ];
  table('map of 100k tiny items', rows, true);
  goal(
    `map 100k: ${rows[0]!.value!.toFixed(0)}/s ≥ Python Pool.map (${rows[2]!.value?.toFixed(0)}/s)`,
    rows[0]!.value! >= (rows[2]!.value ?? 0),
  );
}

// 4. 200 × fib(27).
{
  const { fib } = (await import(tasksUrl.href)) as { fib: (n: number) => number };
  const alone = await best(() => {
    for (let i = 0; i < 200; i++) fib(27);
  }, 1);
  const speedup = async (fn: () => Promise<unknown>) => alone / (await best(fn, 1));
  const rows: Row[] = [
    {
      name: 'skein ThreadPoolExecutor',
      value: await speedup(() => Promise.all(Array.from({ length: 200 }, () => pool.submit(fibTask, 27)))),
      unit: '× main thread',
    },
  ];
  for (const p of ps)
    rows.push({
      name: p.name,
      value: await speedup(() => Promise.all(Array.from({ length: 200 }, () => p.run('fib', 27)))),
      unit: '× main thread',
    });
  table(`200 × fib(27) speed-up over the main thread alone (${alone.toFixed(0)} ms)`, rows, true);
  goal(`fib speed-up ${rows[0]!.value!.toFixed(2)}× ≥ 1.9×`, rows[0]!.value! >= 1.9);
}

// 5. 64 KiB copied payloads.
{
  // Distinct buffers: structured clone copies an object once per message however often it
  // appears in it, so one shared buffer would flatter pools that batch tasks into one message.
  const bufs = Array.from({ length: 512 }, (_, i) => new Uint8Array(64 * 1024).fill(i & 255));
  const n = 20_000;
  const rows: Row[] = [
    {
      name: 'skein ThreadPoolExecutor',
      value: await throughput(n, (i) => pool.submit(sizeTask, bufs[i % 512]!)),
      unit: 'tasks/s',
    },
  ];
  for (const p of ps)
    rows.push({
      name: p.name,
      value: await throughput(n, (i) => p.run('size', bufs[i % 512])),
      unit: 'tasks/s',
    });
  table('64 KiB payload copied to the worker, 20k tasks', rows, true);
  const piscina = rows.find((r) => r.name === 'piscina')!.value!;
  goal(
    `64 KiB: ${rows[0]!.value!.toFixed(0)}/s ≥ 1.5× piscina (${piscina.toFixed(0)}/s)`,
    rows[0]!.value! >= 1.5 * piscina,
  );
}
await pool.shutdown();
for (const p of ps) await p.close();

// 6. ProcessPoolExecutor tiny tasks.
{
  const pp = new ProcessPoolExecutor({ maxWorkers: W, prestart: true });
  await Promise.all([1, 2, 3, 4].map((x) => pp.submit(inc, x)));
  const py = python(pyProcesses);
  const rows: Row[] = [
    {
      name: 'skein ProcessPoolExecutor',
      value: await throughput(20_000, (i) => pp.submit(inc, i)),
      unit: 'tasks/s',
    },
    { name: 'python ProcessPoolExecutor', value: py ? Number(py) : undefined, unit: 'tasks/s' },
  ];
  table('ProcessPoolExecutor: 20k tiny tasks', rows, true);
  goal(
    `processes: ${rows[0]!.value!.toFixed(0)}/s ≥ 3× Python (${rows[1]!.value?.toFixed(0)}/s)`,
    rows[0]!.value! >= 3 * (rows[1]!.value ?? 0),
  );
  await pp.shutdown();
}

console.log('\nGoals (issue 5):');
for (const g of goals) console.log(`  ${g}`);
