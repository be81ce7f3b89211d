/**
 * multiprocessing: Manager dict set+get round trips, and Pipe throughput of small messages
 * between two processes — skein beside python3 running the equivalent, in the same run.
 */
import { type Connection, Manager, Pipe, Process } from 'skein/multiprocessing';
import { python, table } from './util.ts';

const ROUNDS = 3000;
const MESSAGES = 50_000;

async function managerDict(): Promise<number> {
  await using m = await Manager();
  const d = await m.dict<string, number>();
  for (let i = 0; i < 2000; i++) {
    await d.set('k', i);
    await d.get('k');
  }
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    for (let i = 0; i < ROUNDS; i++) {
      await d.set('k', i);
      await d.get('k');
    }
    best = Math.max(best, ROUNDS / ((performance.now() - t0) / 1000));
  }
  return best;
}

function managerDictSync(d: import('skein/multiprocessing').DictProxy<string, number>): number {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    for (let i = 0; i < ROUNDS; i++) {
      d.setSync('k', i);
      d.getSync('k');
    }
    best = Math.max(best, ROUNDS / ((performance.now() - t0) / 1000));
  }
  return best;
}

async function pipeThroughput(): Promise<number> {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const [r, w] = Pipe<unknown>(false);
    const [go, goChild] = Pipe<unknown>();
    const p = new Process({
      target: async (w: Connection<unknown>, go: Connection<unknown>, n: number) => {
        go.send('ready');
        await go.recv();
        for (let i = 0; i < n; i++) w.send({ i, tag: 'x' });
        w.close();
      },
      args: [w, goChild, MESSAGES],
    });
    p.start();
    w.close();
    goChild.close();
    await go.recv();
    const t0 = performance.now();
    go.send('go');
    for (let i = 0; i < MESSAGES; i++) await r.recv();
    best = Math.max(best, MESSAGES / ((performance.now() - t0) / 1000));
    await p.join();
    r.close();
    go.close();
  }
  return best;
}

const pyDict = python(`
import time
from multiprocessing import Manager
if __name__ == '__main__':
    with Manager() as m:
        d = m.dict()
        for i in range(200):
            d['k'] = i; d['k']
        best = 0
        for _ in range(3):
            t0 = time.perf_counter()
            for i in range(${ROUNDS}):
                d['k'] = i
                d['k']
            best = max(best, ${ROUNDS} / (time.perf_counter() - t0))
        print(best)
`);

const pyPipe = python(`
import time
from multiprocessing import Pipe, Process
def child(w, go, n):
    go.send('ready')
    go.recv()
    for i in range(n):
        w.send({'i': i, 'tag': 'x'})
    w.close()
if __name__ == '__main__':
    best = 0
    for _ in range(3):
        r, w = Pipe(False)
        go, go_child = Pipe()
        p = Process(target=child, args=(w, go_child, ${MESSAGES}))
        p.start()
        w.close()
        go.recv()
        t0 = time.perf_counter()
        go.send('go')
        for i in range(${MESSAGES}):
            r.recv()
        best = max(best, ${MESSAGES} / (time.perf_counter() - t0))
        p.join()
    print(best)
`);

const asyncRate = await managerDict();
const m = await Manager();
const d = await m.dict<string, number>();
for (let i = 0; i < 500; i++) d.setSync('k', i);
const syncRate = managerDictSync(d);
await m.shutdown();
const pyRow = {
  name: "python3 d['k'] = i; d['k']",
  value: pyDict === undefined ? undefined : Number(pyDict),
  unit: 'pairs/s',
};
table(
  `Manager dict: set + get round trips per second (${ROUNDS} pairs, best of 3)`,
  [{ name: 'skein await d.set / d.get', value: asyncRate, unit: 'pairs/s' }, pyRow],
  true,
);
table(
  'Manager dict with the blocking twins (the caller waits in Atomics.wait)',
  [{ name: 'skein d.setSync / d.getSync', value: syncRate, unit: 'pairs/s' }, pyRow],
  true,
);
const pipeRate = await pipeThroughput();
table(
  `Pipe: small messages from a child process to the parent (${MESSAGES}, best of 3)`,
  [
    { name: 'skein w.send / await r.recv', value: pipeRate, unit: 'msgs/s' },
    {
      name: 'python3 w.send / r.recv',
      value: pyPipe === undefined ? undefined : Number(pyPipe),
      unit: 'msgs/s',
    },
  ],
  true,
);
