// The fix: take a lock around the update (解决办法:加上锁). The result is exactly 0.
import { Barrier, Lock, Thread, Value } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/balance-lock.ts',
  summary: 'The fix: take a lock around the update (解决办法:加上锁). The result is exactly 0.',
});

function runThread(balance: Value<'i'>, n: number, lock: Lock, start: Barrier) {
  start.waitSync(); // both threads begin together, as in the race
  for (let i = 0; i < 150000; i++) {
    using _ = lock.holdSync(); // Python: with lock:
    balance.value = balance.value + n;
    balance.value = balance.value - n;
  }
}

const balance = new Value('i', 0);
const lock = new Lock();
const start = new Barrier(2);
const t1 = new Thread({ target: runThread, args: [balance, 5, lock, start] });
const t2 = new Thread({ target: runThread, args: [balance, 8, lock, start] });
t1.start();
t2.start();
await t1.join();
await t2.join();
console.log(balance.value);
