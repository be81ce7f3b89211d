/**
 * `npm run bench -- pool`: multiprocessing `Pool.map` (child processes) and `ThreadPool.map`
 * (worker threads) of 100k tiny items (x => x + 1), with Python's default chunks and with
 * chunksize 1, side by side with python3's `multiprocessing.Pool(2).map` measured in the same run.
 * Goals (issue 6): at least Python's rate with default chunks, at least 2× with chunksize 1.
 */
import { Pool, ThreadPool } from 'skein/multiprocessing';
import { best, python, type Row, table } from './util.ts';

const W = 2;
const N = 100_000;
const items = Array.from({ length: N }, (_, i) => i);
const inc = (x: number) => x + 1;

const pyMap = (chunk: string, runs: number) => `
import time
from multiprocessing import Pool
def f(x): return x + 1
if __name__ == '__main__':
    with Pool(${W}) as p:
        p.map(f, range(1000)${chunk})
        def run():
            t = time.perf_counter()
            p.map(f, range(${N})${chunk})
            return time.perf_counter() - t
        print(${N} / min(run() for _ in range(${runs})))
`;

const goals: string[] = [];
const goal = (text: string, ok: boolean) => goals.push(`${ok ? 'MET    ' : 'NOT MET'} ${text}`);

const rate = async (pool: Pool, chunksize: number | undefined, runs: number) =>
  (N /
    (await best(async () => {
      const out = await pool.map(inc, items, chunksize);
      if (out.length !== N || out[N - 1] !== N) throw new Error('wrong result');
    }, runs))) *
  1000;

const pool = new Pool({ processes: W });
const tpool = new ThreadPool({ processes: W });
await pool.map(inc, [1, 2, 3, 4]);
await tpool.map(inc, [1, 2, 3, 4]);

// Best of the same number of runs on both sides.
const pyDefault = python(pyMap('', 5));
const pyOne = python(pyMap(', chunksize=1', 3));
const py = (s: string | undefined) => (s ? Number(s) : undefined);

for (const [label, chunksize, runs, pyRate] of [
  ['default chunks (12500)', undefined, 5, py(pyDefault)],
  ['chunksize 1', 1, 3, py(pyOne)],
] as const) {
  const rows: Row[] = [
    { name: `skein Pool.map`, value: await rate(pool, chunksize, runs), unit: 'items/s' },
    { name: `skein ThreadPool.map`, value: await rate(tpool, chunksize, runs), unit: 'items/s' },
    { name: `python Pool(${W}).map`, value: pyRate, unit: 'items/s' },
  ];
  table(`map of ${N / 1000}k tiny items, ${label}, ${W} workers`, rows, true);
  const factor = chunksize === 1 ? 2 : 1;
  for (const r of rows.slice(0, 2)) {
    const ratio = pyRate ? r.value! / pyRate : Number.NaN;
    goal(
      `${r.name} ${label}: ${r.value!.toFixed(0)}/s = ${ratio.toFixed(2)}× Python (goal ≥ ${factor}×)`,
      ratio >= factor,
    );
  }
}

pool.terminate();
tpool.terminate();
await Promise.all([pool.join(), tpool.join()]);
console.log('\nGoals:');
for (const g of goals) console.log(`  ${g}`);
