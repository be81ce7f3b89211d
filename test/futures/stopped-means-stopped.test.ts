// Issue 12 §2: a future rejected because its task was stopped (per-task `timeout` or `signal`)
// settles only once the task's worker has exited — nothing the task does can be observed after
// the rejection. Before the fix the pool settled first and ended the worker afterwards, and a
// counter the task kept incrementing still moved for up to ~19 ms (4 of 30 runs).
//
// Observation window: after each rejection the test reads the counter, then submits a task to
// the pool that reads it again. That task runs on the *replacement* worker, whose start-up
// takes far longer than the old leak window; if the stopped task were still running the two
// readings would differ. Seeded (SKEIN_SEED), bounded; longer with SKEIN_STRESS=1.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ProcessPoolExecutor, ThreadPoolExecutor, TimeoutError } from 'skein/futures';
import { rng, SEED } from '../helpers.ts';

const LONG = process.env.SKEIN_STRESS === '1';

describe('a stopped task is stopped when its future rejects', { timeout: 600_000 }, () => {
  test(`thread pool: the counter never moves after the rejection (seed ${SEED})`, async (t) => {
    t.diagnostic(`seed ${SEED} (replay with SKEIN_SEED=${SEED})`);
    const random = rng(SEED);
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    try {
      const runs = LONG ? 300 : 16;
      for (let i = 0; i < runs; i++) {
        const byTimeout = random() < 0.5;
        const ms = 1 + Math.floor(random() * 30);
        const ac = new AbortController();
        const spin = (c: Int32Array) => {
          for (;;) Atomics.add(c, 0, 1);
        };
        const f = byTimeout
          ? pool.submitWith({ timeout: ms }, spin, counter)
          : pool.submitWith({ signal: ac.signal }, spin, counter);
        if (!byTimeout) {
          // Abort once the task is really running (the counter moved), after a random delay.
          while (Atomics.load(counter, 0) === 0) await new Promise((r) => setImmediate(r));
          setTimeout(() => ac.abort(new Error('stop')), ms);
        }
        await assert.rejects(f.result(), (err: Error) =>
          byTimeout ? err instanceof TimeoutError : err.message === 'stop',
        );
        const atRejection = Atomics.load(counter, 0);
        const later = await pool.submit((c: Int32Array) => Atomics.load(c, 0), counter);
        assert.equal(
          later,
          atRejection,
          `run ${i} (${byTimeout ? 'timeout' : 'abort'} after ${ms} ms, seed ${SEED}): the stopped task kept running`,
        );
        Atomics.store(counter, 0, 0);
      }
    } finally {
      await pool.shutdown();
    }
  });

  test(`process pool: the file never grows after the rejection (seed ${SEED})`, async (t) => {
    t.diagnostic(`seed ${SEED} (replay with SKEIN_SEED=${SEED})`);
    const random = rng(SEED + 1);
    const dir = mkdtempSync(join(tmpdir(), 'skein-stopped-'));
    const file = join(dir, 'count');
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    try {
      const runs = LONG ? 60 : 3;
      for (let i = 0; i < runs; i++) {
        writeFileSync(file, '');
        const ms = 20 + Math.floor(random() * 60);
        const f = pool.submitWith(
          { timeout: ms },
          async (path: string) => {
            const fs = await import('node:fs');
            for (;;) fs.appendFileSync(path, 'x');
          },
          file,
        );
        await assert.rejects(f.result(), TimeoutError);
        const atRejection = statSync(file).size;
        const later = await pool.submit(async (path: string) => {
          const fs = await import('node:fs');
          return fs.statSync(path).size;
        }, file);
        assert.equal(
          later,
          atRejection,
          `run ${i} (timeout ${ms} ms, seed ${SEED}): the stopped task kept running`,
        );
        appendFileSync(file, ''); // the file stays ours
      }
    } finally {
      await pool.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('process pool: a task that handles SIGTERM is stopped all the same (SIGKILL follows)', async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    try {
      const f = pool.submitWith({ timeout: 50 }, () => {
        process.on('SIGTERM', () => {});
        for (;;);
      });
      await assert.rejects(f.result(), TimeoutError);
      // The pool goes on with a new worker.
      assert.equal(await pool.submit((n: number) => n + 1, 1), 2);
    } finally {
      await pool.shutdown();
    }
  });
});
