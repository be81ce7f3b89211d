/**
 * Shared helpers for skein's tests.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

/** Asserts that no resource is active now that was not active in `before`. */
export function assertNoNewResources(before: Map<string, number>): void {
  const now = resources();
  const extra: string[] = [];
  for (const [k, n] of now) if (n > (before.get(k) ?? 0)) extra.push(`${k}×${n - (before.get(k) ?? 0)}`);
  assert.deepEqual(extra, [], `resources left behind: ${extra.join(', ')}`);
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
