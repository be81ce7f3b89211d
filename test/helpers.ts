/**
 * Shared helpers for skein's tests.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The seed of this run's randomized tests: `SKEIN_SEED` when set (to replay a failure), else a
 * random one. Tests print it.
 */
export const SEED = Number(process.env.SKEIN_SEED ?? Math.floor(Math.random() * 2 ** 31));

/**
 * A small seeded generator (mulberry32): floats in [0, 1). (Code sent to a worker as source
 * text carries its own copy: it cannot import this.)
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let pythonFound: boolean | undefined;
/**
 * Whether `python3` can be run here (asked once, on the first call). Tests that compare with
 * Python skip without it — reported as skipped, never a silent pass:
 * `test(name, { skip: !hasPython() && NO_PYTHON }, ...)`.
 */
export function hasPython(): boolean {
  pythonFound ??= spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
  return pythonFound;
}

/** The reason printed for a test skipped because {@link hasPython} is false. */
export const NO_PYTHON = 'python3 is not installed';

/**
 * Polls `predicate` (sync or async) on later turns of the event loop — a few immediate turns, then
 * short timers — until it holds. `timeout` (ms) is a deadlock guard, never a sleep: when it runs
 * out, throws an Error naming `what`. An error thrown by `predicate` is passed on.
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  { timeout = 120_000, what = 'the condition held' }: { timeout?: number; what?: string } = {},
): Promise<void> {
  const end = performance.now() + timeout;
  for (let turn = 0; !(await predicate()); turn++) {
    if (performance.now() > end) throw new Error(`timed out after ${timeout} ms waiting until ${what}`);
    await new Promise((r) => (turn < 10 ? setImmediate(r) : setTimeout(r, Math.min(turn - 9, 10))));
  }
}

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script (`.ts` via tsx, `.mjs`/`.js` plain) in a fresh Node process and collects its output. */
export function runNode(
  file: string,
  args: string[] = [],
  options: { input?: string; timeout?: number; env?: Record<string, string> } = {},
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  const execArgv = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, file, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${file} did not finish within ${options.timeout ?? 600_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, options.timeout ?? 600_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Asserts that `promise` rejects with an instance of `cls` whose message matches `message`. */
export async function rejectsWith(
  promise: Promise<unknown> | (() => Promise<unknown>),
  cls: abstract new (...args: never[]) => Error,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(
      err instanceof cls,
      `expected ${cls.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`,
    );
    if (message) assert.match((err as Error).message, message);
    return true;
  });
}

/** Active resources, as a multiset (name → count), for before/after leak checks. */
export function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** The resources active now beyond those in `before`, as `name×count`. */
export function newResources(before: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [k, n] of resources())
    if (n > (before.get(k) ?? 0)) extra.push(`${k}×${n - (before.get(k) ?? 0)}`);
  return extra;
}

/** Asserts that no resource is active now that was not active in `before`. */
export function assertNoNewResources(before: Map<string, number>): void {
  const extra = newResources(before);
  assert.deepEqual(extra, [], `resources left behind: ${extra.join(', ')}`);
}

/**
 * Waits (polling, see {@link until}) until no resource is active that was not in `before` — a
 * closed handle goes on a later turn — then asserts it, naming what is left after `timeout` ms.
 */
export async function untilNoNewResources(before: Map<string, number>, timeout = 30_000): Promise<void> {
  await until(() => newResources(before).length === 0, { timeout, what: 'no new resource is active' }).catch(
    () => {},
  );
  assertNoNewResources(before);
}

/** Runs `fn` and returns what was written to this process's stderr meanwhile (not passed on). */
export async function capturingStderr(fn: () => Promise<void>): Promise<string> {
  const writes: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    writes.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return writes.join('');
}
