/**
 * `npm run bench -- semaphore`: the uncontended fast paths of skein's Semaphore (acquire +
 * release, `holdSync()` + dispose, `await hold()`, `run`) and of the mutex-store queues
 * (LifoQueue/PriorityQueue putNowait + getNowait), on the main thread: what dead-holder
 * bookkeeping costs when nobody dies.
 */
import { LifoQueue, PriorityQueue } from 'skein/queue';
import { Semaphore } from 'skein/threading';
import { best } from './util.ts';

function show(title: string, rows: [string, number, string][]): void {
  console.log(`\n${title}`);
  for (const [name, v, unit] of rows)
    console.log(`  ${name.padEnd(34)} ${v.toPrecision(3).padStart(12)} ${unit}`);
}

const N = 1_000_000;
const sem = new Semaphore(4);

const acq = await best(() => {
  for (let i = 0; i < N; i++) {
    sem.acquireSync();
    sem.release();
  }
});
const holdSync = await best(() => {
  for (let i = 0; i < N; i++) {
    using _ = sem.holdSync();
  }
});
const holdAsync = await best(async () => {
  for (let i = 0; i < N; i++) {
    using _ = await sem.hold();
  }
});
const noop = () => 0;
const run = await best(async () => {
  for (let i = 0; i < N; i++) await sem.run(noop);
});
show(`uncontended Semaphore on the main thread (${N} ops)`, [
  ['acquireSync() + release()', (acq * 1e6) / N, 'ns/op'],
  ['using holdSync()', (holdSync * 1e6) / N, 'ns/op'],
  ['using await hold()', (holdAsync * 1e6) / N, 'ns/op'],
  ['await run(fn)', (run * 1e6) / N, 'ns/op'],
]);

const M = 300_000;
const lifo = new LifoQueue<number>();
const lifoMs = await best(() => {
  for (let i = 0; i < M; i++) {
    lifo.putNowait(i);
    lifo.getNowait();
  }
});
const prio = new PriorityQueue<number>();
for (let i = 0; i < 64; i++) prio.putNowait(i * 2);
const prioMs = await best(() => {
  for (let i = 0; i < M; i++) {
    prio.putNowait(i & 127);
    prio.getNowait();
  }
});
show(`mutex-store queues, one thread, putNowait + getNowait (${M} pairs)`, [
  ['LifoQueue (empty)', (lifoMs * 1e6) / M, 'ns/pair'],
  ['PriorityQueue (64 items held)', (prioMs * 1e6) / M, 'ns/pair'],
]);
