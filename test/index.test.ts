// The root entry re-exports the other entries' names (DESIGN §3).
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('the root entry re-exports threading, queue, multiprocessing and every error class', async () => {
  const root = await import('skein');
  const entries = [
    await import('skein/threading'),
    await import('skein/queue'),
    await import('skein/multiprocessing'),
  ];
  for (const entry of entries) {
    for (const name of Object.keys(entry)) {
      assert.ok(name in root, `skein is missing ${name}`);
    }
  }
  const queue = await import('skein/queue');
  assert.equal(root.Queue, queue.Queue, 'the root Queue is the thread queue');
  assert.equal(root.SimpleQueue, queue.SimpleQueue);
  for (const name of ['Empty', 'Full', 'ShutDown', 'TimeoutError', 'CancelledError', 'InvalidStateError']) {
    assert.equal(typeof (root as Record<string, unknown>)[name], 'function', name);
  }
  for (const name of [
    'BrokenExecutor',
    'BrokenThreadPool',
    'BrokenProcessPool',
    'BrokenBarrierError',
    'EOFError',
  ]) {
    assert.equal(typeof (root as Record<string, unknown>)[name], 'function', name);
  }
  for (const name of [
    'DeadlockError',
    'WorkerDiedError',
    'AuthenticationError',
    'RuntimeError',
    'ValueError',
  ]) {
    assert.equal(typeof (root as Record<string, unknown>)[name], 'function', name);
  }
});
