// The tutorial's process pool review (进程池): apply is synchronous, apply_async + get/close/join,
// map (Python's blocks and has join built in; here it is awaited), callbacks run in the main
// process, and the "map功能对比" program. The original is test/seed/python/pool_review.py.
import { Pool } from 'skein/multiprocessing';
import { command } from './cli.ts';

command({
  program: 'examples/pool.ts',
  summary:
    'The tutorial\'s process pool review (进程池): apply is synchronous, apply_async + get/close/join, map (Python\'s blocks and has join built in; here it is awaited), callbacks run in the main process, and the "map功能对比" program. The original is test/seed/python/pool_review.py.',
});

const mainPid = process.pid;

const func = (n: number) => n * n;

// 1. apply: 同步 — the call waits for the result.
let p = new Pool({ processes: 4 });
console.log('apply', await p.apply(func, [5]));

// 2. apply_async: 异步提交; get 获取返回值; close, join.
const resL = [0, 1, 2, 3, 4].map((i) => p.applyAsync(func, [i]));
p.close();
await p.join();
console.log('apply_async', JSON.stringify(await Promise.all(resL.map((r) => r.get()))));

// 3. map: apply_async's simple form.
p = new Pool({ processes: 4 });
console.log('map', JSON.stringify(await p.map(func, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])));

// 4. 回调函数: the callback runs in the main process as soon as a child finishes a task.
const callback = (res: number) =>
  console.log('callback', res, process.pid === mainPid ? 'in main process' : 'in child');
for (const i of [0, 1, 2]) p.applyAsync(func, [i], { callback });
p.close();
await p.join();

// 5. map功能对比: map waits for every item, so 主进程 prints last.
async function show(n: number) {
  console.log(n);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the tutorial sleeps randint(0, 5) s
  return n;
}
const mp = new Pool({ processes: 10 });
await mp.map(
  show,
  Array.from({ length: 20 }, (_, i) => i),
);
console.log('主进程');
mp.close();
await mp.join();

// 6. 信号量和池: a Semaphore starts one process per task (n at a time); a pool lends a fixed set of
// processes to every task — 20 tasks on Pool(4) run in at most 4 processes.
p = new Pool({ processes: 4 });
const pids = await p.map(
  (_task: number) => process.pid,
  Array.from({ length: 20 }, (_, i) => i),
);
console.log('pool processes used <= 4:', new Set(pids).size <= 4);
p.close();
await p.join();
