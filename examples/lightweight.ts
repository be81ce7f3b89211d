// Threads are lightweight: 50 processes vs 50 threads (验证线程是轻量级的).
import { Process } from 'skein/multiprocessing';
import { Thread } from 'skein/threading';

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
console.log('*******', (performance.now() - start) / 1000);

start = performance.now();
const tLst: Thread[] = [];
for (let i = 0; i < 50; i++) {
  const t = new Thread({ target: func, args: [i] });
  t.start();
  tLst.push(t);
}
for (const t of tLst) await t.join();
console.log('*******', (performance.now() - start) / 1000);
