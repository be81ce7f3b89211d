// Threads are lightweight: 50 processes vs 50 threads (验证线程是轻量级的).
import { Process } from 'skein/multiprocessing';
import { Thread } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/lightweight.ts',
  summary: 'Threads are lightweight: 50 processes vs 50 threads (验证线程是轻量级的).',
});

function func(n: number) {
  console.log(String(BigInt(n) ** BigInt(n))); // Python's n**n is a big integer
}

let start = performance.now();
const pLst: Process[] = [];
for (let i = 0; i < 50; i++) {
  const p = new Process({ target: func, args: [i] });
  p.start();
  pLst.push(p);
}
for (const p of pLst) await p.join();
// Python prints the bare figure (`******* 21.166632389`); here it says what it is, and its unit.
console.log(
  `******* 50 processes started and joined in ${((performance.now() - start) / 1000).toFixed(3)} s`,
);

start = performance.now();
const tLst: Thread[] = [];
for (let i = 0; i < 50; i++) {
  const t = new Thread({ target: func, args: [i] });
  t.start();
  tLst.push(t);
}
for (const t of tLst) await t.join();
console.log(`******* 50 threads started and joined in ${((performance.now() - start) / 1000).toFixed(3)} s`);
