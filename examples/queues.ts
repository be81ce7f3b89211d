// Thread queues (线程队列): FIFO, LIFO and priority, as in Python's queue module.
import { LifoQueue, PriorityQueue, Queue } from 'skein/queue';
import { command } from './cli.ts';

command({
  program: 'examples/queues.ts',
  summary: "Thread queues (线程队列): FIFO, LIFO and priority, as in Python's queue module.",
});

const q = new Queue<number>(); // first in, first out
for (const n of [2, 3, 4, 5]) q.putNowait(n);
console.log(await q.get());
console.log(await q.get());

const lq = new LifoQueue<number>(); // last in, first out — a stack
for (const n of [2, 3, 4, 5]) lq.putNowait(n);
console.log(await lq.get());
console.log(await lq.get());

// Items are [priority, data] tuples: the lowest comes first; ties compare the next element.
const pq = new PriorityQueue<[number, string]>();
pq.putNowait([20, 'a']);
pq.putNowait([10, 'a']);
pq.putNowait([30, 'a']);
pq.putNowait([30, 'b']);
for (let i = 0; i < 4; i++) {
  const [p, s] = await pq.get();
  console.log(`(${p}, '${s}')`); // as Python prints a tuple
}
