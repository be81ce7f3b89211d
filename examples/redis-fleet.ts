/**
 * Past one machine (skein/redis): the page fetcher's `get_page` on a `RedisExecutor`, run by two
 * `skein-worker` processes; then one `RedisLock` taken in turn by both workers and this process,
 * each with its fencing token. The executor is the same `Executor` as the thread pool's — `submit`,
 * futures, `result()` — but its workers could be on any machine that reaches the Redis server.
 *
 * It starts a private `redis-server` on a free loopback port (no persistence) and stops it after.
 * Without `redis-server` it says how to install it and exits 0.
 *
 * Run: `node --import tsx examples/redis-fleet.ts`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { type AddressInfo, createServer, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RedisExecutor, remoteTasks } from 'skein/redis';
import { command } from './cli.ts';
import { lockTurn } from './redis-page-tasks.ts';

command({
  program: 'examples/redis-fleet.ts',
  summary:
    "Past one machine: the page fetcher's get_page on a RedisExecutor, run by two skein-worker processes, then one RedisLock held in turn by both and by this process, with fencing tokens (a private redis-server on a loopback port).",
});

if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.log(
    'skipped: redis-server is not installed. Install it (`apt-get install -y redis-server`, or `brew install redis`) and run `npm start` again.',
  );
  process.exit(0);
}

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.on('error', () => resolve(false));
    s.on('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
  });
}

/** A private redis-server; stopped by the returned function. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  while (!(await answers(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The tutorial's websites, served locally (there is no internet here): one slow, one missing. */
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

/** Starts `skein-worker` (as `npx skein-worker` would) and waits for its ready line. */
async function startWorker(url: string, name: string): Promise<ChildProcess> {
  const cli = fileURLToPath(new URL('./worker/cli.js', import.meta.resolve('skein/redis')));
  const tasks = fileURLToPath(new URL('./redis-page-tasks.ts', import.meta.url));
  const args = ['--import', 'tsx', cli, '--tasks', tasks, '--redis', url, '--queue', 'tour'];
  const child = spawn(process.execPath, [...args, '--pool', 'local', '--concurrency', '1', '--name', name], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SKEIN_TOUR_WORKER: name },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(' ready: ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`skein-worker ${name} exited with ${code}: ${out}`)));
  });
  return child;
}

const redis = await startRedis();
const site = await localSite();
const workers = await Promise.all(['worker-A', 'worker-B'].map((name) => startWorker(redis.url, name)));
console.log(
  '$ npx skein-worker --tasks examples/redis-page-tasks.ts --pool local  (twice: worker-A, worker-B)',
);
try {
  await using ex = new RedisExecutor({ connection: redis.url, queue: 'tour' });
  const tasks = remoteTasks<typeof import('./redis-page-tasks.ts')>();
  // Every page is a job in Redis; whichever worker is free takes the next one.
  const futures = site.urls.map((url) => [url, ex.submit(tasks.getPage, url, 3000)] as const);
  for (const [url, f] of futures) {
    const err = await f.exception();
    if (err) console.log(`${url} failed: ${err.name === 'TimeoutError' ? 'timed out' : err.message}`);
    else {
      const page = await f.result();
      console.log(`${page.worker} fetched ${page.url} → ${page.status}, ${page.length} characters`);
    }
  }

  // One RedisLock, taken in turn by both workers and by this process: each holder gets a
  // higher fencing token than the one before, and no two hold it at once.
  console.log('$ RedisManager Lock("tour-lock"): held in turn by worker-A, worker-B and the tour');
  const turns = await Promise.all([
    ex.submit(tasks.lockTurn, redis.url, 'tour-lock', 300).result(),
    ex.submit(tasks.lockTurn, redis.url, 'tour-lock', 300).result(),
    lockTurn(redis.url, 'tour-lock', 300, 'the tour'),
  ]);
  turns.sort((a, b) => a.fence - b.fence);
  for (const t of turns) console.log(`${t.holder} held tour-lock with fence ${t.fence}`);
  const apart = turns.every((t, i) => i === 0 || turns[i - 1]!.to <= t.from);
  console.log(apart ? 'no two held it at once' : 'two holders overlapped!');
} finally {
  await Promise.all(
    workers.map(async (w) => {
      const exited = once(w, 'exit');
      w.kill('SIGTERM'); // a graceful stop: running jobs finish first
      await exited;
    }),
  );
  await site.close();
  await redis.stop();
}
