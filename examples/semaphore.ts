// Semaphore (信号量): a counter that acquire() decrements and release() increments; acquire
// blocks at 0. Here at most 4 of 10 threads are inside the guarded part at once.
import { Semaphore, Thread, Value } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/semaphore.ts',
  summary:
    'Semaphore (信号量): a counter that acquire() decrements and release() increments; acquire blocks at 0. Here at most 4 of 10 threads are inside the guarded part at once.',
});

async function visit(i: number, sem: Semaphore, inside: Value<'i'>, most: Value<'i'>) {
  using _ = await sem.hold();
  // Up to 4 threads are in here at once, so count them under the Value's own lock.
  let now: number;
  {
    using __ = inside.getLock().holdSync();
    now = ++inside.value;
  }
  await new Promise((r) => setTimeout(r, 200));
  {
    using __ = most.getLock().holdSync();
    if (now > most.value) most.value = now;
  }
  {
    using __ = inside.getLock().holdSync();
    inside.value -= 1;
  }
  console.log(`thread ${i} done`);
}

const sem = new Semaphore(4);
const inside = new Value('i', 0);
const most = new Value('i', 0);
const threads = Array.from(
  { length: 10 },
  (_, i) => new Thread({ target: visit, args: [i, sem, inside, most] }),
);
for (const t of threads) t.start();
for (const t of threads) await t.join();
console.log(`at most ${most.value} threads were inside at once (limit 4)`);
