// The tutorial's process review (进程知识点回顾) — Manager dict and list, Pipe EOF, Queue — run
// as skein examples (examples/process-review-*.ts) beside python3 running the originals
// (test/seed/python/). The outputs are deterministic by construction and must be equal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { hasPython, NO_PYTHON, ROOT, runNode } from '../helpers.ts';

/** Options of a subtest that compares with python3: skipped (and reported so) without it. */
const PY = { skip: !hasPython() && NO_PYTHON };

function python(original: string): Promise<string | undefined> {
  if (!hasPython()) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-W', 'ignore', `test/seed/python/${original}.py`], { cwd: ROOT });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`python3 ${original}.py exited with ${code}`));
    });
  });
}

async function both(example: string, original: string): Promise<{ skein: string[]; python: string[] }> {
  const [s, p] = await Promise.all([
    runNode(`examples/${example}.ts`, [], { timeout: 600_000 }),
    python(original),
  ]);
  assert.equal(s.code, 0, s.stderr);
  const lines = (out: string) => out.trim().split('\n');
  // Without python3 its lines are empty, and the subtests comparing with them are skipped.
  return { skein: lines(s.stdout), python: p === undefined ? [] : lines(p) };
}

describe('tutorial process review behaves as python3 runs it', { timeout: 1_800_000 }, () => {
  test('Manager dict and list: 20 processes, a manager lock, no lost update', async (t) => {
    const { skein, python } = await both('process-review-manager', 'manager_dict_list');
    assert.deepEqual(skein.slice(-3), [
      'count 0',
      `list [${Array.from({ length: 20 }, (_, i) => i).join(', ')}]`,
      'len 20',
    ]);
    await t.test('python3 prints the same', PY, () => assert.deepEqual(skein, python));
  });

  test('Pipe: recv throws EOFError only after every unused end is closed', async (t) => {
    const { skein, python } = await both('process-review-pipe', 'pipe_eof');
    assert.deepEqual(skein, ['got 0', 'got 1', 'got 2', 'got 3', 'got 4', 'EOFError', 'done']);
    await t.test('python3 prints the same', PY, () => assert.deepEqual(skein, python));
  });

  test('Queue: producers and consumers in processes, every item exactly once', async (t) => {
    const { skein, python } = await both('process-review-queue', 'process_queue');
    assert.deepEqual(skein, ['items 30 distinct 30', "first ('p0', 0) last ('p2', 9)"]);
    await t.test('python3 prints the same', PY, () => assert.deepEqual(skein, python));
  });
});
