// The tutorial's first thread programs, run as skein examples beside python3 running the
// originals (test/seed/python/). Outputs are compared after normalizing what differs by
// nature (pids, idents, timings); where the original is nondeterministic, the comparison is
// too (order within each thread's own lines is kept, interleaving between threads is not).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { hasPython, NO_PYTHON, runNode } from '../helpers.ts';

/** Options of a subtest that compares with python3: skipped (and reported so) without it. */
const PY = { skip: !hasPython() && NO_PYTHON };

async function both(example: string, original: string): Promise<{ skein: string[]; python: string[] }> {
  const [s, p] = await Promise.all([
    runNode(`examples/${example}.ts`, [], { timeout: 600_000 }),
    hasPython()
      ? new Promise<string>((resolve, reject) => {
          const r = spawnSync('python3', ['-W', 'ignore', `test/seed/python/${original}.py`], {
            encoding: 'utf8',
          });
          if (r.status === 0) resolve(r.stdout);
          else reject(new Error(`python3 ${original}.py exited with ${r.status}: ${r.stderr}`));
        })
      : Promise.resolve(undefined),
  ]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stderr, '');
  const lines = (out: string) => out.trim().split('\n');
  // Without python3 its lines are empty, and the subtests comparing with them are skipped.
  return { skein: lines(s.stdout), python: p === undefined ? [] : lines(p) };
}

const normalize = (lines: string[]) =>
  lines.map((l) => l.replace(/started( daemon)? \d+/g, 'started N').replace(/\b\d{3,}\b/g, 'PID'));

describe('tutorial thread programs behave as python3 runs them', {
  timeout: 1_800_000,
  concurrency: true,
}, () => {
  test('a thread runs beside the main thread (验证线程是能够并发的)', async (t) => {
    const { skein, python } = await both('thread-beside-main', 'thread_beside_main');
    // skein prints each line with one write, so its output is checked line by line. Python's
    // print writes its parts separately, so a thread's words can land inside the main thread's
    // line when both print at once; its output is checked by the strings it printed.
    const check = (lines: string[]) => {
      const thread = lines.filter((l) => l.startsWith('in thread:'));
      const main = lines.filter((l) => l.startsWith('in main'));
      assert.deepEqual(
        thread.map((l) => l.split(' ')[2]),
        ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      );
      assert.deepEqual(
        main.map((l) => l.split(' ').slice(0, -1).join(' ')),
        ['in main', 'in main 2'],
      );
      assert.equal(lines.length, 12, 'one line per print');
      // One process: every line shows the same pid.
      assert.equal(new Set(lines.map((l) => l.split(' ').at(-1))).size, 1);
      // The main thread's first line (at 1 s) comes while the thread is still printing (until
      // 4.5 s): the widest margin the program has, since this order rests on the two clocks.
      assert.ok(lines.indexOf(main[0]!) < lines.indexOf(thread[9]!));
    };
    check(skein);
    await t.test('python3 prints the same strings', PY, () => {
      // Each of these strings is one write in Python, so they survive interleaving whole.
      const text = python.join('\n');
      assert.equal(text.split('in thread:').length - 1, 10);
      assert.equal(text.split('in main').length - 1, 2);
    });
  });

  test('the current thread (主线程和子线程的关系)', async (t) => {
    const { skein, python } = await both('current-thread', 'current_thread');
    assert.deepEqual(normalize(skein), [
      '主线程 <_MainThread(MainThread, started N)>',
      'in 子线程 <Thread(Thread-1 (func), started N)>',
    ]);
    await t.test('python3 prints the same', PY, () => assert.deepEqual(normalize(skein), normalize(python)));
  });

  test('a daemon process ends with the main code (守护进程)', async (t) => {
    const { skein, python } = await both('daemon-process', 'daemon_process');
    assert.deepEqual(skein, ['主线程', 'in func1']);
    await t.test('python3 prints the same', PY, () => assert.deepEqual(skein, python));
  });

  test('a daemon thread runs until the non-daemon threads end (守护线程)', async (t) => {
    const { skein, python } = await both('daemon-thread', 'daemon_thread');
    // func1 prints at 3 s; func2 every 0.5 s, and may print again between func1's line and the
    // exit: allow that race, as it exists in Python too.
    const shape = (lines: string[]) => {
      assert.equal(lines[0], '主线程');
      const end = lines.indexOf('in func1');
      assert.ok(end > 0, 'func1 printed');
      const rest = [...lines.slice(1, end), ...lines.slice(end + 1)];
      assert.ok(rest.every((l) => l === 'in func2'));
      // The daemon thread prints forever: that the program ended at all (runNode returned) is
      // the proof that it died with the program; how many lines it got in first is timing.
      return end - 1;
    };
    // How often func2 printed before func1's line depends on how soon its thread started, which
    // a loaded machine delays: a count, not an outcome. The shape above is the outcome.
    shape(skein);
    await t.test('python3 prints the same shape', PY, () => {
      shape(python);
    });
  });

  test('Timer (定时器)', async (t) => {
    const { skein, python } = await both('timer', 'timer');
    assert.deepEqual(normalize(skein), [
      '<_MainThread(MainThread, started N)>',
      'in func <Timer(Thread-1, started N)>',
    ]);
    await t.test('python3 prints the same', PY, () => assert.deepEqual(normalize(skein), normalize(python)));
  });

  test('threads are lightweight: 50 processes then 50 threads each print n**n, and both timings are reported (验证线程是轻量级的)', async (t) => {
    const { skein, python } = await both('lightweight', 'lightweight');
    const numbers = Array.from({ length: 50 }, (_, n) => String(BigInt(n) ** BigInt(n)));
    const check = (lines: string[]) => {
      const stars = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('*******'));
      assert.equal(stars.length, 2);
      const [first, second] = stars.map(([, i]) => i);
      assert.deepEqual(lines.slice(0, first).sort(), [...numbers].sort());
      assert.deepEqual(lines.slice(first! + 1, second).sort(), [...numbers].sort());
      // Each figure is labelled with what it measured and its unit: `******* 50 threads … in 0.012 s`.
      return stars.map(([l]) => Number(/ in (\d+\.\d+) s$/.exec(l)?.[1]));
    };
    // How much faster threads are is a measurement (`npm run bench`), not an outcome: on a
    // loaded machine any ratio can happen. The outcome is that both timings are real numbers.
    const [procs, threads] = check(skein);
    assert.ok(Number.isFinite(procs) && Number.isFinite(threads), `timings ${procs}s and ${threads}s`);
    // Python's forked children write to the shared pipe unsynchronized, which can split lines
    // there; compare only the shape: the same digits printed, and the two timings.
    await t.test('python3 prints the same digits and two timings', PY, () => {
      const digits = (lines: string[]) =>
        [...lines.filter((l) => !l.startsWith('*')).join('')].sort().join('');
      assert.equal(digits(python), digits(skein));
      assert.equal(python.filter((l) => l.startsWith('*******')).length, 2);
    });
  });
});
