// A pool worker thread that dies holding a Lock abandons it: a waiter takes it over (the
// robust model of src/sync/mutex.ts), as for a Thread, instead of hanging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lock, WorkerDiedError } from 'skein';
import { ThreadPoolExecutor } from 'skein/futures';

test('a lock held by a pool worker that dies is taken over by the next acquirer', {
  timeout: 600_000,
}, async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  try {
    const lock = new Lock();
    const held = pool.submit((l: Lock) => {
      l.acquireSync();
      process.exit(3); // dies holding it
    }, lock);
    await assert.rejects(held.result(), WorkerDiedError);
    const owner = lock.owner;
    assert.notEqual(owner, null, 'still recorded as held by the dead worker');
    assert.equal(await lock.acquire({ timeout: 600_000 }), true);
    assert.equal(lock.ownerDied, owner);
    lock.release();
    // The pool replaced its worker and goes on.
    assert.equal(await pool.submit((n: number) => n + 1, 1).result(), 2);
  } finally {
    await pool.shutdown();
  }
});
