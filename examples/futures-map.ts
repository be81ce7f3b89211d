// tp.map replaces the for-loop of submits (tp.map实现for循环); like Python's, it submits every
// item at once, and shutdown() still waits for them.
import { ThreadPoolExecutor } from 'skein/futures';

async function func(n: number) {
  console.log(n);
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 6) * 100));
}

const tp = new ThreadPoolExecutor({ maxWorkers: 10 });
tp.map(
  func,
  Array.from({ length: 20 }, (_, i) => i),
); // results not needed here
await tp.shutdown();
console.log('主线程');
