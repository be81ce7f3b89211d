/**
 * `npm run bench -- redis-lock`: RedisLock acquire+release beside the Redis floor.
 *
 * On a private redis-server on loopback (started here, like the tests'), sequentially:
 * 1. `PING` round trips from ioredis — the floor any Redis-backed operation pays;
 * 2. uncontended `await lock.acquire(); await lock.release()` on a RedisLock — two round trips
 *    (a script each), plus starting and stopping the lease renewal;
 * 3. the same with an RLock and a Semaphore, for comparison.
 * Target (issue 15 §5): acquire+release ≤ 2.5× the PING round trip (p50 and mean).
 * Best of 3 runs of N operations each, interleaved.
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

/** Mean and p50 (µs) of one run of N sequential `op`s. */
async function run(op: () => Promise<unknown>): Promise<{ mean: number; p50: number }> {
  const lat = new Float64Array(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await op();
    lat[i] = performance.now() - s;
  }
  return { mean: ((performance.now() - t0) * 1000) / N, p50: lat.sort()[N >> 1]! * 1000 };
}

/**
 * Best of 3 for each op, the ops' runs interleaved (round 1 of each, then round 2 …), so that a
 * machine whose load changes during the benchmark weighs on every op alike.
 */
async function measure(ops: (() => Promise<unknown>)[]): Promise<{ mean: number; p50: number }[]> {
  for (const op of ops) for (let i = 0; i < 500; i++) await op();
  const best = ops.map(() => ({ mean: Number.POSITIVE_INFINITY, p50: Number.POSITIVE_INFINITY }));
  for (let round = 0; round < 3; round++) {
    for (const [i, op] of ops.entries()) {
      const r = await run(op);
      best[i] = { mean: Math.min(best[i]!.mean, r.mean), p50: Math.min(best[i]!.p50, r.p50) };
    }
  }
  return best;
}

try {
  const ping = new Redis(srv.port, '127.0.0.1');
  await using m = await RedisManager.connect({ connection: srv.connection, namespace: 'bench' });
  const lock = m.Lock('bench');
  const rlock = m.RLock('bench');
  const sem = m.Semaphore('bench', 4);
  const names = [
    'ioredis PING (the floor)',
    'RedisLock acquire+release',
    'RedisRLock acquire+release',
    'RedisSemaphore acquire+release',
  ];
  const results = await measure([
    () => ping.ping(),
    async () => {
      await lock.acquire();
      await lock.release();
    },
    async () => {
      await rlock.acquire();
      await rlock.release();
    },
    async () => {
      await sem.acquire();
      await sem.release();
    },
  ]);
  ping.disconnect();
  const floor = results[0]!;
  const rows = names.map((n, i) => [n, results[i]!] as const);
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
