// The published surface, checked on the packed tarball as npm would publish it: the exact names
// each entry exports (test-pack/exports.json — a change to the public surface is deliberate:
// update that file in the same commit), no `@internal` member in the shipped .d.ts, no source
// maps pointing at sources that are not shipped, no comment citing a document that is not in
// the package, and a tarball that installs without running any install script.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const expected = JSON.parse(readFileSync(new URL('./exports.json', import.meta.url), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'skein-surface-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });

/** Every file under `d`, as paths relative to it. */
const walk = (d, prefix = '') =>
  readdirSync(d).flatMap((e) =>
    statSync(join(d, e)).isDirectory() ? walk(join(d, e), `${prefix}${e}/`) : [`${prefix}${e}`],
  );

let app;
let installed;
let packed;
let installLog;

describe('the published surface', { timeout: 300_000 }, () => {
  before(() => {
    // `npm test` has built dist/ already; packing with --ignore-scripts uses that build.
    const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
    const [{ filename, files }] = JSON.parse(out);
    packed = files.map((f) => f.path);
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // --foreground-scripts prints every lifecycle script npm runs, so the log shows any that ran.
    installLog = npm(
      ['install', '--no-audit', '--no-fund', '--foreground-scripts', join(dir, filename)],
      app,
    );
    installed = join(app, 'node_modules', 'skein');
  });

  test('each entry exports exactly the names in test-pack/exports.json', () => {
    const script = `
      const names = ${JSON.stringify(Object.keys(expected))};
      const out = {};
      for (const n of names) out[n] = Object.keys(await import(n)).sort();
      console.log(JSON.stringify(out));`;
    const actual = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app }),
    );
    for (const entry of Object.keys(expected)) {
      assert.deepEqual(
        actual[entry],
        [...expected[entry]].sort(),
        `exports of ${entry} changed: if on purpose, update test-pack/exports.json`,
      );
    }
  });

  test('every entry in package.json exports is covered by the snapshot', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    const entries = Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? 'skein' : `skein/${k.slice(2)}`));
    assert.deepEqual(entries.sort(), Object.keys(expected).sort());
  });

  test('no @internal member, source map or reference to unshipped documents is published', () => {
    const files = walk(installed);
    const dts = files.filter((f) => f.endsWith('.d.ts'));
    assert.ok(dts.length > 20, `ships declarations (${dts.length})`);
    for (const f of dts) {
      const text = readFileSync(join(installed, f), 'utf8');
      assert.ok(!text.includes('@internal'), `${f} still declares an @internal member`);
    }
    const maps = files.filter((f) => f.endsWith('.map'));
    assert.deepEqual(maps, [], 'source maps would point at sources that are not in the package');
    for (const f of files.filter((x) => /\.(js|d\.ts)$/.test(x))) {
      const text = readFileSync(join(installed, f), 'utf8');
      assert.ok(!/DESIGN(\.md| §)|FACTS\.md|sourceMappingURL/.test(text), `${f} cites an unshipped document`);
    }
    // The internal helpers the issue named are absent from every declaration.
    const all = dts.map((f) => readFileSync(join(installed, f), 'utf8')).join('\n');
    for (const name of ['_waiters', 'errorClasses', 'callSync(']) {
      assert.ok(!all.includes(name), `${name} leaks into the published types`);
    }
    assert.ok(
      !/static create\b/.test(
        readFileSync(join(installed, 'dist/multiprocessing/async-result.d.ts'), 'utf8'),
      ),
    );
  });

  test('the package ships its licence and changelog, and no sources or tests', () => {
    for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json'])
      assert.ok(packed.includes(f), f);
    assert.ok(
      !packed.some((p) => /^(src|test|test-pack|examples|scripts|docs)\//.test(p)),
      packed.join(', '),
    );
  });

  test('installing the tarball runs no install script', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
      assert.equal(pkg.scripts?.[hook], undefined, `package.json has a ${hook} script`);
    }
    assert.ok(!/> skein@/.test(installLog), `npm ran a script of skein while installing:\n${installLog}`);
    // Nothing was built at install time: the installed dist is byte for byte the packed one.
    assert.equal(
      readFileSync(join(installed, 'dist/index.js'), 'utf8'),
      readFileSync(join(root, 'dist/index.js'), 'utf8'),
    );
  });
});
