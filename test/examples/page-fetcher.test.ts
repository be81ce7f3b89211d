// The page fetcher behaves like a tool: each failure printed with its cause
// (`ECONNREFUSED 127.0.0.1:PORT`, not just `fetch failed`), per-URL lines and no progress bar or
// escape codes when the output is not a terminal, and a progress bar when it is.
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { SingleBar } from 'cli-progress';
import { runNode } from '../helpers.ts';

const ESC = '\u001b[';

/** A port nothing listens on: one the OS just handed out and this test closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('the page fetcher', { timeout: 600_000 }, () => {
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
});
