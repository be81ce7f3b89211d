// Issue 12 §4: no error is silent. An error escaping a thread after its target returned, or a
// pool worker after its task settled, goes to stderr through the excepthook path (naming the
// thread, or the pool worker), the settled result stands, and the pool counts it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runNode } from '../helpers.ts';

describe('late errors are reported, results kept', { timeout: 300_000 }, () => {
  test('threads, thread pools and process pools', async () => {
    const r = await runNode('test/fixtures/late-errors-program.mjs', [], { timeout: 240_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^late-rejection result 42$/m);
    assert.match(r.stdout, /^late-throw result 7$/m);
    // Every one of the twenty thread-pool rounds printed the same line (a set of lines).
    assert.match(r.stdout, /^ThreadPoolExecutor result 1 next 2 uncaught 1$/m);
    assert.doesNotMatch(r.stdout, /^ThreadPoolExecutor (?!result 1 next 2 uncaught 1$)/m);
    assert.equal(r.stderr.match(/Exception in pool thread "ThreadPoolExecutor-/g)?.length, 20, r.stderr);
    assert.match(r.stdout, /^ProcessPoolExecutor result 1 next 2 uncaught 1$/m);
    assert.match(r.stderr, /Exception in thread late-rejection:\nError: floating rejection/);
    assert.match(r.stderr, /Exception in thread late-throw:\nError: throw after return/);
    assert.match(
      r.stderr,
      /Exception in pool thread "ThreadPoolExecutor-\d+_\d+", after its tasks had settled[^\n]*\nError: timer error after the task returned/,
    );
    assert.match(
      r.stderr,
      /Exception in pool process "ProcessPoolExecutor-\d+_\d+" \(pid \d+\), after its tasks had settled[^\n]*\nError: timer error after the task returned/,
    );
  });
});

describe('a process worker out of memory is reported as such', { timeout: 300_000 }, () => {
  test("V8's heap limit in a ProcessPoolExecutor worker: reason 'out-of-memory'", async () => {
    const r = await runNode('test/fixtures/process-oom-program.mjs', [], {
      timeout: 240_000,
      env: { NODE_OPTIONS: '--max-old-space-size=48' },
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, /^died WorkerDiedError reason out-of-memory$/m);
    assert.match(r.stdout, /^next ok$/m);
  });
});
