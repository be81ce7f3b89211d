#!/usr/bin/env node
// Runs the unit tests with Node's test runner, one `node --test` per file, at most three files at
// a time (SKEIN_TEST_CONCURRENCY overrides), and never two heavy files together: the heavy ones
// burn CPU on purpose (chaos, stress), and two of them beside each other on a 2-core machine
// starve everything else. Most files mostly wait (on threads and processes starting, on the
// tutorial's sleeps), so three at a time keeps two cores busy without starving anyone.
// Heavy and known-slow files start first, so the run does not end on a long tail.
//
// Node 20's runner does not expand globs, so the files are listed here: every `*.test.ts` under
// test/ (or under the folders or files given as arguments). A passing file prints one line; a
// failing file prints its whole TAP output. At the end: a table of wall time per file (slowest
// first), so slow files are visible, and the closing line `N passed, N failed`.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Files that must not run beside each other (see above). Paths relative to the repository. */
const HEAVY = new Set([
  'test/futures/chaos.test.ts',
  'test/futures/chaos-process.test.ts',
  'test/queue/stress.test.ts',
  'test/sync/stress.test.ts',
]);
/** Files seen to take longest (the table this script prints): started early. */
const SLOW = [
  'test/seed/tour.test.ts',
  'test/multiprocessing/pool.test.ts',
  'test/futures/thread-pool.test.ts',
  'test/seed/threads.test.ts',
  'test/conformance/multiprocessing-pool.test.ts',
  'test/tutorial/chat.test.ts',
  'test/multiprocessing/pipe.test.ts',
  'test/multiprocessing/manager.test.ts',
];
/**
 * Deadlock guard of a test without its own timeout — and of a whole file, which Node's runner
 * times with the same option: 45 minutes, since a loaded machine (load 60–88 seen on 2 cores) makes
 * a long file take many times its quiet time. A timeout is never the thing tested.
 */
const TEST_TIMEOUT_MS = 2_700_000;

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test'];
const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  else if (p.endsWith('.test.ts')) files.push(relative('.', p));
};
for (const r of roots) walk(r);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const concurrency = Math.max(1, Number.parseInt(process.env.SKEIN_TEST_CONCURRENCY ?? '', 10) || 3);

/** Counts from a TAP stream's closing comments (`# pass 3`, `# fail 0`, ...). */
function counts(tap) {
  const n = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  return {
    pass: n('pass'),
    fail: n('fail'),
    cancelled: n('cancelled'),
    skipped: n('skipped'),
    todo: n('todo'),
  };
}

/** Runs one file; resolves with its outcome (never rejects). */
function runFile(file) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-reporter=tap', file],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.on('close', (code, signal) => {
      const c = counts(out);
      const ok = code === 0 && c.fail === 0 && c.cancelled === 0 && c.pass + c.skipped + c.todo > 0;
      resolve({ file, ok, code, signal, out, ms: performance.now() - t0, ...c });
    });
  });
}

const t0 = performance.now();
const rank = (f) => (HEAVY.has(f) ? 0 : SLOW.includes(f) ? 1 + SLOW.indexOf(f) : 1 + SLOW.length);
const pending = [...files].sort((a, b) => rank(a) - rank(b));
const results = [];
let heavyRunning = 0;
await new Promise((done) => {
  let running = 0;
  const next = () => {
    while (running < concurrency && pending.length > 0) {
      const i = pending.findIndex((f) => !HEAVY.has(f) || heavyRunning === 0);
      if (i < 0) break;
      const [file] = pending.splice(i, 1);
      const heavy = HEAVY.has(file);
      running++;
      if (heavy) heavyRunning++;
      runFile(file).then((r) => {
        running--;
        if (heavy) heavyRunning--;
        results.push(r);
        const secs = (r.ms / 1000).toFixed(1);
        if (r.ok) console.log(`ok ${r.file} (${r.pass} passed, ${secs} s)`);
        else {
          console.log(`\n==== FAILED ${r.file} (exit ${r.code ?? r.signal}, ${secs} s) ====\n${r.out}`);
          console.log(`==== end of ${r.file} ====\n`);
        }
        if (pending.length === 0 && running === 0) done();
        else next();
      });
    }
  };
  next();
});

const wall = (performance.now() - t0) / 1000;
const width = Math.max(...results.map((r) => r.file.length));
console.log('\nTime per file (wall seconds, slowest first; * = heavy, never two at once):');
for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
  const mark = HEAVY.has(r.file) ? '*' : ' ';
  console.log(
    `  ${(r.ms / 1000).toFixed(1).padStart(6)}  ${mark} ${r.file.padEnd(width)}  ${r.ok ? 'ok' : 'FAILED'}`,
  );
}
const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const failedFiles = results.filter((r) => !r.ok);
console.log(
  `\n${results.length} files in ${wall.toFixed(1)} s; ${sum('skipped')} skipped, ${sum('cancelled')} cancelled` +
    (failedFiles.length ? `; failed files: ${failedFiles.map((r) => r.file).join(', ')}` : ''),
);
// A file that failed without counting a failing test (it crashed) counts as one failure.
const failed = sum('fail') + sum('cancelled') + failedFiles.filter((r) => r.fail + r.cancelled === 0).length;
console.log(`${sum('pass')} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
