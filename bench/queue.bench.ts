/**
 * Queue throughput: skein/queue between worker threads, against Python's `queue.Queue`
 * between two Python threads and against a plain `MessageChannel` between two workers,
 * all measured in this run.
 *
 * - 1 producer thread → 1 consumer thread, N small objects.
 * - the same over a MessageChannel (postMessage per item) as a baseline.
 * - 4 producer threads → 4 consumer threads.
 */
import { Worker } from 'node:worker_threads';
import { Queue } from 'skein/queue';
import { Thread } from 'skein/threading';
import { python, table } from './util.js';

const N = 200_000;

async function skein(producers: number, consumers: number, mode: 'sync' | 'async' = 'sync'): Promise<number> {
  const q = new Queue<{ id: number; name: string; v: number }>(0, { capacity: 1 << 20 });
  const each = N / producers;
  const consumerThreads = Array.from({ length: consumers }, () => {
    if (mode === 'async') {
      return new Thread({
        target: async (q: Queue<{ id: number }>) => {
          let n = 0;
          for (;;) {
            const item = await q.get();
            if (item.id < 0) return n;
            n++;
          }
        },
        args: [q],
      });
    }
    return new Thread({
      target: (q: Queue<{ id: number }>) => {
        let n = 0;
        for (;;) {
          const item = q.getSync();
          if (item.id < 0) return n;
          n++;
        }
      },
      args: [q],
    });
  });
  const producerThreads = Array.from({ length: producers }, (_, p) => {
    if (mode === 'async') {
      return new Thread({
        target: async (q: Queue<{ id: number; name: string; v: number }>, from: number, count: number) => {
          for (let i = from; i < from + count; i++) await q.put({ id: i, name: 'item', v: 1.5 });
        },
        args: [q, p * each, each],
      });
    }
    return new Thread({
      target: (q: Queue<{ id: number; name: string; v: number }>, from: number, count: number) => {
        for (let i = from; i < from + count; i++) q.putSync({ id: i, name: 'item', v: 1.5 });
      },
      args: [q, p * each, each],
    });
  });
  // Start consumers first and let every thread boot before timing.
  for (const t of consumerThreads) t.start();
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  for (const t of producerThreads) t.start();
  for (const t of producerThreads) await t.join();
  for (let i = 0; i < consumers; i++) await q.put({ id: -1, name: '', v: 0 });
  let got = 0;
  for (const t of consumerThreads) got += (await t.result()) as number;
  const ms = performance.now() - t0;
  if (got !== N) throw new Error(`lost items: ${got} of ${N}`);
  return ms;
}

/** MessageChannel baseline: a producer worker posts N objects straight to a consumer worker. */
async function messageChannel(): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  const consumer = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     let n = 0;
     workerData.port.on('message', (m) => { if (m.id < 0) { parentPort.postMessage(n); workerData.port.close(); } else n++; });
     parentPort.postMessage('ready');`,
    { eval: true, workerData: { port: port2 }, transferList: [port2] },
  );
  const producer = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     parentPort.once('message', () => {
       for (let i = 0; i < ${N}; i++) workerData.port.postMessage({ id: i, name: 'item', v: 1.5 });
       workerData.port.postMessage({ id: -1 });
       workerData.port.close();
     });
     parentPort.postMessage('ready');`,
    { eval: true, workerData: { port: port1 }, transferList: [port1] },
  );
  await Promise.all([once(consumer), once(producer)]);
  const t0 = performance.now();
  const done = once(consumer);
  producer.postMessage('go');
  const n = await done;
  const ms = performance.now() - t0;
  await Promise.all([consumer.terminate(), producer.terminate()]);
  if (n !== N) throw new Error(`MessageChannel lost items: ${String(n)}`);
  return ms;
}

function once(w: Worker): Promise<unknown> {
  return new Promise((resolve) => w.once('message', resolve));
}

const PY = `
import queue, threading, time
N = ${N}
def run(P, C):
    q = queue.Queue()
    each = N // P
    def prod(p):
        for i in range(p * each, (p + 1) * each):
            q.put({'id': i, 'name': 'item', 'v': 1.5})
    def cons():
        while True:
            if q.get()['id'] < 0: return
    cs = [threading.Thread(target=cons) for _ in range(C)]
    ps = [threading.Thread(target=prod, args=(p,)) for p in range(P)]
    t0 = time.perf_counter()
    for t in cs + ps: t.start()
    for t in ps: t.join()
    for _ in range(C): q.put({'id': -1})
    for t in cs: t.join()
    return N / (time.perf_counter() - t0)
# Best of five, as for skein.
print(max(run(1, 1) for _ in range(5)), max(run(4, 4) for _ in range(5)))
`;

function rate(ms: number): number {
  return N / (ms / 1000);
}

const best = async (f: () => Promise<number>, runs = 5) => {
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) b = Math.min(b, await f());
  return b;
};

const one = rate(await best(() => skein(1, 1)));
const oneAsync = rate(await best(() => skein(1, 1, 'async')));
const mc = rate(await best(messageChannel));
const py = python(PY)?.split(/\s+/).map(Number);
table(
  `1 producer thread → 1 consumer thread, ${N} small objects`,
  [
    { name: 'skein Queue (putSync/getSync)', value: one, unit: 'items/s' },
    { name: 'skein Queue (await put/get)', value: oneAsync, unit: 'items/s' },
    { name: 'MessageChannel (postMessage)', value: mc, unit: 'items/s' },
    { name: 'python3 queue.Queue', value: py?.[0], unit: 'items/s' },
  ],
  true,
);
const four = rate(await best(() => skein(4, 4)));
table(
  `4 producer threads → 4 consumer threads, ${N} small objects`,
  [
    { name: 'skein Queue (putSync/getSync)', value: four, unit: 'items/s' },
    { name: 'python3 queue.Queue', value: py?.[1], unit: 'items/s' },
  ],
  true,
);
