// The engine under Thread, Process and the pools: one worker client over either transport.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawnProcess } from '../../dist/core/process-transport.js';
import { encodeValue } from '../../dist/core/serialize.js';
import { task, toTaskSpec } from '../../dist/core/task.js';
import { spawnThread } from '../../dist/core/thread-transport.js';
import type { Transport } from '../../dist/core/transport.js';
import { WorkerClient } from '../../dist/core/worker-client.js';
import { WorkerDiedError } from '../../dist/index.js';
import { assertNoNewResources, resources } from '../helpers.ts';

const tasks = new URL('../fixtures/tasks.js', import.meta.url);
const tsTasks = new URL('../fixtures/tasks-ts.ts', import.meta.url);
const identity = { ident: 999, name: 'test-worker', daemon: true, nativeId: 0, kind: 'worker' as const };

const transports: Array<[string, () => Transport]> = [
  ['thread', () => spawnThread({ identity })],
  ['process', () => spawnProcess({ name: 'test-worker', daemon: true })],
];

async function call(client: WorkerClient, fn: unknown, ...args: unknown[]) {
  const dest = client.transport.kind;
  const enc = encodeValue(args, dest, 'args');
  return client.call(toTaskSpec(fn), enc.value, { shared: enc.shared });
}

for (const [kind, spawn] of transports) {
  describe(`the ${kind} transport`, { timeout: 1_800_000 }, () => {
    test('runs sync and async, inline and module tasks, returning every cloneable type', async () => {
      const before = resources();
      const client = new WorkerClient(spawn(), kind);
      const value = {
        big: 12345678901234567890n,
        date: new Date(5),
        map: new Map([['k', new Set([1])]]),
        bytes: new Uint16Array([1, 65535]),
        nested: { deep: [null, undefined, -0, Number.NaN] },
      };
      const echo = await call(client, (v: unknown) => v, value);
      assert.ok(echo.ok);
      assert.deepEqual(echo.value, value);
      const asyncInline = await call(
        client,
        async (n: number) => {
          await new Promise((r) => setTimeout(r, 1));
          return n + 1;
        },
        1,
      );
      assert.deepEqual(asyncInline, { ok: true, value: 2, idle: undefined });
      const mod = await call(client, task(tasks, 'slowDouble'), 21);
      assert.equal(mod.ok && mod.value, 42);
      const ts = await call(client, task(tsTasks, 'later'), 'q');
      assert.equal(ts.ok && ts.value, 'ts:q');
      // Module state persists within one worker.
      const c1 = await call(client, task(tasks, 'count'));
      const c2 = await call(client, task(tasks, 'count'));
      assert.equal(c1.ok && c2.ok && (c2.value as number) - (c1.value as number), 1);
      await client.transport.kill();
      assertNoNewResources(before);
    });

    test('keeps serving other tasks while one awaits', async () => {
      const client = new WorkerClient(spawn(), kind);
      const slow = call(client, () => new Promise((r) => setTimeout(() => r('slow'), 300)));
      const fast = await call(client, () => 'fast');
      assert.equal(fast.ok && fast.value, 'fast');
      assert.equal(client.inFlight, 1);
      assert.equal((await slow).ok, true);
      await client.transport.kill();
    });

    test('custom errors return with name, code, cause and remote stack', async () => {
      const client = new WorkerClient(spawn(), `${kind} "w"`);
      const r = await call(client, task(tasks, 'failWithCause'));
      assert.equal(r.ok, false);
      if (r.ok) return;
      const e = r.error as Error & { code: string; detail: unknown };
      assert.equal(e.name, 'CustomError');
      assert.equal(e.code, 'E_CUSTOM');
      assert.deepEqual(e.detail, { answer: 42 });
      assert.ok(e.cause instanceof RangeError);
      assert.match(e.stack ?? '', /failWithCause[\s\S]*raised in .*"w", received here/);
      await client.transport.kill();
    });

    test('a result that cannot be cloned is a TypeError naming its path', async () => {
      const client = new WorkerClient(spawn(), kind);
      const r = await call(client, () => ({ ok: 1, cb: () => 0 }));
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.error.message : '', /^result\.cb cannot be sent/);
      assert.ok(!r.ok && r.error instanceof TypeError);
      await client.transport.kill();
    });

    test('a worker that exits fails the tasks it held with WorkerDiedError, once', async () => {
      const client = new WorkerClient(spawn(), kind);
      const held = call(client, () => new Promise(() => {}));
      const r = await call(client, () => process.exit(7));
      const h = await held;
      for (const x of [r, h]) {
        assert.equal(x.ok, false);
        const err = !x.ok ? (x.error as WorkerDiedError) : undefined;
        assert.ok(err instanceof WorkerDiedError);
        assert.equal(err.exitCode, 7);
        assert.equal(err.code, 'ERR_SKEIN_WORKER_DIED');
      }
      // After death, calls fail at once instead of hanging.
      const late = await call(client, () => 1);
      assert.ok(!late.ok && late.error instanceof WorkerDiedError);
    });

    test('an uncaught error in a timer kills the worker and is the reason given', async () => {
      const client = new WorkerClient(spawn(), kind);
      const r = await call(client, () => {
        setTimeout(() => {
          throw new SyntaxError('from a timer');
        }, 1);
        return new Promise(() => {});
      });
      assert.ok(!r.ok && r.error instanceof WorkerDiedError);
      const err = !r.ok ? (r.error as WorkerDiedError) : undefined;
      assert.equal(err?.reason, 'uncaught-error');
      assert.match(err?.message ?? '', /died of an uncaught error: from a timer/);
      assert.ok(err?.cause instanceof SyntaxError);
    });

    test('kill() ends it and pending tasks fail as terminated', async () => {
      const client = new WorkerClient(spawn(), kind);
      const pending = call(client, () => new Promise(() => {}));
      const exit = await client.transport.kill();
      assert.equal(exit.reason, 'terminated');
      const r = await pending;
      assert.ok(!r.ok && r.error instanceof WorkerDiedError && r.error.reason === 'terminated');
    });
  });
}

describe('thread-only failures', { timeout: 1_800_000 }, () => {
  test('running out of memory is reported as such', async () => {
    const client = new WorkerClient(
      spawnThread({ identity, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } }),
      'thread',
    );
    const r = await call(client, () => {
      const hog: unknown[] = [];
      for (;;) hog.push({ a: Math.random(), b: [1, 2, 3] });
    });
    assert.ok(!r.ok && r.error instanceof WorkerDiedError);
    assert.equal(!r.ok && (r.error as WorkerDiedError).reason, 'out-of-memory');
    assert.match(!r.ok ? r.error.message : '', /ran out of memory/);
  });
});
