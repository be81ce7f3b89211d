// Packs skein as npm would publish it, installs the tarball into a fresh folder, and uses it
// from plain JavaScript, as a user would: inline and module tasks in a Thread and a Process.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skein-pack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });

test('the packed package installs and works from plain JavaScript', { timeout: 180_000 }, () => {
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
  const [{ filename, files }] = JSON.parse(out);
  const paths = files.map((f) => f.path);
  assert.ok(paths.includes('dist/index.js') && paths.includes('dist/index.d.ts'), 'ships JS and types');
  assert.ok(!paths.some((p) => p.startsWith('src/') || p.startsWith('test/')), 'ships no sources or tests');

  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', join(dir, filename)], app);

  writeFileSync(
    join(app, 'tasks.mjs'),
    'export function square(n) { return n * n; }\nexport default async function hello(who) { return "hello " + who; }\n',
  );
  writeFileSync(
    join(app, 'main.mjs'),
    `
import { Thread, currentThread, task, RuntimeError, Lock, Value, Queue as RootQueue } from 'skein';
import { Process, Pool, Pipe } from 'skein/multiprocessing';
import { Queue } from 'skein/queue';
import { ThreadPoolExecutor } from 'skein/futures';
import * as threading from 'skein/threading';

const square = task(new URL('./tasks.mjs', import.meta.url), 'square');
const hello = task(new URL('./tasks.mjs', import.meta.url));

const a = new Thread({ target: (x, y) => x + y, args: [2, 3] });
const b = new Thread({ target: square, args: [7] });
const c = new Thread({ target: hello, args: ['thread'] });
for (const t of [a, b, c]) t.start();
console.log('thread', await a.result(), await b.result(), await c.result());

const p = new Process({ target: async (n) => { if (n !== 4) process.exit(2); }, args: [4] });
const q = new Process({ target: square, args: [3] });
p.start(); q.start();
await p.join(); await q.join();
console.log('process', p.exitCode, q.exitCode);
console.log('main', String(currentThread()), typeof threading.Timer, new RuntimeError('x').code);

// A lock and a shared value across two threads; a queue between threads.
const lock = new Lock();
const n = new Value('i', 0);
const add = (l, v) => { for (let i = 0; i < 1000; i++) { l.acquireSync(); v.value += 1; l.release(); } };
const ts = [new Thread({ target: add, args: [lock, n] }), new Thread({ target: add, args: [lock, n] })];
for (const t of ts) t.start();
for (const t of ts) await t.join();
const queue = new Queue();
const producer = new Thread({ target: async (qq) => { for (let i = 0; i < 3; i++) await qq.put(i); }, args: [queue] });
producer.start();
console.log('sync', n.value, await queue.get(), await queue.get(), await queue.get(), RootQueue === Queue);
// Shared objects inside a queue item arrive as themselves: the same lock, a queue to answer on.
const jobs = new Queue();
const held = new Lock();
await held.acquire();
const worker = new Thread({ target: (jobs) => { const { lock, reply } = jobs.getSync(); reply.putSync(lock.locked()); }, args: [jobs] });
worker.start();
const replies = new Queue();
await jobs.put({ lock: held, reply: replies });
console.log('shared', await replies.get());
held.release();
await worker.join();

const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
console.log('futures', await pool.submit((x) => x * 10, 4).result());
await pool.shutdown();
const mp = new Pool({ processes: 2 });
console.log('pool', JSON.stringify(await mp.map(square, [1, 2, 3])));
mp.close(); await mp.join();
const [left, right] = Pipe();
left.send('over the pipe');
console.log('pipe', await right.recv());
left.close(); right.close();
`,
  );
  const r = spawnSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'thread 5 49 hello thread',
      'process 0 0',
      'main <_MainThread(MainThread, started 1)> function ERR_SKEIN_RUNTIME',
      'sync 2000 0 1 2 true',
      'shared true',
      'futures 40',
      'pool [1,4,9]',
      'pipe over the pipe',
      '',
    ].join('\n'),
  );
});
