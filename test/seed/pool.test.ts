// The tutorial's process pool review (进程池): examples/pool.ts beside python3 running the original
// (test/seed/python/pool_review.py). Where the original is nondeterministic (callbacks come in
// completion order, ten processes print concurrently) the comparison ignores order. Booleans are
// printed the Python way (True) by the canonical form.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { hasPython, NO_PYTHON, runNode } from '../helpers.ts';

/** The output with the nondeterministic runs sorted: callback lines, and the numbers map printed. */
function canonical(out: string): string[] {
  const lines = out.trim().split('\n');
  const callbacks = lines.filter((l) => l.startsWith('callback ')).sort();
  const printed = lines.filter((l) => /^\d+$/.test(l)).sort((a, b) => Number(a) - Number(b));
  const rest = lines.filter((l) => !l.startsWith('callback ') && !/^\d+$/.test(l));
  const lines2 = [...rest.slice(0, 3), ...callbacks, ...printed, ...rest.slice(3)];
  return lines2.map((l) => l.replace(/\btrue$/, 'True').replace(/\bfalse$/, 'False'));
}

describe('tutorial: process pool review behaves as python3 runs it', { timeout: 1_800_000 }, () => {
  test('apply, apply_async + get/close/join, map, callback in the main process, map功能对比', async (t) => {
    const [s, p] = await Promise.all([
      runNode('examples/pool.ts', [], { timeout: 600_000 }),
      Promise.resolve(
        hasPython()
          ? spawnSync('python3', ['-W', 'ignore', 'test/seed/python/pool_review.py'], {
              encoding: 'utf8',
              timeout: 600_000,
            })
          : undefined,
      ),
    ]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stderr, '');
    const lines = s.stdout.trim().split('\n');
    // map waits for every item: 主进程 comes after the 20 numbers.
    assert.equal(lines.at(-2), '主进程');
    assert.deepEqual(canonical(s.stdout), [
      'apply 25',
      'apply_async [0,1,4,9,16]',
      'map [0,1,4,9,16,25,36,49,64,81]',
      'callback 0 in main process',
      'callback 1 in main process',
      'callback 4 in main process',
      ...Array.from({ length: 20 }, (_, i) => String(i)),
      '主进程',
      'pool processes used <= 4: True',
    ]);
    await t.test('python3 prints the same', { skip: !p && NO_PYTHON }, () => {
      assert.equal(p?.status, 0, p?.stderr);
      assert.equal(p?.stdout.trim().split('\n').at(-2), '主进程');
      assert.deepEqual(canonical(s.stdout), canonical(p?.stdout ?? ''));
    });
  });
});
