// Issue 16 §3: a cycle through Manager locks across two processes is found by the manager's
// server, which knows every holder and waiter: 'raise' fails exactly one of the two waits with
// a DeadlockError naming both threads and both locks, and the other proceeds; 'report' prints
// the cycle once and the waits go on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { ROOT, runNode } from '../helpers.ts';

const PROGRAM = 'test/fixtures/manager-deadlock-program.mjs';

describe('deadlocks through manager locks (issue 16)', { timeout: 300_000 }, () => {
  test("'raise': one of the two processes fails with DeadlockError, the other eats", async () => {
    const r = await runNode(PROGRAM, ['raise'], { timeout: 240_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    const ate = lines.filter((l) => / ate$/.test(l));
    const failed = lines.filter((l) => / DeadlockError /.test(l));
    assert.equal(ate.length, 1, r.stdout);
    assert.equal(failed.length, 1, r.stdout);
    const [line] = failed as [string];
    assert.match(line, /ERR_SKEIN_DEADLOCK cycle=2 deadlock detected through manager locks/);
    // Both threads (with their processes) and both locks are named.
    assert.equal(
      line.match(
        /MainThread of (left|right) \(pid \d+\) waits for manager Lock \w+ held by MainThread of (left|right) \(pid \d+\)/g,
      )?.length,
      2,
    );
  });

  test("'report': the cycle is printed once, and the waits go on", async () => {
    const child = spawn(process.execPath, [PROGRAM, 'report'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    const reported = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (/ERR_SKEIN_DEADLOCK_DETECTED/.test(stderr)) resolve();
      });
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await reported;
    // A second check would find the same cycle: give it the time to (not) print again.
    await new Promise((r) => setTimeout(r, 1000));
    child.stdin.end('stop\n');
    assert.equal(await closed, 0, stderr);
    assert.equal(stderr.match(/ERR_SKEIN_DEADLOCK_DETECTED/g)?.length, 1, stderr);
    assert.match(
      stderr,
      /deadlock detected through manager locks: MainThread of (left|right) \(pid \d+\) waits for manager Lock/,
    );
    assert.match(stdout, /killed/);
  });
});
