// Packs skein as npm would publish it, installs the tarball into a fresh folder, and uses it
// as a user would: from plain JavaScript (inline and module tasks in a Thread and a Process),
// every subpath through ESM import and CommonJS require, and from TypeScript with
// moduleResolution node16, nodenext and bundler. Runs on the Node that runs it (CI: 20, 22, 24).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skein-pack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });

/** Every entry the package exports, with a name each must export. */
const SUBPATHS = {
  skein: 'Thread',
  'skein/threading': 'Thread',
  'skein/queue': 'Queue',
  'skein/futures': 'ThreadPoolExecutor',
  'skein/multiprocessing': 'Pool',
  'skein/redis': 'MissingDependencyError',
};
const app = join(dir, 'app');

before(() => {
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
  const [{ filename, files }] = JSON.parse(out);
  const paths = files.map((f) => f.path);
  assert.ok(paths.includes('dist/index.js') && paths.includes('dist/index.d.ts'), 'ships JS and types');
  assert.ok(!paths.some((p) => p.startsWith('src/') || p.startsWith('test/')), 'ships no sources or tests');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', join(dir, filename)], app);
});

test('the packed package installs and works from plain JavaScript', { timeout: 600_000 }, () => {
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

test('every subpath loads through ESM import and CommonJS require, as the same module', {
  timeout: 600_000,
}, () => {
  writeFileSync(
    join(app, 'load.cjs'),
    `
const subpaths = ${JSON.stringify(SUBPATHS)};
(async () => {
  for (const [name, member] of Object.entries(subpaths)) {
    const required = require(name);
    const imported = await import(name);
    const same = required[member] === imported[member] && typeof required[member] === 'function';
    console.log(name, member, same);
  }
})().catch((e) => { console.log('ERROR', e.message); process.exitCode = 1; });
`,
  );
  const r = spawnSync(process.execPath, ['load.cjs'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.stdout,
    Object.entries(SUBPATHS)
      .map(([name, member]) => `${name} ${member} true\n`)
      .join(''),
    r.stderr,
  );
});

test('TypeScript consumers: moduleResolution node16, nodenext and bundler see every subpath typed', {
  timeout: 600_000,
}, () => {
  writeFileSync(
    join(app, 'consumer.ts'),
    `
import { Thread, Lock, TimeoutError } from 'skein';
import { Event, currentThread } from 'skein/threading';
import { Queue, LifoQueue } from 'skein/queue';
import { ThreadPoolExecutor, type Future } from 'skein/futures';
import { Pool, type ChunksizeOptions } from 'skein/multiprocessing';
import { MissingDependencyError } from 'skein/redis';

const t = new Thread({ target: (a: number, b: number) => a + b, args: [1, 2] });
const sum: Promise<unknown> = t.result();
const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
const f: Future<number> = ex.submit((n: number) => n * 2, 21);
// @ts-expect-error the result is a number, not a string
const wrong: Future<string> = ex.submit((n: number) => n * 2, 21);
// @ts-expect-error Python's spelling is not an option (the runtime says: did you mean maxWorkers?)
new ThreadPoolExecutor({ max_workers: 2 });
const q = new Queue<string>();
const l = new LifoQueue<number>();
const p = new Pool({ processes: 1 });
const chunked: Promise<number[]> = p.map((x: number) => x * x, [1, 2, 3], 2);
const options: ChunksizeOptions = { chunksize: 3 };
const e: Error = new TimeoutError('x');
const missing: Error = new MissingDependencyError('bullmq', undefined);
export { sum, f, wrong, q, l, chunked, options, e, missing, Lock, Event, currentThread };
`,
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [resolution, module] of [
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['bundler', 'esnext'],
  ]) {
    const config = join(app, `tsconfig.${resolution}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module,
          moduleResolution: resolution,
          // skein's own declarations are compiled by its build; bullmq's types are an optional
          // peer's, absent here (skein/redis loads it only when used).
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
          lib: ['es2023'],
        },
        files: ['consumer.ts'],
      }),
    );
    const r = spawnSync(process.execPath, [tsc, '-p', config], {
      cwd: app,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(r.status, 0, `moduleResolution ${resolution}:\n${r.stdout}${r.stderr}`);
  }
});
