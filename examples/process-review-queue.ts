// The tutorial's Queue review (队列:管道+锁), as test/seed/python/process_queue.py: any
// serializable value, safe between processes — no item is taken twice.
import { Process, Queue } from 'skein/multiprocessing';
import { command } from './cli.ts';

command({
  program: 'examples/process-review-queue.ts',
  summary:
    "The tutorial's Queue review (队列:管道+锁), as test/seed/python/process_queue.py: any serializable value, safe between processes — no item is taken twice.",
});

type Item = { from: string; n: number; data: [number, string] } | null;
const q = new Queue<Item>();
const out = new Queue<[string, number]>();
const producers = [0, 1, 2].map(
  (i) =>
    new Process({
      target: async (q: Queue<Item>, name: string) => {
        for (let i = 0; i < 10; i++) await q.put({ from: name, n: i, data: [i, String(i)] });
      },
      args: [q, `p${i}`],
    }),
);
const consumers = [0, 1].map(
  () =>
    new Process({
      target: async (q: Queue<Item>, out: Queue<[string, number]>) => {
        for (;;) {
          const item = await q.get();
          if (item === null) break;
          await out.put([item.from, item.n]);
        }
      },
      args: [q, out],
    }),
);
for (const p of [...producers, ...consumers]) p.start();
for (const p of producers) await p.join();
for (const _ of consumers) await q.put(null);
const got: [string, number][] = [];
for (let i = 0; i < 30; i++) got.push(await out.get());
for (const c of consumers) await c.join();
got.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
const repr = (t: [string, number]) => `('${t[0]}', ${t[1]})`;
console.log('items', got.length, 'distinct', new Set(got.map(repr)).size);
console.log('first', repr(got[0]!), 'last', repr(got.at(-1)!));
