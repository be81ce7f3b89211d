/**
 * The tutorial's page fetcher (`get_page` with a `ThreadPoolExecutor(3)`): `submit` +
 * `result`, then the `add_done_callback` version, printing which thread fetched what.
 *
 * There is no internet here, so by default it starts a small local HTTP server with a few
 * pages (one of them slow, one missing). `--urls URL,URL,…` fetches other pages instead.
 * Timeouts and failures are reported per URL, with their cause (`ECONNREFUSED 127.0.0.1:45135`,
 * not just `fetch failed`); they never stop the run.
 *
 * A long list (more than 10 URLs) on a terminal is fetched in one pass with a progress bar over
 * `asCompleted` — Python's `tqdm(as_completed(fs))` — and the failures listed after it.
 *
 * Difference from Python: `addDoneCallback` callbacks run on the thread that submitted (here
 * the main thread), not in the worker thread as `concurrent.futures` does.
 *
 * Run: `node --import tsx examples/page-fetcher.ts [--urls https://example.org,…] [--timeout 2000]`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SingleBar } from 'cli-progress';
import { asCompleted, type Future, ThreadPoolExecutor } from 'skein/futures';
import { currentThread } from 'skein/threading';
import { command, fail } from './cli.ts';

interface Page {
  url: string;
  status: number;
  length: number;
}

/** Runs in a pool thread: fetches one page. Self-contained, as every inline task is. */
async function getPage(url: string, timeout: number, quiet = false): Promise<Page> {
  const { currentThread } = await import('skein/threading');
  if (!quiet) console.log(`<线程 ${currentThread().name}> get ${url}`);
  const response = await fetch(url, { signal: AbortSignal.timeout(timeout) });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return { url, status: response.status, length: text.length };
}

const cli = {
  program: 'examples/page-fetcher.ts',
  summary:
    "The tutorial's page fetcher: get_page on a ThreadPoolExecutor(3), results in order, then callbacks.",
  options: { urls: { type: 'string' }, timeout: { type: 'string', default: '2000' } },
  help: {
    urls: 'comma-separated URLs to fetch instead of the local demo site',
    timeout: 'milliseconds allowed for each page',
  },
} as const;

function options(): { urls: string[] | undefined; timeout: number } {
  const { values } = command(cli);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout <= 0)
    fail(cli, `--timeout must be a positive number of milliseconds, got ${values.timeout}`);
  const urls = typeof values.urls === 'string' ? values.urls.split(',').filter(Boolean) : undefined;
  if (urls?.length === 0) fail(cli, '--urls needs at least one URL');
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

/**
 * Why a fetch failed, down to the cause: `fetch` reports every network failure as
 * `TypeError: fetch failed` and puts the reason (`ECONNREFUSED 127.0.0.1:45135`,
 * `ENOTFOUND example.invalid`…) in `cause`, which survives the trip back from the thread.
 */
function reason(err: Error): string {
  if (err.name === 'TimeoutError') return 'timed out';
  const parts = [err.message];
  for (let c = err.cause; c instanceof Error || (typeof c === 'object' && c !== null); ) {
    const e = c as { code?: unknown; message?: unknown; cause?: unknown };
    parts.push(
      typeof e.code === 'string' && !String(e.message).includes(e.code)
        ? `${e.code}: ${e.message}`
        : String(e.message),
    );
    c = e.cause;
  }
  return parts.join(': ');
}

async function describe(f: Future<Page>, url: string): Promise<string> {
  const err = await f.exception();
  if (err) return `${url} failed: ${reason(err)}`;
  const page = await f.result();
  return `${page.url} → ${page.status}, ${page.length} characters`;
}

/** `tqdm(as_completed(fs))`: one pass over a long list, a progress bar, then the failures. */
async function withProgressBar(tp: ThreadPoolExecutor, urls: string[], timeout: number): Promise<void> {
  const byFuture = new Map(urls.map((url) => [tp.submit(getPage, url, timeout, true), url] as const));
  const bar = new SingleBar({
    format: 'fetching [{bar}] {value}/{total} pages, {eta_formatted} left',
    hideCursor: true,
  });
  bar.start(urls.length, 0);
  const failures: string[] = [];
  for await (const f of asCompleted(byFuture.keys())) {
    const err = await f.exception();
    if (err) failures.push(`${byFuture.get(f as Future<Page>)} failed: ${reason(err)}`);
    bar.increment();
  }
  bar.stop();
  console.log(`${urls.length - failures.length} of ${urls.length} pages fetched`);
  for (const line of failures) console.log(line);
}

const { urls: given, timeout } = options();
const site = given ? undefined : await localSite();
const urls = given ?? site!.urls;

console.log('主线程', String(currentThread()));
const tp = new ThreadPoolExecutor({ maxWorkers: 3 });
if (urls.length > 10 && process.stdout.isTTY) {
  await withProgressBar(tp, urls, timeout);
  await tp.shutdown();
  await site?.close();
  process.exit(0);
}

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
