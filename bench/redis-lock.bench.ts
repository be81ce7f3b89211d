/**
 * `npm run bench -- redis-lock`: RedisLock acquire+release beside the Redis floor.
 *
 * On a private redis-server on loopback (started here, like the tests'), sequentially:
 * 1. `PING` round trips from ioredis — the floor any Redis-backed operation pays;
 * 2. uncontended `await lock.acquire(); await lock.release()` on a RedisLock — two round trips
 *    (a script each), plus starting and stopping the lease renewal;
 * 3. the same with an RLock and a Semaphore, for comparison.
 * Target (issue 15 §5): acquire+release ≤ 2.5× the PING round trip (p50 and mean).
 * Best of 3 runs of N operations each.
 */
import { Redis } from 'ioredis';
import { RedisManager } from 'skein/redis';
import { startRedis } from '../test/redis/redis-server.ts';

const N = 5000;
const srv = await startRedis();
if (!srv) {
  console.log('redis-server is not installed: `apt-get install -y redis-server` to run this benchmark');
  process.exit(0);
}

/** Best-of-3 mean and p50 (µs) of `op`, run N times sequentially after a warm-up. */
async function measure(op: () => Promise<unknown>): Promise<{ mean: number; p50: number }> {
  for (let i = 0; i < 500; i++) await op();
  let best = { mean: Number.POSITIVE_INFINITY, p50: Number.POSITIVE_INFINITY };
  const lat = new Float64Array(N);
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const s = performance.now();
      await op();
      lat[i] = performance.now() - s;
    }
    const mean = ((performance.now() - t0) * 1000) / N;
    const p50 = lat.slice().sort()[N >> 1]! * 1000;
    best = { mean: Math.min(best.mean, mean), p50: Math.min(best.p50, p50) };
  }
  return best;
}

try {
  const ping = new Redis(srv.port, '127.0.0.1');
  const floor = await measure(() => ping.ping());
  ping.disconnect();

  await using m = await RedisManager.connect({ connection: srv.connection, namespace: 'bench' });
  const lock = m.Lock('bench');
  const rlock = m.RLock('bench');
  const sem = m.Semaphore('bench', 4);
  const rows: [string, { mean: number; p50: number }][] = [
    ['ioredis PING (the floor)', floor],
    [
      'RedisLock acquire+release',
      await measure(async () => {
        await lock.acquire();
        await lock.release();
      }),
    ],
    [
      'RedisRLock acquire+release',
      await measure(async () => {
        await rlock.acquire();
        await rlock.release();
      }),
    ],
    [
      'RedisSemaphore acquire+release',
      await measure(async () => {
        await sem.acquire();
        await sem.release();
      }),
    ],
  ];
  console.log(`\nsequential round trips on loopback, best of 3 × ${N} (µs per operation)`);
  for (const [name, r] of rows) {
    const x = r.mean / floor.mean;
    console.log(
      `  ${name.padEnd(32)} mean ${r.mean.toFixed(1).padStart(7)}  p50 ${r.p50.toFixed(1).padStart(7)}  ×PING ${x.toFixed(2)} (p50 ${(r.p50 / floor.p50).toFixed(2)})`,
    );
  }
  const lockRow = rows[1]![1];
  console.log(
    `  RedisLock acquire+release / PING = ${(lockRow.mean / floor.mean).toFixed(2)} (mean), ${(lockRow.p50 / floor.p50).toFixed(2)} (p50)  (target ≤ 2.5)`,
  );
} finally {
  await srv.stop();
}
