import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RuntimeError } from 'skein';
import { activeChildren, cpuCount, currentProcess, Process, task } from 'skein/multiprocessing';
import { assertNoNewResources, capturingStderr, rejectsWith, resources } from '../helpers.ts';

const tasks = new URL('../fixtures/tasks.js', import.meta.url);
const tsTasks = new URL('../fixtures/tasks-ts.ts', import.meta.url);

describe('Process', { timeout: 1_800_000 }, () => {
  test('runs an inline target in a child process and exits 0', async () => {
    const p = new Process({
      target: async (n: number) => {
        const { currentProcess } = await import('skein/multiprocessing');
        if (currentProcess().name !== 'worker-a' || n !== 3) process.exit(9);
      },
      args: [3],
      name: 'worker-a',
    });
    assert.equal(p.exitCode, null);
    p.start();
    assert.ok(p.pid && p.pid !== process.pid);
    assert.equal(p.isAlive(), true);
    assert.ok(activeChildren().includes(p));
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(p.isAlive(), false);
    assert.ok(!activeChildren().includes(p));
  });

  test('module tasks, .js and .ts (the child inherits tsx)', async () => {
    const a = new Process({ target: task(tasks, 'add'), args: [1, 2] });
    const b = new Process({ target: task(tsTasks, 'later'), args: ['x'] });
    a.start();
    b.start();
    await Promise.all([a.join(), b.join()]);
    assert.equal(a.exitCode, 0);
    assert.equal(b.exitCode, 0);
  });

  test('a target that throws prints "Process NAME:" with the stack and exits 1', async () => {
    const err = await capturingStderr(async () => {
      const p = new Process({ target: task(tasks, 'fail'), args: ['nope'], name: 'bad' });
      p.start();
      await p.join();
      assert.equal(p.exitCode, 1);
    });
    assert.match(err, /^Process bad:\nCustomError: nope\n/);
    assert.match(err, /raised in process "bad"/);
  });

  test('exitCode: the status of process.exit, -15 after terminate, -9 after kill', async () => {
    const exit = new Process({ target: () => process.exit(3) });
    const forever = () => new Promise(() => setInterval(() => {}, 1000));
    const term = new Process({ target: forever });
    const kill = new Process({ target: forever });
    for (const p of [exit, term, kill]) p.start();
    term.terminate();
    kill.kill();
    await Promise.all([exit.join(), term.join(), kill.join()]);
    assert.equal(exit.exitCode, 3);
    assert.equal(term.exitCode, -15);
    assert.equal(kill.exitCode, -9);
    term.terminate(); // harmless once ended
  });

  test('join(timeout) returns with the process alive', async () => {
    const p = new Process({ target: () => new Promise(() => setInterval(() => {}, 1000)) });
    p.start();
    await p.join(30);
    assert.equal(p.isAlive(), true);
    assert.equal(p.exitCode, null);
    p.kill();
    await p.join();
    assert.equal(p.isAlive(), false);
  });

  test('names and the current process', () => {
    const p = new Process();
    assert.match(p.name, /^Process-\d+$/);
    assert.equal(p.daemon, false);
    assert.equal(currentProcess().name, 'MainProcess');
    assert.equal(currentProcess().pid, process.pid);
    assert.equal(String(currentProcess()), "<_MainProcess name='MainProcess' parent=None started>");
    assert.ok(cpuCount() >= 1);
  });

  test('misuse: start twice, join before start, bad options, daemon after start', async () => {
    const p = new Process({ target: () => 1 });
    await rejectsWith(p.join(), RuntimeError, /can only join a started process/);
    p.start();
    assert.throws(() => p.start(), RuntimeError);
    assert.throws(() => {
      p.daemon = true;
    }, RuntimeError);
    await rejectsWith(p.join(-5), RangeError as never);
    await p.join();
    assert.throws(() => new Process({ target: 'x' as never }), TypeError);
    assert.throws(() => new Process({ args: {} as never }), /args must be an array/);
  });

  test('shared memory cannot cross: a TypeError at start, and no child is started', () => {
    const p = new Process({ target: (_b: unknown) => 1, args: [{ buf: new SharedArrayBuffer(4) }] });
    assert.throws(() => p.start(), /args\[0\]\.buf cannot be sent .* SharedArrayBuffer/);
    assert.equal(p.pid, undefined);
    assert.equal(p.isAlive(), false);
  });
});

describe('Process leaves nothing behind', { timeout: 1_800_000 }, () => {
  test('after join, terminate and kill, no handle remains', async () => {
    const before = resources();
    const a = new Process({ target: () => 1 });
    const b = new Process({ target: () => new Promise(() => setInterval(() => {}, 1000)) });
    a.start();
    b.start();
    b.terminate();
    await a.join();
    await b.join();
    assertNoNewResources(before);
  });
});
