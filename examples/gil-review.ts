// Starting threads, reviewed (复习:线程的开启 / GIL锁): 100 threads each decrement a shared n.
// Python's GIL happens to make `n -= 1` safe enough here; skein's threads run truly in
// parallel, so the decrement takes the Value's lock, and the result is exactly 0.
import { currentThread, Thread, Value } from 'skein/threading';

async function tFunc(n: Value<'i'>) {
  const { currentThread } = await import('skein/threading');
  using _ = n.getLock().holdSync();
  n.value -= 1;
  console.log(String(currentThread()));
}

const n = new Value('i', 100);
const tLst: Thread[] = [];
for (let i = 0; i < 100; i++) {
  const t = new Thread({ target: tFunc, args: [n] });
  t.start();
  tLst.push(t);
  console.log(t.ident, t.name, t.isAlive());
}
for (const t of tLst) await t.join();
console.log(n.value);
console.log(String(currentThread()));
