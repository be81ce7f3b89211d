/**
 * The tutorial's "threads are lightweight" program: 50 threads start+join vs 50 processes
 * start+join (each computing n**n), skein beside python3 running the original.
 */
import { Process } from 'skein/multiprocessing';
import { releaseIdleThreads, Thread } from 'skein/threading';
import { best, python, table } from './util.ts';

const work = (n: number) => String(BigInt(n) ** BigInt(n)).length;

async function threads50(): Promise<void> {
  const ts = Array.from({ length: 50 }, (_, i) => new Thread({ target: work, args: [i] }));
  for (const t of ts) t.start();
  for (const t of ts) await t.join();
}

async function processes50(): Promise<void> {
  const ps = Array.from({ length: 50 }, (_, i) => new Process({ target: work, args: [i] }));
  for (const p of ps) p.start();
  for (const p of ps) await p.join();
}

async function coldThreads50(): Promise<void> {
  await releaseIdleThreads();
  await threads50();
}

const py = (kind: 'Thread' | 'Process') =>
  python(`
import time
from multiprocessing import Process
from threading import Thread
def func(n):
    len(str(n**n))
best = 1e9
for _ in range(4):
    start = time.time()
    lst = [${kind}(target=func, args=(i,)) for i in range(50)]
    for x in lst: x.start()
    for x in lst: x.join()
    best = min(best, time.time() - start)
print(best * 1000)
`);

const t = await best(threads50, 5);
const cold = await best(coldThreads50, 3);
const p = await best(processes50, 2);
const pyT = py('Thread');
const pyP = py('Process');
table(
  '50 threads start+join (ms, lower is better)',
  [
    { name: 'skein Thread (warm isolates)', value: t, unit: 'ms' },
    { name: 'python3 threading.Thread', value: pyT === undefined ? undefined : Number(pyT), unit: 'ms' },
  ],
  false,
);
table(
  '50 processes start+join (ms, lower is better)',
  [
    { name: 'skein Process', value: p, unit: 'ms' },
    {
      name: 'python3 multiprocessing.Process (fork)',
      value: pyP === undefined ? undefined : Number(pyP),
      unit: 'ms',
    },
  ],
  false,
);
console.log(`\nskein Thread from cold (no idle isolate, so isolates boot): ${cold.toFixed(0)} ms`);
console.log(
  `skein: 50 threads are ${(p / t).toFixed(0)}× faster than 50 processes (cold threads: ${(p / cold).toFixed(0)}×).`,
);
await releaseIdleThreads();
