// Issue 12 §3: every waiter wakes, whichever thread or task wakes it. A matrix of (waiter
// context × waker context) for each primitive; every wait has a 60 s timeout and must report
// being woken — a lost wake-up fails the cell (it is not a time measurement). Shared by the
// wakeups-*.test.ts files (split so each file stays well within the runner's per-file bound).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThreadPoolExecutor, task } from 'skein/futures';
import { Thread } from 'skein/threading';
// @ts-expect-error: a plain-JS fixture without types
import * as W from './fixtures/wakeups.mjs';

type Bag = unknown;
const fx = new URL('./fixtures/wakeups.mjs', import.meta.url);
const waitAsyncTask = task<(b: Bag) => Promise<boolean>>(fx, 'waitAsync');
const waitSyncTask = task<(b: Bag) => boolean>(fx, 'waitSync');
const wakeTask = task<(b: Bag) => Promise<boolean>>(fx, 'wakeWhenWaiting');
const sameTask = task<(b: Bag) => Promise<boolean>>(fx, 'sameThread');

/** Runs `target(b)` as a skein Thread and resolves with its result. */
export function inThread<R>(target: unknown, b: Bag): Promise<R> {
  const t = new Thread({ target: target as never, args: [b] as never });
  t.start();
  return t.result() as Promise<R>;
}

/** Runs the matrix for each of `kinds` (names known to fixtures/wakeups.mjs). */
export function wakeupMatrix(kinds: readonly string[]): void {
  describe('every waiter wakes, whichever context wakes it', { timeout: 600_000 }, () => {
    for (const kind of kinds) {
      describe(kind, () => {
        test('async waiter on main, woken by a thread', async () => {
          const b = W.make(kind);
          const w = W.waitAsync(b);
          assert.equal(await inThread(wakeTask, b), true);
          assert.equal(await w, true);
        });
        test('async waiter in a thread, woken by main', async () => {
          const b = W.make(kind);
          const w = inThread<boolean>(waitAsyncTask, b);
          assert.equal(await W.wakeWhenWaiting(b), true);
          assert.equal(await w, true);
        });
        test('…Sync waiter in a thread, woken by main', async () => {
          const b = W.make(kind);
          const w = inThread<boolean>(waitSyncTask, b);
          assert.equal(await W.wakeWhenWaiting(b), true);
          assert.equal(await w, true);
        });
        test('async waiter in a thread, woken by another thread', async () => {
          const b = W.make(kind);
          const w = inThread<boolean>(waitAsyncTask, b);
          assert.equal(await inThread(wakeTask, b), true);
          assert.equal(await w, true);
        });
        test('two async tasks of one thread', async () => {
          const b = W.make(kind);
          assert.equal(await inThread(sameTask, b), true);
        });
        test('two async tasks of the main thread', async () => {
          const b = W.make(kind);
          assert.equal(await W.sameThread(b), true);
        });
        test('two tasks of a one-worker pool, waiter first', async () => {
          const b = W.make(kind);
          const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
          try {
            const w = pool.submit(waitAsyncTask, b);
            const k = pool.submit(wakeTask, b);
            assert.equal(await k, true);
            assert.equal(await w, true);
          } finally {
            await pool.shutdown();
          }
        });
      });
    }
  });
}
