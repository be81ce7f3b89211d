/**
 * Programs given on the command line (`node -e`, `node -p`, stdin) start threads, pools and
 * processes like a program in a file: the workers and children do not inherit `-e <source>`,
 * `-p` or `--input-type` (issue 13 §3). Each run is bounded (see the fixture's guard) and has a
 * deadlock guard of minutes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ROOT } from '../helpers.ts';

const source = readFileSync(new URL('../fixtures/command-line-program.cjs', import.meta.url), 'utf8');
const expected = ['thread 5', 'executor 40', 'process 0', 'pool [1,4,9]'];

/** Runs node with `args` (and `input` on stdin) in the repository; resolves with its exit and output. */
function node(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.SKEIN_COMMAND_LINE_TEST_CHILD;
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** The program's lines, without what `-p` prints of the program's value. */
const lines = (stdout: string) => stdout.split('\n').filter((l) => l !== '' && !l.startsWith('Promise {'));

describe('threads, pools and processes from a program on the command line', { timeout: 1_800_000 }, () => {
  for (const [how, args, input] of [
    ['node -e (CommonJS)', ['-e', source], ''],
    ['node --input-type=module -e', ['--input-type=module', '-e', source], ''],
    ['node --eval=…', [`--eval=${source}`], ''],
    ['node -p', ['-p', source], ''],
    ['node --input-type=module < program (stdin)', ['--input-type=module'], source],
    ['node file.cjs', ['test/fixtures/command-line-program.cjs'], ''],
  ] as const) {
    test(how, { timeout: 300_000 }, async () => {
      const r = await node([...args], input);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.doesNotMatch(r.stdout, /CASCADE/, 'a child ran the program again');
      assert.deepEqual(lines(r.stdout), expected, r.stderr);
    });
  }
});
