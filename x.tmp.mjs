import { ThreadPoolExecutor } from 'skein/futures';
const pool = new ThreadPoolExecutor({ maxWorkers: 2, prestart: true });
const inc = (x) => x + 1;
for (let i = 0; i < 1000; i++) await pool.submit(inc, i);
for (let k = 0; k < 3; k++) {
const xs = [];
for (let i = 0; i < 5000; i++) { const t = performance.now(); await pool.submit(inc, i); xs.push(performance.now() - t); }
xs.sort((a, b) => a - b);
console.log((xs[2500] * 1000).toFixed(1), 'µs p50', (xs[4500] * 1000).toFixed(1), 'p90');
}
let t0 = performance.now(); const fs = []; for (let i = 0; i < 100000; i++) fs.push(pool.submit(inc, i));
await Promise.all(fs); console.log('100k', (100000/(performance.now()-t0)*1000).toFixed(0), '/s');
await pool.shutdown();
console.log(process.getActiveResourcesInfo());
