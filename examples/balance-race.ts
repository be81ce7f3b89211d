// Without a lock, two threads updating shared data lose updates (线程的锁,不一定安全).
// In Python the GIL makes the race rare; skein's two threads run in parallel on two cores,
// so `balance = balance + n; balance = balance - n` interleaves and the result drifts from 0.
import { Barrier, Thread, Value } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/balance-race.ts',
  summary:
    "Without a lock, two threads updating shared data lose updates (线程的锁,不一定安全). In Python the GIL makes the race rare; skein's two threads run in parallel on two cores, so `balance = balance + n; balance = balance - n` interleaves and the result drifts from 0.",
});

function runThread(balance: Value<'i'>, n: number, start: Barrier) {
  start.waitSync(); // both threads begin together, so their loops really overlap
  for (let i = 0; i < 150000; i++) {
    // change_it(n): read-modify-write twice, unprotected
    balance.value = balance.value + n;
    balance.value = balance.value - n;
  }
}

const balance = new Value('i', 0);
const start = new Barrier(2);
const t1 = new Thread({ target: runThread, args: [balance, 5, start] });
const t2 = new Thread({ target: runThread, args: [balance, 8, start] });
t1.start();
t2.start();
await t1.join();
await t2.join();
console.log(balance.value);
