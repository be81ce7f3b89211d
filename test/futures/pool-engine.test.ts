// Engine behaviours seen through ThreadPoolExecutor: reruns after a crash, idle timeout,
// prestart, the fast path's fallback.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThreadPoolExecutor, task, WorkerDiedError } from 'skein/futures';
import { until } from '../helpers.ts';

const tasks = new URL('../fixtures/futures-tasks.mjs', import.meta.url);
const crash = task<(how: string) => string>(tasks, 'crash');

describe('pool engine', { timeout: 1_800_000 }, () => {
  test('tasks pipelined behind a crashing task are rerun elsewhere, not failed (regression: collateral failures)', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await pool.submit(crash, 'none'); // load the module task in the worker
    // Grow the worker's window so that the next burst travels in one message.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.submit((x: number) => x, i)));
    const before = Array.from({ length: 20 }, (_, i) => pool.submit((x: number) => x, i));
    const bomb = pool.submit(crash, 'exit');
    const behind = Array.from({ length: 20 }, (_, i) => pool.submit((x: number) => x + 100, i));
    const e = await bomb.exception();
    assert.ok(e instanceof WorkerDiedError);
    assert.equal(e.code, 'ERR_SKEIN_WORKER_DIED');
    assert.deepEqual(
      await Promise.all(before),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual(
      await Promise.all(behind),
      Array.from({ length: 20 }, (_, i) => i + 100),
    );
  });

  test('the same after an out-of-memory death (no handler runs; the progress word tells)', async () => {
    await using pool = new ThreadPoolExecutor({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 },
    });
    await pool.submit(crash, 'none');
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.submit((x: number) => x, i)));
    const bomb = pool.submit(crash, 'oom');
    const behind = Array.from({ length: 20 }, (_, i) => pool.submit((x: number) => x * 2, i));
    const e = await bomb.exception();
    assert.ok(e instanceof WorkerDiedError);
    assert.equal((e as WorkerDiedError).reason, 'out-of-memory');
    assert.deepEqual(
      await Promise.all(behind),
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
  });

  test('idle workers stop after idleTimeout and start again on demand', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2, idleTimeout: 30 });
    await Promise.all([pool.submit(() => 1), pool.submit(() => 2)]);
    assert.equal(pool.metrics().workers, 2);
    await until(() => pool.metrics().workers === 0, { what: 'the idle workers stopped' });
    assert.equal(await pool.submit((x: number) => x * 3, 3), 9);
  });

  test('prestart starts every worker at construction', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2, prestart: true });
    assert.equal(pool.metrics().workers, 2);
  });

  test('the fast path never starves the event loop (regression: sequential awaits blocked timers)', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1, prestart: true });
    // Sequential awaits go on until a timer has fired several times. With the regression the
    // timers never got a turn and the loop ran into its bound; no clock reading is involved.
    let fired = 0;
    const timer = setInterval(() => fired++, 1);
    let calls = 0;
    try {
      while (fired < 5 && calls < 200_000) await pool.submit((x: number) => x + 1, calls++);
    } finally {
      clearInterval(timer);
    }
    assert.ok(fired >= 5, `${fired} timer turns during ${calls} sequential calls`);
  });

  test('sequential calls of long tasks fall back from spinning and still settle', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    for (let i = 0; i < 20; i++) {
      const r = await pool.submit(
        (ms: number) => new Promise<number>((res) => setTimeout(() => res(ms), ms)),
        2,
      );
      assert.equal(r, 2);
    }
    for (let i = 0; i < 200; i++) assert.equal(await pool.submit((x: number) => x + 1, i), i + 1);
  });
});
