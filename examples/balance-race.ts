// Without a lock, two threads updating shared data lose updates (线程的锁,不一定安全).
// In Python the GIL makes the race rare; skein's two threads run in parallel on two cores,
// so `balance = balance + n; balance = balance - n` interleaves and the result drifts from 0.
import { Thread, Value } from 'skein/threading';

function runThread(balance: Value<'i'>, n: number) {
  for (let i = 0; i < 150000; i++) {
    // change_it(n): read-modify-write twice, unprotected
    balance.value = balance.value + n;
    balance.value = balance.value - n;
  }
}

const balance = new Value('i', 0);
const t1 = new Thread({ target: runThread, args: [balance, 5] });
const t2 = new Thread({ target: runThread, args: [balance, 8] });
t1.start();
t2.start();
await t1.join();
await t2.join();
console.log(balance.value);
