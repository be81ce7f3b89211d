import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  configureDiagnostics,
  DeadlockError,
  diagnosticsConfig,
  dumpThreads,
  Event,
  findDeadlocks,
  formatThreadDump,
  Lock,
  RLock,
  Semaphore,
  Thread,
} from 'skein';
import * as diagnostics from 'skein/diagnostics';
import { runNode } from '../helpers.ts';

const PROGRAM = 'test/fixtures/diagnostics-program.mjs';

/** Runs one scenario of the fixture program; returns its JSON line and its stderr. */
async function scenario(
  name: string,
  ...args: string[]
): Promise<{ out: Record<string, unknown>; stderr: string }> {
  const r = await runNode(PROGRAM, [name, ...args], { timeout: 120_000 });
  assert.equal(r.code, 0, `scenario ${name} failed:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return { out: JSON.parse(line) as Record<string, unknown>, stderr: r.stderr };
}

describe('skein/diagnostics', { timeout: 300_000 }, () => {
  test('the entry exports the diagnostics API, also from the root', () => {
    for (const name of [
      'dumpThreads',
      'formatThreadDump',
      'dumpThreadsOnSignal',
      'findDeadlocks',
      'configureDiagnostics',
    ])
      assert.equal(typeof (diagnostics as Record<string, unknown>)[name], 'function', name);
    assert.equal(diagnostics.findDeadlocks, findDeadlocks);
  });

  test('names: given names, stable Kind#id otherwise, the same in every thread, in toString()', async () => {
    const fork = new Lock({ name: 'fork' });
    const anon = new Lock();
    assert.equal(fork.name, 'fork');
    assert.match(anon.name, /^Lock#\d+$/);
    assert.equal(String(fork), "<Lock 'fork' unlocked>");
    await fork.acquire();
    assert.match(String(fork), /^<Lock 'fork' locked by MainThread \(ident 1\)>$/);
    fork.release();
    assert.equal(new RLock({ name: 'r' }).name, 'r');
    assert.equal(new Semaphore(4, { name: 'db' }).name, 'db');
    assert.equal(String(new Semaphore(4, { name: 'db' })), "<Semaphore 'db' value=4>");
    assert.equal(new BoundedSemaphore(2, { name: 'b' }).name, 'b');
    assert.equal(new Event({ name: 'go' }).name, 'go');
    assert.equal(new Condition(undefined, { name: 'c' }).name, 'c');
    assert.equal(new Barrier(2, { name: 'bar' }).name, 'bar');
    const t = new Thread({ target: (a: Lock, b: Lock) => [a.name, b.name], args: [fork, anon] });
    t.start();
    assert.deepEqual(await t.result(), ['fork', anon.name]);
  });

  test('a bad name or options object is a TypeError', () => {
    assert.throws(() => new Lock({ name: 3 as unknown as string }), TypeError);
    assert.throws(() => new Lock('fork' as unknown as { name: string }), TypeError);
    assert.throws(() => new Semaphore(1, { name: {} as unknown as string }), TypeError);
    assert.throws(() => new Event(7 as unknown as { name: string }), TypeError);
  });

  test('configureDiagnostics: validates and applies process-wide', () => {
    const before = diagnosticsConfig();
    try {
      assert.throws(() => configureDiagnostics({ deadlock: 'loud' as 'off' }), TypeError);
      assert.throws(() => configureDiagnostics({ deadlockTimeout: -1 }), RangeError);
      assert.throws(() => configureDiagnostics({ deadlockTimeout: '5' as unknown as number }), TypeError);
      assert.throws(
        () => configureDiagnostics({ warnMainThreadBlocked: 'no' as unknown as boolean }),
        TypeError,
      );
      assert.throws(
        () => configureDiagnostics({ deadlock_timeout: 5 } as never),
        /did you mean deadlockTimeout/,
      );
      configureDiagnostics({ deadlock: 'raise', deadlockTimeout: 250 });
      assert.deepEqual(diagnosticsConfig(), { ...before, deadlock: 'raise', deadlockTimeout: 250 });
    } finally {
      configureDiagnostics(before);
    }
  });

  test('no deadlock and no waits: the dump shows the main thread running', () => {
    assert.deepEqual(findDeadlocks(), []);
    const main = dumpThreads().find((t) => t.kind === 'main');
    assert.equal(main?.name, 'MainThread');
    assert.equal(main?.state, 'running');
    assert.match(formatThreadDump(), /"MainThread" ident=1 main {2}RUNNABLE/);
  });

  test('dumps name every thread and what it waits on: sync and async waits, pool workers', async () => {
    const { out } = await scenario('dump');
    const threads = out.threads as Array<{
      name: string;
      kind: string;
      state: string;
      waitingOn: {
        kind: string;
        name: string;
        call: string;
        sync: boolean;
        owner: { name: string } | null;
        stack: string;
      } | null;
      holding: Array<{ name: string }>;
    }>;
    const by = new Map(threads.map((t) => [t.name, t]));
    assert.deepEqual(
      by.get('MainThread')?.holding.map((h) => h.name),
      ['gate'],
    );
    const sync = by.get('sync-waiter');
    assert.equal(sync?.state, 'waiting');
    assert.equal(sync?.waitingOn?.kind, 'Lock');
    assert.equal(sync?.waitingOn?.name, 'gate');
    assert.equal(sync?.waitingOn?.call, 'acquireSync');
    assert.equal(sync?.waitingOn?.sync, true);
    assert.equal(sync?.waitingOn?.owner?.name, 'MainThread');
    assert.match(sync?.waitingOn?.stack ?? '', /at /);
    const asyncW = by.get('async-waiter');
    assert.equal(asyncW?.waitingOn?.kind, 'Event');
    assert.equal(asyncW?.waitingOn?.name, 'never');
    assert.equal(asyncW?.waitingOn?.sync, false);
    const worker = threads.find((t) => t.kind === 'worker');
    assert.ok(worker, 'the pool worker is in the dump');
    assert.match(worker.name, /^diag-pool/);
    assert.equal(worker.waitingOn?.name, 'gate');
  });

  test('a cycle of 5 (the philosophers) is found, with every thread and lock named', async () => {
    const { out } = await scenario('five-dump');
    const cycles = out.cycles as string[][];
    assert.equal(cycles.length, 1);
    assert.equal(cycles[0]?.length, 5);
    for (let i = 0; i < 5; i++) {
      assert.ok(
        cycles[0]?.includes(`philosopher-${i}>Lock:fork-${(i + 1) % 5}>philosopher-${(i + 1) % 5}`),
        JSON.stringify(cycles),
      );
    }
  });

  test("'report' prints the cycle once, as ERR_SKEIN_DEADLOCK_DETECTED, and goes on waiting", async () => {
    const { out, stderr } = await scenario('two-report');
    assert.deepEqual(out.cycles, out.again, 'the threads are still deadlocked after the report');
    assert.equal(stderr.match(/ERR_SKEIN_DEADLOCK_DETECTED/g)?.length, 1, stderr);
    assert.match(stderr, /philosopher-0 \(ident \d+\) waits for Lock 'fork-1' held by philosopher-1/);
  });

  test("'raise' fails exactly one waiter of the cycle; the others proceed", async () => {
    const { out } = await scenario('five-raise');
    const results = out.results as Array<string | { error: string; code: string; cycle: string[] }>;
    const failed = results.filter((r) => typeof r !== 'string');
    assert.equal(failed.length, 1, JSON.stringify(results));
    assert.equal(results.filter((r) => r === 'ate').length, 4);
    const f = failed[0] as { error: string; code: string; cycle: string[] };
    assert.equal(f.error, 'DeadlockError');
    assert.equal(f.code, 'ERR_SKEIN_DEADLOCK');
    assert.equal(f.cycle.length, 5);
  });

  test('a mixed cycle through Lock, RLock and Semaphore permits held with hold()', async () => {
    const { out } = await scenario('mixed-raise');
    const results = out.results as Array<string | { error: string; cycle: string[] }>;
    const failed = results.filter((r) => typeof r !== 'string') as Array<{ error: string; cycle: string[] }>;
    assert.equal(failed.length, 1, JSON.stringify(results));
    assert.deepEqual([...(failed[0]?.cycle ?? [])].sort(), [
      'T-A>Semaphore:S>T-S',
      'T-R>Lock:A>T-A',
      'T-S>RLock:R>T-R',
    ]);
  });

  test("a cycle through a Condition's lock", async () => {
    const { out } = await scenario('condition-lock');
    assert.deepEqual([...(out.results as string[])].sort(), ['DeadlockError', 'ok']);
  });

  test('the main thread’s async tasks count as the main thread', async () => {
    const { out } = await scenario('main-async');
    const outcomes = [out.main, out.thread];
    assert.equal(outcomes.filter((o) => typeof o !== 'string').length, 1, JSON.stringify(out));
  });

  test('no false positive for a long but live wait (a lock held 3 s by a running thread)', async () => {
    const { out, stderr } = await scenario('live-wait');
    assert.deepEqual(out, { got: true, seen: 0, thread: true });
    assert.doesNotMatch(stderr, /DEADLOCK/);
  });

  test('a …Sync wait blocking the main thread warns once; the switch silences it', async () => {
    const loud = await scenario('main-blocked');
    const warnings = loud.out.warnings as Array<{ code: string; message: string }>;
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.code, 'ERR_SKEIN_MAIN_THREAD_BLOCKED');
    assert.match(warnings[0]?.message ?? '', /acquireSync\(\) on Lock 'slow'/);
    const quiet = await scenario('main-blocked', 'quiet');
    assert.deepEqual(quiet.out.warnings, []);
  });

  test('an operator can switch modes through the environment', async () => {
    const r = await runNode('test/fixtures/diagnostics-env.mjs', [], {
      env: { SKEIN_DEADLOCK: 'raise', SKEIN_DEADLOCK_TIMEOUT: '300' },
      timeout: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      deadlock: 'raise',
      deadlockTimeout: 300,
      warnMainThreadBlocked: true,
    });
  });

  test('DeadlockError is still thrown for a self-deadlocking acquireSync, with no cycle', () => {
    const l = new Lock();
    l.acquireSync();
    try {
      assert.throws(
        () => l.acquireSync(),
        (e: unknown) => e instanceof DeadlockError && e.cycle === undefined,
      );
    } finally {
      l.release();
    }
  });
});
