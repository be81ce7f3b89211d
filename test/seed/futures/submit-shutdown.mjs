// 教程: ThreadPoolExecutor例子 — submit 20 tasks to 10 threads, then shutdown(); the main
// thread's line comes after every task's. (time.sleep(random.randint(0,5)) → a short
// deterministic sleep.)
import { ThreadPoolExecutor } from 'skein/futures';

const func = async (n) => {
  console.log(n);
  await new Promise((r) => setTimeout(r, n % 3));
};
const tp = new ThreadPoolExecutor({ maxWorkers: 10 }); // 池里面放10个线程
for (let i = 0; i < 20; i++) tp.submit(func, i);
await tp.shutdown();
console.log('主线程');
