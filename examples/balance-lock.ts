// The fix: take a lock around the update (解决办法:加上锁). The result is exactly 0.
import { Lock, Thread, Value } from 'skein/threading';

function runThread(balance: Value<'i'>, n: number, lock: Lock) {
  for (let i = 0; i < 150000; i++) {
    using _ = lock.holdSync(); // Python: with lock:
    balance.value = balance.value + n;
    balance.value = balance.value - n;
  }
}

const balance = new Value('i', 0);
const lock = new Lock();
const t1 = new Thread({ target: runThread, args: [balance, 5, lock] });
const t2 = new Thread({ target: runThread, args: [balance, 8, lock] });
t1.start();
t2.start();
await t1.join();
await t2.join();
console.log(balance.value);
