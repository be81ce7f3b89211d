// ThreadPoolExecutor (concurrent.futures): 20 tasks on a pool of 10 threads; shutdown() waits
// for all of them, so '主线程' prints last. (The tutorial sleeps 0–5 s; 0–0.5 s keeps the tour short.)
import { ThreadPoolExecutor } from 'skein/futures';
import { command } from './cli.ts';

command({
  program: 'examples/futures-submit.ts',
  summary:
    "ThreadPoolExecutor (concurrent.futures): 20 tasks on a pool of 10 threads; shutdown() waits for all of them, so '主线程' prints last. (The tutorial sleeps 0–5 s; 0–0.5 s keeps the tour short.)",
});

function func(n: number) {
  console.log(n);
  // Python's time.sleep blocks its thread, so a pool of 10 runs at most 10 at once; so does
  // Atomics.wait. (An async sleep would free the thread for the pool's next task.)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.floor(Math.random() * 6) * 100);
}

const tp = new ThreadPoolExecutor({ maxWorkers: 10 }); // 10 threads in the pool
for (let i = 0; i < 20; i++) tp.submit(func, i);
await tp.shutdown(); // Python: tp.shutdown() — close + join
console.log('主线程');
