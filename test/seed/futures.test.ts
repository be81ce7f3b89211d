// The tutorial's concurrent.futures programs (section "concurrent.futures模块"), run as skein
// programs against a local HTTP server (no internet here). Random sleeps became short
// deterministic ones. See test/seed/futures/*.mjs.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runNode } from '../helpers.ts';

let server: Server;
let base = '';
before(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`page ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const run = async (name: string) => {
  const r = await runNode(`test/seed/futures/${name}.mjs`, [base], { timeout: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout.trim().split('\n');
};
const numbers = Array.from({ length: 20 }, (_, i) => String(i));
const pages = ['/baidu', '/python', '/openstack', '/github', '/sina'];

describe('tutorial: concurrent.futures programs', { timeout: 1_800_000, concurrency: true }, () => {
  test('submit 20 tasks to 10 threads, then shutdown(): 主线程 prints last', async () => {
    const lines = await run('submit-shutdown');
    assert.equal(lines.at(-1), '主线程');
    assert.deepEqual(lines.slice(0, -1).sort(), [...numbers].sort());
  });

  test('map() submits every item; shutdown() waits for them', async () => {
    const lines = await run('map');
    assert.equal(lines.at(-1), '主线程');
    assert.deepEqual(lines.slice(0, -1).sort(), [...numbers].sort());
  });

  test('get_page with result(): results in submission order', async () => {
    const lines = await run('result');
    const gets = lines.filter((l) => l.startsWith('<线程'));
    assert.equal(gets.length, 5);
    for (const g of gets)
      assert.match(g, /^<线程ThreadPoolExecutor-0_[012]> get http:\/\/127\.0\.0\.1:\d+\/\w+$/);
    const results = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { url: string; text: string });
    assert.deepEqual(
      results.map((r) => r.url),
      pages.map((p) => base + p),
    );
    assert.deepEqual(
      results.map((r) => r.text),
      pages.map((p) => `page ${p}`),
    );
  });

  test('add_done_callback: each result printed once, callbacks on the submitting thread', async () => {
    const lines = await run('callback');
    assert.equal(lines[0], '主线程 MainThread');
    const marks = lines.filter((l) => l.startsWith('____'));
    assert.deepEqual(marks, Array(5).fill('____ MainThread'));
    const results = lines.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { url: string }).url);
    assert.deepEqual(results.sort(), pages.map((p) => base + p).sort());
  });
});
