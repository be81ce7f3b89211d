// One module task URL for development and production: `task(new URL('./tasks.js', ...))` runs
// `tasks.ts` under tsx when `tasks.js` does not exist, and `tasks.js` once compiled — in a
// thread, a pool and a child process. Without a TypeScript loader, a missing `.js` stays an
// error (naming the `.ts` beside it). Each case runs a fresh Node process on files this test
// writes into its own temporary folder. (Native type stripping without tsx is tested on the
// packed package: test-pack/typescript-tasks.test.mjs.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { resolveTaskUrl, typeScriptTwin } from '../../dist/core/task-url.js';
import { ROOT, runNode } from '../helpers.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TS_TASKS =
  'export function whoami(n: number): string {\n  const kind: string = "ts";\n  return kind + ":" + n * n;\n}\n';
const JS_TASKS = 'export function whoami(n) {\n  return "js:" + n * n;\n}\n';
const dist = (p: string) => pathToFileURL(join(ROOT, 'dist', p)).href;

/** A program that runs `whoami` named as `./tasks.js` in a Thread, a pool and a Process. */
const PROGRAM = `
import { Thread, ThreadPoolExecutor, task } from ${JSON.stringify(dist('index.js'))};
import { Process } from ${JSON.stringify(dist('multiprocessing/index.js'))};
const ref = task(new URL('./tasks.js', import.meta.url), 'whoami');
console.log('module', ref.module.split('/').pop());
try {
  const t = new Thread({ target: ref, args: [2] });
  t.start();
  console.log('thread', await t.result());
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  try {
    console.log('pool', await pool.submit(ref, 3));
  } finally {
    await pool.shutdown();
  }
  const p = new Process({ target: ref, args: [4] });
  p.start();
  await p.join();
  console.log('process', p.exitCode);
} catch (err) {
  console.log('error', err.code, err.message);
}
`;

/** Writes the given files into a fresh folder and runs its main program (`main.ts` runs under tsx). */
async function run(files: Record<string, string>, main: 'main.ts' | 'main.mjs') {
  const dir = mkdtempSync(join(tmpdir(), 'skein-task-url-'));
  dirs.push(dir);
  // An ESM package, as a TypeScript project on NodeNext is.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, main), PROGRAM);
  const r = await runNode(join(dir, main), [], { timeout: 240_000 });
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return { dir, out: r.stdout, stderr: r.stderr };
}

describe('one task URL under tsx and compiled', { timeout: 600_000 }, () => {
  test('under tsx, ./tasks.js with only tasks.ts beside it runs the TypeScript file everywhere', async () => {
    const { out } = await run({ 'tasks.ts': TS_TASKS }, 'main.ts');
    assert.match(out, /^module tasks\.ts$/m);
    assert.match(out, /^thread ts:4$/m);
    assert.match(out, /^pool ts:9$/m);
    assert.match(out, /^process 0$/m);
  });

  test('compiled (no TypeScript loader), ./tasks.js runs the JavaScript file', async () => {
    const { out } = await run({ 'tasks.js': JS_TASKS }, 'main.mjs');
    assert.match(out, /^module tasks\.js$/m);
    assert.match(out, /^thread js:4$/m);
    assert.match(out, /^pool js:9$/m);
    assert.match(out, /^process 0$/m);
  });

  test('under tsx, an existing tasks.js wins over tasks.ts (as TypeScript resolves)', async () => {
    const { out } = await run({ 'tasks.js': JS_TASKS, 'tasks.ts': TS_TASKS }, 'main.ts');
    assert.match(out, /^module tasks\.js$/m);
    assert.match(out, /^thread js:4$/m);
  });

  test('without a TypeScript loader, a missing tasks.js is an error that names tasks.ts', async (t) => {
    const ts = (process.features as { typescript?: unknown }).typescript;
    if (ts) return t.skip(`this Node (${process.version}) strips types itself, so the .ts would load`);
    const { out } = await run({ 'tasks.ts': TS_TASKS }, 'main.mjs');
    assert.match(out, /^module tasks\.js$/m);
    assert.match(
      out,
      /^error ERR_SKEIN_TASK_NOT_FOUND .*tasks\.ts is beside it: compile it \(tsc\), run the program under tsx/m,
    );
  });
});

describe('resolveTaskUrl and typeScriptTwin', { timeout: 60_000 }, () => {
  test('map .js/.mjs/.cjs/.jsx to their TypeScript sources, in TypeScript’s order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-task-url-'));
    dirs.push(dir);
    for (const f of ['a.ts', 'a.tsx', 'b.tsx', 'c.mts', 'd.cts', 'e.js', 'e.ts'])
      writeFileSync(join(dir, f), '');
    const url = (f: string) => pathToFileURL(join(dir, f)).href;
    assert.equal(typeScriptTwin(url('a.js')), url('a.ts'));
    assert.equal(typeScriptTwin(url('b.js')), url('b.tsx'));
    assert.equal(typeScriptTwin(url('b.jsx')), url('b.tsx'));
    assert.equal(typeScriptTwin(url('c.mjs')), url('c.mts'));
    assert.equal(typeScriptTwin(url('d.cjs')), url('d.cts'));
    assert.equal(typeScriptTwin(url('z.js')), undefined);
    assert.equal(typeScriptTwin(`${url('a.js')}?v=1`), `${url('a.ts')}?v=1`);
    assert.equal(typeScriptTwin('data:text/javascript,export default 1'), undefined);
    assert.equal(typeScriptTwin('not a url'), undefined);
    // This test file runs under tsx, so the loader is active: a missing .js resolves to its source,
    // an existing .js stays, other URLs are untouched.
    assert.equal(resolveTaskUrl(url('a.js')), url('a.ts'));
    assert.equal(resolveTaskUrl(url('e.js')), url('e.js'));
    assert.equal(resolveTaskUrl(url('z.js')), url('z.js'));
    assert.equal(resolveTaskUrl(url('a.ts')), url('a.ts'));
    assert.equal(resolveTaskUrl('data:text/javascript,1'), 'data:text/javascript,1');
  });
});
