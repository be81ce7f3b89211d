import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runNode } from '../helpers.ts';

const program = 'test/fixtures/daemon-program.mjs';

describe('daemon semantics: the program waits for non-daemon workers only', { timeout: 1_800_000 }, () => {
  test('a non-daemon thread keeps the program alive until it finishes', async () => {
    const r = await runNode(program, ['thread', 'normal']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['worker running', 'main finished', 'worker done']);
  });

  test('a program whose only thread is a daemon exits without it', async () => {
    const r = await runNode(program, ['thread', 'daemon']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['worker running', 'main finished']);
  });

  test('awaiting join() on a daemon thread keeps the program alive', async () => {
    const r = await runNode(program, ['join-daemon']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['worker done', 'main finished']);
  });

  test('an untimed await on an Event keeps the program alive until a daemon thread sets it', async () => {
    const r = await runNode(program, ['event-daemon']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'woke true\n');
  });

  test('a non-daemon process keeps the program alive until it finishes', async () => {
    const r = await runNode(program, ['process', 'normal']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['main finished', 'worker done', 'worker running']);
  });

  test('a daemon process is terminated when its parent exits', async () => {
    const r = await runNode(program, ['process', 'daemon']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('worker done'), r.stdout);
    assert.ok(r.stdout.includes('main finished'));
  });
});

describe('start() then block, without the event loop turning', { timeout: 1_800_000 }, () => {
  test('the started thread still runs: cold isolates, warm ones, and a thread started in a thread', async () => {
    const r = await runNode('test/fixtures/start-then-block.mjs', [], { timeout: 600_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['round 0', 'round 1', 'round 2', 'nested']);
  });
});
