// 教程: tp.map实现for循环 — map submits every item at the call; shutdown() waits for them.
import { ThreadPoolExecutor } from 'skein/futures';

const func = async (n) => {
  console.log(n);
  await new Promise((r) => setTimeout(r, n % 3));
};
const tp = new ThreadPoolExecutor({ maxWorkers: 10 });
tp.map(
  func,
  Array.from({ length: 20 }, (_, i) => i),
); // map实现上面for循环的功能
await tp.shutdown();
console.log('主线程');
