/**
 * The tutorial's three queue programs (shared/seed, section 线程队列), in skein. Each prints
 * what python3 prints for the original (test/seed/python/queues.py, also the tour's reference):
 * the output it is known to print, and python3's own when it is installed (else that comparison
 * is reported as skipped).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { LifoQueue, PriorityQueue, Queue } from 'skein/queue';
import { hasPython, NO_PYTHON, ROOT } from '../helpers.ts';

/** Python's `print` of the values the programs print: ints and tuples of (int, str). */
function pyRepr(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')})`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

function pythonOutput(): string[] {
  const r = spawnSync('python3', [`${ROOT}test/seed/python/queues.py`], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

test('线程队列: FIFO, LIFO and priority programs print what Python prints', {
  timeout: 600_000,
}, async (t) => {
  const out: string[] = [];
  const print = (v: unknown) => out.push(pyRepr(v));

  // queue.Queue(maxsize=0): first in, first out
  {
    const q = new Queue<number>();
    await q.put(2);
    await q.put(3);
    await q.put(4);
    await q.put(5);
    print(await q.get());
    print(await q.get());
  }
  // queue.LifoQueue(maxsize=0): last in, first out — a stack
  {
    const q = new LifoQueue<number>();
    await q.put(2);
    await q.put(3);
    await q.put(4);
    await q.put(5);
    print(await q.get());
    print(await q.get());
  }
  // queue.PriorityQueue(maxsize=0): smallest first; ties broken by the next element
  {
    const q = new PriorityQueue<[number, string]>();
    await q.put([20, 'a']);
    await q.put([10, 'a']);
    await q.put([30, 'a']);
    await q.put([30, 'b']);
    print(await q.get());
    print(await q.get());
    print(await q.get());
    print(await q.get());
  }

  assert.deepEqual(out, ['2', '3', '5', '4', "(10, 'a')", "(20, 'a')", "(30, 'a')", "(30, 'b')"]);
  await t.test('python3 prints the same', { skip: !hasPython() && NO_PYTHON }, () => {
    assert.deepEqual(out, pythonOutput());
  });
});
