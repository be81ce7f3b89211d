// The example programs behave like command-line tools (`--help` on each: help-1/help-2.test.ts): a bad
// command line reported as such (exit 2 — `--port` without a value is "argument
// missing", not "unknown argument"), no escape codes when the output is not a terminal.
// (The page fetcher: page-fetcher.test.ts.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { colourful, paint } from '../../examples/cli.ts';
import { runNode } from '../helpers.ts';

const ESC = '\u001b[';

/** Runs `items` through `fn`, at most `n` at a time (each run is a fresh Node process). */
async function inBatches<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(fn));
}

describe('example programs on the command line', { timeout: 600_000 }, () => {
  test('an unknown option or a missing value is an error that says which (exit 2)', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['examples/chat/client.ts', ['--port'], /Option '--port <value>' argument missing/],
      ['examples/chat/server.ts', ['--port', 'abc'], /bad --port abc/],
      ['examples/page-fetcher.ts', ['--timeout'], /Option '--timeout <value>' argument missing/],
      ['examples/page-fetcher.ts', ['--timeout', '0'], /--timeout must be a positive number/],
      ['examples/page-fetcher.ts', ['--bogus'], /Unknown option '--bogus'/],
      ['examples/timer.ts', ['extra'], /Unexpected argument 'extra'/],
      ['examples/event.ts', ['soon'], /MS must be a number of milliseconds, got soon/],
    ];
    await inBatches(cases, 4, async ([p, args, message]) => {
      const r = await runNode(p, args, { timeout: 120_000 });
      assert.equal(r.code, 2, `${p} ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^usage: /m);
    });
  });

  test('the Event program prints no escape codes into a pipe', async () => {
    const r = await runNode('examples/event.ts', ['0'], { timeout: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /正在检查mysql/);
    assert.equal(r.stdout.includes(ESC), false, JSON.stringify(r.stdout));
  });

  test('colour only on a terminal, and never with NO_COLOR', () => {
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      assert.equal(paint('red', 'x', { isTTY: false }), 'x');
      assert.equal(paint('red', 'x', {}), 'x');
      assert.equal(colourful({ isTTY: true }), true, `NO_COLOR=${process.env.NO_COLOR}`);
      assert.ok(paint('red', 'x', { isTTY: true }).includes(ESC));
      process.env.NO_COLOR = '1';
      assert.equal(paint('red', 'x', { isTTY: true }), 'x');
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});
