// ProcessPoolExecutor: the same engine on child processes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BrokenProcessPool, ProcessPoolExecutor, task, WorkerDiedError } from 'skein/futures';

const tasks = new URL('../fixtures/futures-tasks.mjs', import.meta.url);

describe('ProcessPoolExecutor', { timeout: 1_800_000 }, () => {
  test('runs tasks in child processes, map with chunks', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const pid = await pool.submit(() => process.pid);
    assert.notEqual(pid, process.pid);
    const out: number[] = [];
    for await (const r of pool.map(task<(x: number) => number>(tasks, 'square'), [1, 2, 3, 4, 5], {
      chunksize: 2,
    }))
      out.push(r);
    assert.deepEqual(out, [1, 4, 9, 16, 25]);
    assert.deepEqual(await pool.submit((m: Map<string, bigint>) => m.get('a'), new Map([['a', 5n]])), 5n);
  });

  test('a SharedArrayBuffer argument is a TypeError at submit', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    assert.throws(() => pool.submit((b: SharedArrayBuffer) => b, new SharedArrayBuffer(8)), TypeError);
  });

  test('maxTasksPerChild replaces the process after that many tasks', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1, maxTasksPerChild: 2 });
    const pids: number[] = [];
    for (let i = 0; i < 6; i++) pids.push(await pool.submit(() => process.pid));
    assert.equal(new Set(pids).size, 3, String(pids));
    assert.equal(pids[0], pids[1]);
    assert.notEqual(pids[1], pids[2]);
  });

  test('a killed child fails its task with WorkerDiedError (signal) and the pool goes on', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const e = await pool.submit(task<(how: string) => string>(tasks, 'crash'), 'kill').exception();
    assert.ok(e instanceof WorkerDiedError, String(e));
    assert.equal((e as WorkerDiedError).signal, 'SIGKILL');
    const e2 = await pool.submit(() => process.exit(4)).exception();
    assert.equal((e2 as WorkerDiedError).exitCode, 4);
    assert.equal(await pool.submit((x: number) => x + 1, 1), 2);
  });

  test('a failing initializer breaks the pool with BrokenProcessPool', async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1, initializer: task(tasks, 'failInit') });
    const e = await pool.submit(() => 1).exception();
    assert.ok(e instanceof BrokenProcessPool, String(e));
    assert.equal((e as BrokenProcessPool).code, 'ERR_SKEIN_BROKEN_PROCESS_POOL');
    assert.throws(() => pool.submit(() => 1), BrokenProcessPool);
    await pool.shutdown();
  });

  test('per-task timeout kills and replaces the process', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const first = await pool.submit(() => process.pid);
    const e = await pool
      .submitWith({ timeout: 100 }, () => {
        for (;;);
      })
      .exception();
    assert.equal((e as Error & { code?: string }).code, 'ERR_SKEIN_TIMEOUT');
    assert.notEqual(await pool.submit(() => process.pid), first);
  });
});
