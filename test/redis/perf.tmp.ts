import { RedisExecutor, RedisWorker, remoteTasks } from 'skein/redis';
import { startRedis } from '/work/wt-redis-exec/test/redis/redis-server.ts';
const srv = (await startRedis())!;
const pool = (process.argv[2] ?? 'thread') as 'thread';
const conc = Number(process.argv[3] ?? 8);
const worker = new RedisWorker({ connection: srv.url, queue: 'q', tasks: '/work/wt-redis-exec/test/fixtures/redis-tasks.mjs', maxWorkers: 2, pool, concurrency: conc });
await worker.start();
const ex = new RedisExecutor({ connection: srv.url, queue: 'q' });
const tasks = remoteTasks<typeof import('/work/wt-redis-exec/test/fixtures/redis-tasks.mjs')>();
await ex.submit(tasks.tiny, 1);
for (let r = 0; r < 2; r++) {
let t = performance.now();
const fs = []; for (let i = 0; i < 10000; i++) fs.push(ex.submit(tasks.tiny, i));
let s = 0; for (const f of fs) s += await f;
console.log(pool, conc, '10k', (10000 / ((performance.now() - t) / 1000)).toFixed(0), '/s');
}
const lat = [];
for (let i = 0; i < 200; i++) { const t0 = performance.now(); await ex.submit(tasks.tiny, i); lat.push(performance.now() - t0); }
lat.sort((a, b) => a - b); console.log('p50', lat[100].toFixed(3), 'p99', lat[198].toFixed(3));
await ex.shutdown();
await worker.close();
await srv.stop();
