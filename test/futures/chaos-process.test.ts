// Chaos on the process transport: CHAOS_PROCESS_TASKS (default 1,000 — a forked child boots in
// ~0.2–0.8 s, so this keeps the test near 10 s on 2 cores) tasks, ~1% of which crash their child
// by process.exit, an uncaught error in a timer, SIGKILL, or a per-task timeout. Every future
// settles exactly once; the pool returns to full size; nothing is left after shutdown.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Future, ProcessPoolExecutor, TimeoutError, task, WorkerDiedError } from 'skein/futures';
import { resources, rng, SEED, until, untilNoNewResources } from '../helpers.ts';

const tasks = new URL('../fixtures/futures-tasks.mjs', import.meta.url);
const crash = task<(how: string) => string>(tasks, 'crash');
const N = Number(process.env.CHAOS_PROCESS_TASKS ?? 1000);

describe('chaos (processes)', { timeout: 1_800_000 }, () => {
  test(`${N} tasks, ~1% crash their child four ways (seed ${SEED})`, async (t) => {
    const ctx = `seed ${SEED} (replay with SKEIN_SEED=${SEED})`;
    t.diagnostic(ctx);
    const before = resources();
    const random = rng(SEED);
    const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const ways = ['exit', 'timer', 'kill', 'terminate'] as const;
    const count = new Map<Future<unknown>, number>();
    const entries: { f: Future<unknown>; crash: boolean; i: number }[] = [];
    for (let i = 0; i < N; i++) {
      let f: Future<unknown>;
      const isCrash = random() < 0.01;
      if (isCrash) {
        const how = ways[Math.floor(random() * 4)]!;
        f =
          how === 'terminate'
            ? pool.submitWith({ timeout: 50 }, () => {
                for (;;);
              })
            : pool.submit(crash, how);
      } else f = pool.submit((x: number) => x * 2, i);
      count.set(f, 0);
      f.addDoneCallback((g) => count.set(g, (count.get(g) ?? 0) + 1));
      entries.push({ f, crash: isCrash, i });
    }
    const outcomes = await Promise.allSettled(entries.map((e) => e.f.result()));
    let collateral = 0;
    outcomes.forEach((o, k) => {
      const e = entries[k]!;
      if (o.status === 'fulfilled') {
        assert.ok(!e.crash, `${ctx}: crash task ${e.i} succeeded`);
        assert.equal(o.value, e.i * 2, ctx);
        return;
      }
      const err = o.reason as Error & { code?: string };
      assert.ok(err instanceof WorkerDiedError || err instanceof TimeoutError, `${ctx}: task ${e.i}: ${err}`);
      assert.ok(err.code === 'ERR_SKEIN_WORKER_DIED' || err.code === 'ERR_SKEIN_TIMEOUT', ctx);
      if (!e.crash) collateral++;
    });
    for (const [, n] of count) assert.equal(n, 1, `${ctx}: a future settled ${n} times`);
    t.diagnostic(`${entries.filter((e) => e.crash).length} crashes, ${collateral} collateral failures`);
    await until(() => pool.metrics().workers >= 2, { what: `the pool is back to 2 workers (${ctx})` });
    assert.equal(await pool.submit(() => 'still serving'), 'still serving');
    await pool.shutdown();
    await untilNoNewResources(before);
  });
});
