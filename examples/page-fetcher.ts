/**
 * The tutorial's page fetcher (`get_page` with a `ThreadPoolExecutor(3)`): `submit` +
 * `result`, then the `add_done_callback` version, printing which thread fetched what.
 *
 * There is no internet here, so by default it starts a small local HTTP server with a few
 * pages (one of them slow, one missing). `--urls URL,URL,…` fetches real pages instead.
 * Timeouts and failures are reported per URL; they never stop the run.
 *
 * Difference from Python: `addDoneCallback` callbacks run on the thread that submitted (here
 * the main thread), not in the worker thread as `concurrent.futures` does.
 *
 * Run: `node --import tsx examples/page-fetcher.ts [--urls https://example.org,…] [--timeout 2000]`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Future, ThreadPoolExecutor } from 'skein/futures';
import { currentThread } from 'skein/threading';

interface Page {
  url: string;
  status: number;
  length: number;
}

/** Runs in a pool thread: fetches one page. Self-contained, as every inline task is. */
async function getPage(url: string, timeout: number): Promise<Page> {
  const { currentThread } = await import('skein/threading');
  console.log(`<线程 ${currentThread().name}> get ${url}`);
  const response = await fetch(url, { signal: AbortSignal.timeout(timeout) });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return { url, status: response.status, length: text.length };
}

function options(argv: string[]): { urls: string[] | undefined; timeout: number } {
  let urls: string[] | undefined;
  let timeout = 2000;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--urls') urls = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (argv[i] === '--timeout') timeout = Number(argv[++i]);
    else throw new TypeError(`unknown argument ${argv[i]}; usage: [--urls URL,URL,…] [--timeout MS]`);
  }
  return { urls, timeout };
}

/** A local site standing in for the tutorial's five websites. */
async function localSite(): Promise<{ urls: string[]; close: () => Promise<void> }> {
  const pages: Record<string, string> = {
    '/baidu': '<html>百度一下</html>',
    '/python': '<html>Welcome to Python.org</html>',
    '/openstack': '<html>Open source software for creating clouds</html>'.repeat(20),
  };
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.end('too late'), 10_000).unref();
      return;
    }
    const body = pages[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body ?? 'not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urls: ['/baidu', '/python', '/openstack', '/slow', '/missing'].map((p) => base + p),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function describe(f: Future<Page>, url: string): Promise<string> {
  const err = await f.exception();
  if (err) return `${url} failed: ${err.name === 'TimeoutError' ? 'timed out' : err.message}`;
  const page = await f.result();
  return `${page.url} → ${page.status}, ${page.length} characters`;
}

const { urls: given, timeout } = options(process.argv.slice(2));
const site = given ? undefined : await localSite();
const urls = given ?? site!.urls;

console.log('主线程', String(currentThread()));
const tp = new ThreadPoolExecutor({ maxWorkers: 3 });

console.log('\n-- submit, then result() in order --');
const futures = urls.map((url) => [url, tp.submit(getPage, url, timeout)] as const);
for (const [url, f] of futures) console.log(await describe(f, url));

console.log('\n-- addDoneCallback: each result as soon as it is ready --');
const done = urls.map(
  (url) =>
    new Promise<void>((resolve) => {
      tp.submit(getPage, url, timeout).addDoneCallback(async (f) => {
        // The future is done: describe() does not wait.
        console.log(`____ ${String(currentThread())} callback: ${await describe(f, url)}`);
        resolve();
      });
    }),
);
await Promise.all(done);
await tp.shutdown();
await site?.close();
