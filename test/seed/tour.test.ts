// The tour (`npm start`): it runs every tutorial program in examples/, and this test checks
// each section's output — against python3 running the original where the output is
// deterministic, by shape where the original is nondeterministic too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { hasPython, NO_PYTHON, runNode } from '../helpers.ts';

/** Options of a test that compares with python3: skipped (and reported so) without it. */
const PY = { skip: !hasPython() && NO_PYTHON };
/** The lines python3 prints for test/seed/python/`name`.py (it must succeed). */
const python = (name: string) => {
  const r = spawnSync('python3', ['-W', 'ignore', `test/seed/python/${name}.py`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
};

/** Section title (English part) → the lines its program printed. */
const sections = new Map<string, string[]>();
let tour: Awaited<ReturnType<typeof runNode>>;

before(async () => {
  // Two programs at a time: the suite runs other files beside this one, and the tour's own
  // default (four programs ahead) is for a person watching it, not for a loaded test machine.
  tour = await runNode('examples/tour.ts', [], { timeout: 2_400_000, env: { SKEIN_TOUR_AHEAD: '2' } });
  let current: string[] | undefined;
  for (const line of tour.stdout.split('\n')) {
    const heading = /^── \d+\. (.+) \(.+\) ──$/.exec(line);
    if (heading) {
      current = [];
      sections.set(heading[1]!, current);
    } else if (current && !line.startsWith('   ') && line !== '') current.push(line);
  }
});

const out = (title: string) => {
  const lines = sections.get(title);
  assert.ok(lines, `the tour has a section "${title}"`);
  return lines;
};

describe('the tour', { timeout: 1_800_000 }, () => {
  test('runs every section and exits 0', () => {
    assert.equal(tour.code, 0, tour.stderr + tour.stdout.slice(-2000));
    assert.match(tour.stdout, /Tour finished in/);
  });

  test('process review: Queue, Pipe and Manager (compared with python3 in process-review.test.ts)', () => {
    assert.deepEqual(out('Process review: Queue'), [
      'items 30 distinct 30',
      "first ('p0', 0) last ('p2', 9)",
    ]);
    assert.deepEqual(out('Process review: Pipe'), [
      'got 0',
      'got 1',
      'got 2',
      'got 3',
      'got 4',
      'EOFError',
      'done',
    ]);
    assert.equal(out('Process review: Manager').at(-3), 'count 0');
  });

  test('process review: Pool (compared with python3 in pool.test.ts)', () => {
    const lines = out('Process review: Pool');
    assert.deepEqual(lines.slice(0, 3), [
      'apply 25',
      'apply_async [0,1,4,9,16]',
      'map [0,1,4,9,16,25,36,49,64,81]',
    ]);
    assert.equal(lines.filter((l) => / in main process$/.test(l)).length, 3);
    assert.deepEqual(lines.slice(-2), ['主进程', 'pool processes used <= 4: true']);
  });

  test('threads share data: 99', () => {
    assert.deepEqual(out('Threads share data'), ['99']);
  });

  test('threads share data: as python3 prints', PY, () => {
    assert.deepEqual(out('Threads share data'), python('data_sharing'));
  });

  test('100 threads each take the lock to decrement n: exactly 0 (summarized in the tour)', () => {
    const lines = out('Starting threads, reviewed — and the GIL');
    assert.equal(lines.length, 4, lines.join('\n'));
    assert.match(
      lines[0]!,
      /^100 threads started \(Thread-\d+ \(tFunc\) … Thread-\d+ \(tFunc\)\); isAlive\(\) right after start\(\): true for \d+$/,
    );
    assert.equal(lines[1], "each took n's lock once and decremented it: 100 distinct threads reported back");
    assert.deepEqual(lines.slice(-2), ['0', '<_MainThread(MainThread, started 1)>']);
  });

  test('the unprotected balance is an integer (updates may be lost); the locked one is exactly 0', () => {
    assert.match(out('Without a lock, updates get lost')[0]!, /^-?\d+$/);
    assert.deepEqual(out('With a lock, the result is exact'), ['0']);
  });

  test('Lock twice: DeadlockError instead of a hang; RLock re-enters', () => {
    const lines = out('Lock and RLock');
    assert.match(lines[0]!, /^Lock: DeadlockError: /);
    assert.equal(lines[1], '123');
  });

  test('the philosophers: a deadlock detected and explained, then everyone eats twice', () => {
    const lines = out('Deadlock: the dining philosophers');
    const acts = lines.join('\n').split(/^== /m).slice(1);
    assert.equal(acts.length, 3);
    assert.match(
      acts[0]!,
      /DEADLOCK \(found by skein's deadlock detector\): \S+ held (叉子|面条) and waited for (面条|叉子), held by (aaa|bbb|111|222)/,
    );
    assert.match(acts[1]!, /-- 4 of 4 ate/);
    assert.match(acts[2]!, /-- 4 of 4 ate/);
    assert.doesNotMatch(acts[1]! + acts[2]!, /DEADLOCK/);
    assert.equal((acts[1]!.match(/吃面/g) ?? []).length, 4);
  });

  test('Semaphore(4): never more than 4 inside', () => {
    const lines = out('Semaphore');
    assert.equal(lines.filter((l) => /^thread \d done$/.test(l)).length, 10);
    const most = Number(/at most (\d+) threads/.exec(lines.at(-1)!)?.[1]);
    assert.ok(most >= 1 && most <= 4, `at most ${most}`);
  });

  test('Event: both connectors succeed once the checker sets the event', () => {
    const lines = out('Event');
    assert.equal(lines.filter((l) => /^<Thread-\d+ \(connMysql\)>链接成功$/.test(l)).length, 2);
    assert.equal(lines.filter((l) => /第1次尝试链接$/.test(l)).length, 2);
    assert.ok(lines.some((l) => l.includes('正在检查mysql')));
  });

  test('Timer and the current thread', () => {
    assert.deepEqual(
      out('Timer').map((l) => l.replace(/started \d+/, 'started N')),
      ['<_MainThread(MainThread, started N)>', 'in func <Timer(Thread-1, started N)>'],
    );
  });

  test('Condition: inputs 2, 3, 5 wake exactly that many threads each time, all ten in the end', () => {
    const lines = out('Condition');
    const runs = lines.filter((l) => l.startsWith('run the thread : '));
    assert.deepEqual(
      runs.map((l) => Number(l.slice(17))).sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    // Each '*****' closes one notify; the woken threads print before the next input is read.
    const groups = lines.join('\n').split('*****');
    const counts = groups.map((g) => (g.match(/run the thread/g) ?? []).length);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      10,
    );
    assert.equal(lines.filter((l) => l === '*****').length, 3);
  });

  test('queues print FIFO, LIFO and priority order', () => {
    const lines = out('Thread queues');
    assert.deepEqual(lines, ['2', '3', '5', '4', "(10, 'a')", "(20, 'a')", "(30, 'a')", "(30, 'b')"]);
  });

  test('queues print what python3 prints', PY, () => {
    assert.deepEqual(out('Thread queues'), python('queues'));
  });

  test('ThreadPoolExecutor submit and map: every task runs, 主线程 last', () => {
    for (const title of ['ThreadPoolExecutor: submit and shutdown', 'ThreadPoolExecutor: map']) {
      const lines = out(title);
      assert.equal(lines.at(-1), '主线程');
      assert.deepEqual(
        lines
          .slice(0, -1)
          .map(Number)
          .sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i),
      );
    }
  });

  test('the page fetcher: results in order, failures per URL, callbacks on the main thread', () => {
    const lines = out('Results and callbacks: the page fetcher');
    assert.ok(
      lines.some((l) => /^<线程 ThreadPoolExecutor-\d+_\d+> get http:\/\/127\.0\.0\.1:\d+\/baidu$/.test(l)),
    );
    assert.ok(lines.some((l) => /\/python → 200, \d+ characters$/.test(l)));
    assert.ok(lines.some((l) => /\/slow failed: timed out$/.test(l)));
    assert.ok(lines.some((l) => /\/missing failed: HTTP 404/.test(l)));
    assert.equal(
      lines.filter((l) => l.startsWith('____ <_MainThread(MainThread, started 1)> callback: ')).length,
      5,
    );
  });
});
