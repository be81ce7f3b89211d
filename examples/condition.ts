// Condition (条件): 10 threads wait on a condition; each line you type, a number n, lets n of
// them run (notify(n)); q quits. Reads stdin, so the tour pipes in scripted input.
import readline from 'node:readline';
import { Condition, Event, Thread, Value } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/condition.ts',
  summary:
    'Condition (条件): 10 threads wait on a condition; each line you type, a number n, lets n of them run (notify(n)); q quits. Reads stdin, so the tour pipes in scripted input.',
});

async function run(n: number, con: Condition, ready: Value<'i'>, allReady: Event) {
  await con.acquire(); // acquire before wait or notify, release after
  if (++ready.value === 10) allReady.set(); // counted under the condition's lock
  await con.wait(); // releases the lock while waiting; notify wakes it
  console.log(`run the thread : ${n}`);
  con.release();
}

const con = new Condition();
const ready = new Value('i', 0);
const allReady = new Event();
const threads = Array.from(
  { length: 10 },
  (_, i) => new Thread({ target: run, args: [i, con, ready, allReady], daemon: true }),
);
for (const t of threads) t.start();

// Python's version has a race: a notify typed before the threads wait is lost. The tenth
// thread sets allReady while holding the lock, and main's notify needs the lock, which that
// thread gives up only inside wait(): so every notify below finds all ten waiting.
await allReady.wait();

/** Resolves once `k` of the threads have finished. */
function finished(k: number): Promise<void> {
  let left = k;
  return new Promise((resolve) => {
    if (left <= 0) resolve();
    for (const t of threads.filter((x) => x.isAlive())) {
      void t.join().then(() => {
        if (--left === 0) resolve();
      });
    }
  });
}

const rl = readline.createInterface({
  input: process.stdin,
  output: process.stdin.isTTY ? process.stdout : undefined,
});
const lines = rl[Symbol.asyncIterator]();
for (;;) {
  if (process.stdin.isTTY) process.stdout.write('>>>');
  const next = await lines.next();
  if (next.done || next.value === 'q') break;
  const n = Number(next.value);
  if (!Number.isInteger(n) || n < 0) {
    console.log('type a whole number, or q');
    continue;
  }
  const waiting = threads.filter((t) => t.isAlive()).length;
  await con.acquire();
  con.notify(n);
  con.release();
  console.log('*****');
  await finished(Math.min(n, waiting)); // let the woken threads print before the next prompt
}
rl.close();
