/**
 * Nothing left behind on a signal (issue 11 §4, issue 12 §3b): a program that used a Pipe, a
 * process Queue, a Manager and a child Process, ended by SIGINT, SIGTERM or SIGKILL, leaves no
 * skein temp folder and no child process (after SIGKILL, the next start sweeps the folders).
 * Only the folders and processes of the program started here are checked.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { Manager } from 'skein/multiprocessing';
import { ROOT, runNode, until } from '../helpers.ts';

const FIXTURE = 'test/fixtures/signal-program.mjs';

function foldersOf(pid: number): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith(`skein-${pid}-`));
}

/** Every live descendant of `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) {
      if (pp !== p) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function runAndSignal(sig: NodeJS.Signals) {
  const child = spawn(process.execPath, [FIXTURE], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<{ pid: number; childPid: number }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /ready (\{.*\})/.exec(out);
      if (m) resolve(JSON.parse(m[1]!));
    });
    child.on('close', () => reject(new Error(`the program ended before it was ready:\n${out}`)));
  });
  const info = await ready;
  const tracked = descendants(info.pid);
  assert.ok(tracked.includes(info.childPid), 'the child Process is tracked');
  assert.ok(tracked.length >= 2, 'the manager server is tracked too');
  assert.ok(foldersOf(info.pid).length >= 2, 'the pipe and manager folders exist');
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  child.kill(sig);
  const exit = await closed;
  return { info, tracked, exit };
}

describe('nothing left behind on a signal', { timeout: 600_000 }, () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    test(`${sig}: the program dies of it, with no folder and no child left`, async () => {
      const { info, tracked, exit } = await runAndSignal(sig);
      assert.equal(exit.signal, sig, 'ended by the signal, as a Node program without a handler');
      assert.deepEqual(foldersOf(info.pid), [], 'no skein folder of this program is left');
      await until(() => tracked.every((p) => !alive(p)), {
        timeout: 60_000,
        what: `children ${tracked} ended`,
      });
    });
  }

  test('SIGKILL: children exit (their channel closes); the next start sweeps the folders', async () => {
    const { info, tracked, exit } = await runAndSignal('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    await until(() => tracked.every((p) => !alive(p)), {
      timeout: 60_000,
      what: `children ${tracked} ended`,
    });
    // The manager's server removed its own folder; the pipe host's is swept by the next start.
    const next = await runNode(FIXTURE, ['brief'], { timeout: 120_000 });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(foldersOf(info.pid), [], 'the folders of the killed program are gone');
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    test(`${sig} ends a program whose main thread is blocked in a …Sync call`, async () => {
      const child = spawn(process.execPath, [FIXTURE, 'blocked'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          out += s;
          if (out.includes('ready')) resolve();
        });
        child.on('close', () => reject(new Error(`ended before it was ready:\n${out}`)));
      });
      const pid = child.pid!;
      let ended = false;
      const closed = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('close', (_c, s) => {
          ended = true;
          resolve(s);
        }),
      );
      // A signal that lands in the first instants of a block, while skein still listens, is
      // taken by its listener, which cannot run until the block ends; once the block has lasted
      // SIGNAL_GRACE_MS, signals act as without skein. So: signal until it ends (bounded).
      for (let i = 0; i < 300 && !ended; i++) {
        child.kill(sig);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(await closed, sig, 'the signal ended it, as without skein');
      // What it left (it could not clean up while blocked) goes with the next start.
      const next = await runNode(FIXTURE, ['brief'], { timeout: 120_000 });
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(foldersOf(pid), []);
    });
  }

  test('a program with its own SIGTERM handler keeps it: skein does not end it', async () => {
    const child = spawn(process.execPath, ['test/fixtures/signal-handler-program.mjs'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        if (out.includes('ready')) resolve();
      });
      child.on('close', () => reject(new Error(`ended before it was ready:\n${out}`)));
    });
    const pid = child.pid!;
    const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    child.kill('SIGTERM');
    assert.equal(await closed, 7, 'its handler decided');
    assert.match(out, /handled/);
    assert.deepEqual(foldersOf(pid), [], 'its exit still removed the folder');
  });

  test('Manager({ authkey: 123 }) throws before creating anything', async () => {
    const before = foldersOf(process.pid).length;
    await assert.rejects(Manager({ authkey: 123 as never }), TypeError);
    await assert.rejects(Manager({ address: { port: 70000 } }), RangeError);
    assert.equal(foldersOf(process.pid).length, before);
  });
});
