// tp.map replaces the for-loop of submits (tp.map实现for循环); like Python's, it submits every
// item at once, and shutdown() still waits for them.
import { ThreadPoolExecutor } from 'skein/futures';
import { command } from './cli.ts';

command({
  program: 'examples/futures-map.ts',
  summary:
    "tp.map replaces the for-loop of submits (tp.map实现for循环); like Python's, it submits every item at once, and shutdown() still waits for them.",
});

function func(n: number) {
  console.log(n);
  // Python's time.sleep blocks its thread, so a pool of 10 runs at most 10 at once; so does
  // Atomics.wait. (An async sleep would free the thread for the pool's next task.)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.floor(Math.random() * 6) * 100);
}

const tp = new ThreadPoolExecutor({ maxWorkers: 10 });
tp.map(
  func,
  Array.from({ length: 20 }, (_, i) => i),
); // results not needed here
await tp.shutdown();
console.log('主线程');
