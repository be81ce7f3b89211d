// Every example program answers `--help` with its usage (exit 0) and runs nothing, with no escape
// codes into a pipe. Each run is a fresh Node process under tsx; the programs are split in
// two halves so that each file stays well inside the runner's per-file deadlock guard.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, runNode } from '../helpers.ts';

const programs = [
  ...readdirSync(join(ROOT, 'examples'))
    // cli.ts is their shared command-line helper and *-tasks.ts are task modules: not programs.
    .filter((f) => f.endsWith('.ts') && f !== 'cli.ts' && !f.endsWith('-tasks.ts'))
    .map((f) => `examples/${f}`),
  'examples/chat/server.ts',
  'examples/chat/client.ts',
].sort();
const ESC = '\u001b[';

/** Runs `items` through `fn`, at most `n` at a time (each run is a fresh Node process). */
async function inBatches<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(fn));
}

/** Checks `--help` on the programs of this half (0: the first, 1: the second). */
export function helpTests(half: 0 | 1): void {
  const mid = Math.ceil(programs.length / 2);
  const mine = half === 0 ? programs.slice(0, mid) : programs.slice(mid);
  describe(`--help on the example programs (${half === 0 ? 'first' : 'second'} half)`, {
    timeout: 600_000,
  }, () => {
    test('there are programs to check', () => {
      assert.ok(programs.length >= 24, `found ${programs.length} programs`);
    });
    test('every program answers --help with its usage, and runs nothing', async () => {
      await inBatches(mine, 4, async (p) => {
        const r = await runNode(p, ['--help'], { timeout: 120_000 });
        assert.equal(r.code, 0, `${p} --help: exit ${r.code}\n${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^usage: node --import tsx ${p.replace('.', '\\.')}`), p);
        assert.match(r.stdout, /-h, --help +show this help and exit/, p);
        assert.equal(r.stdout.includes(ESC), false, `${p} --help prints escape codes into a pipe`);
      });
    });
  });
}
