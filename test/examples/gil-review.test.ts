// gil-review prints its 200 lines when run alone, and a four-line summary with --summary (which
// the tour uses): the same threads, the same exact result.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runNode } from '../helpers.ts';

describe('gil-review on the command line', { timeout: 600_000 }, () => {
  test('gil-review prints its 200 lines alone, and a summary with --summary', async () => {
    const full = await runNode('examples/gil-review.ts', [], { timeout: 120_000 });
    assert.equal(full.code, 0, full.stderr);
    const lines = full.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => / Thread-\d+ \(tFunc\) (true|false)$/.test(l)).length, 100);
    assert.equal(lines.filter((l) => /^<Thread\(Thread-\d+ \(tFunc\), started \d+\)>$/.test(l)).length, 100);
    assert.deepEqual(lines.slice(-2), ['0', '<_MainThread(MainThread, started 1)>']);
    const short = await runNode('examples/gil-review.ts', ['--summary'], { timeout: 120_000 });
    assert.equal(short.code, 0, short.stderr);
    assert.equal(short.stdout.trim().split('\n').length, 4, short.stdout);
  });
});
