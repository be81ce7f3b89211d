// Threads share data (数据隔离验证 — for threads, the data is shared): a thread changes n and
// the main thread sees it. Each skein thread is its own isolate, so plain variables are not
// shared; a shared Value is, and that is what Python's global n is here.
import { Thread, Value } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/data-sharing.ts',
  summary:
    "Threads share data (数据隔离验证 — for threads, the data is shared): a thread changes n and the main thread sees it. Each skein thread is its own isolate, so plain variables are not shared; a shared Value is, and that is what Python's global n is here.",
});

const n = new Value('i', 100);

function func(n: Value<'i'>) {
  n.value -= 1;
}

const t = new Thread({ target: func, args: [n] });
t.start();
await t.join();
console.log(n.value);
