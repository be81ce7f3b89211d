// The example programs behave like command-line tools: `--help` on each (exit 0, a usage line),
// a bad command line reported as such (exit 2 — `--port` without a value is "argument
// missing", not "unknown argument"), no escape codes when the output is not a terminal, the
// page fetcher's failures printed with their cause, and the progress bar only on a terminal.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { SingleBar } from 'cli-progress';
import { colourful, paint } from '../../examples/cli.ts';
import { ROOT, runNode } from '../helpers.ts';

const programs = [
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.ts') && f !== 'cli.ts')
    .map((f) => `examples/${f}`),
  'examples/chat/server.ts',
  'examples/chat/client.ts',
];
const ESC = '\u001b[';

/** Runs `items` through `fn`, at most `n` at a time (each run is a fresh Node process). */
async function inBatches<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(fn));
}

/** A port nothing listens on: one the OS just handed out and this test closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('example programs on the command line', { timeout: 600_000 }, () => {
  test('every program answers --help with its usage, and runs nothing', async () => {
    assert.ok(programs.length >= 24, `found ${programs.length} programs`);
    await inBatches(programs, 4, async (p) => {
      const r = await runNode(p, ['--help'], { timeout: 120_000 });
      assert.equal(r.code, 0, `${p} --help: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: node --import tsx ${p.replace('.', '\\.')}`), p);
      assert.match(r.stdout, /-h, --help +show this help and exit/, p);
      assert.equal(r.stdout.includes(ESC), false, `${p} --help prints escape codes into a pipe`);
    });
  });

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

  test("the page fetcher prints each failure's cause (ECONNREFUSED host:port)", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/page`;
    const r = await runNode('examples/page-fetcher.ts', ['--urls', url, '--timeout', '20000'], {
      timeout: 120_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const failures = r.stdout.split('\n').filter((l) => l.includes(`${url} failed: `));
    assert.equal(failures.length, 2, r.stdout);
    for (const line of failures)
      assert.match(line, new RegExp(`fetch failed: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });

  test('the page fetcher without a terminal prints per-URL lines, no progress bar', async () => {
    const port = await closedPort();
    const urls = Array.from({ length: 12 }, (_, i) => `http://127.0.0.1:${port}/${i}`);
    const r = await runNode('examples/page-fetcher.ts', ['--urls', urls.join(','), '--timeout', '20000'], {
      timeout: 180_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /fetching \[/);
    assert.equal(r.stdout.includes(ESC), false);
    assert.equal(r.stdout.split('\n').filter((l) => / failed: .*ECONNREFUSED/.test(l)).length, 24);
  });

  test('the progress bar the page fetcher uses draws on a terminal stream', () => {
    // cli-progress draws only on a TTY; a PassThrough that says it is one stands in for it.
    const out = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 80,
    }) as unknown as NodeJS.WriteStream;
    let drawn = '';
    (out as unknown as PassThrough).on('data', (d: Buffer) => {
      drawn += d.toString();
    });
    out.cursorTo = () => true;
    out.clearLine = () => true;
    const bar = new SingleBar({
      format: 'fetching [{bar}] {value}/{total} pages',
      stream: out,
      noTTYOutput: false,
    });
    bar.start(3, 0);
    for (let i = 0; i < 3; i++) bar.increment();
    bar.stop();
    assert.match(drawn, /fetching \[.*\] 3\/3 pages/);
  });

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
