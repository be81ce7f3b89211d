/**
 * CPython's Lib/test/lock_tests.py behaviours (BaseLockTests, LockTests, RLockTests,
 * BaseSemaphoreTests, SemaphoreTests, BoundedSemaphoreTests), written fresh for the Redis
 * Lock, RLock, Semaphore and BoundedSemaphore of skein/redis. Python's "threads" are clients
 * here (one RedisManager each): a Redis lock is held by a client, as a threading one by a thread.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RuntimeError, ValueError } from 'skein';
import { type RedisLock, RedisManager, type RedisRLock, type RedisSemaphore } from 'skein/redis';
import { rejectsWith } from '../helpers.ts';
import { REDIS_MISSING, startRedis } from '../redis/redis-server.ts';

const srv = await startRedis();
const T = { timeout: 120_000 };
const N = 5;
let seq = 0;

describe('lock_tests on Redis', { skip: srv ? false : REDIS_MISSING, timeout: 600_000 }, () => {
  /** Client 0 is "the main thread"; the others are the "threads" of Python's tests. */
  const clients: RedisManager[] = [];
  before(async () => {
    for (let i = 0; i < N + 1; i++)
      clients.push(await RedisManager.connect({ connection: srv!.url, namespace: 'lt' }));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await srv?.stop();
  });

  for (const kind of ['Lock', 'RLock'] as const) {
    const make = (i: number, name: string): RedisLock | RedisRLock => clients[i]![kind](name);
    describe(`${kind} (BaseLockTests)`, () => {
      test('constructor, locked, acquire/release', T, async () => {
        const lock = make(0, `${kind}-${++seq}`);
        assert.equal(await lock.locked(), false);
        assert.equal(await lock.acquire(), true);
        assert.equal(await lock.locked(), true);
        await lock.release();
        assert.equal(await lock.locked(), false);
      });

      test('try_acquire and try_acquire_contended', T, async () => {
        const name = `${kind}-${++seq}`;
        assert.equal(await make(0, name).acquire({ blocking: false }), true);
        assert.equal(await make(1, name).acquire({ blocking: false }), false);
        assert.equal(make(2, name).acquireSync({ blocking: false }), false);
        await make(0, name).release();
      });

      test('acquire_contended: N waiters all get it in turn, one at a time', T, async () => {
        const name = `${kind}-${++seq}`;
        await make(0, name).acquire();
        let inside = 0;
        let most = 0;
        let done = 0;
        const waiters = Array.from({ length: N }, async (_, i) => {
          const l = make(i + 1, name);
          await l.acquire();
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setImmediate(r));
          inside--;
          done++;
          await l.release();
        });
        assert.equal(done, 0, 'nobody got it while it was held');
        await make(0, name).release();
        await Promise.all(waiters);
        assert.equal(done, N);
        assert.equal(most, 1, 'never two holders at once');
      });

      test('timeout: validation, and a timed-out acquire returns false', T, async () => {
        const name = `${kind}-${++seq}`;
        const lock = make(0, name);
        await rejectsWith(lock.acquire(-1), RangeError);
        await rejectsWith(lock.acquire(Number.NaN), RangeError);
        await rejectsWith(lock.acquire({ blocking: false, timeout: 10 }), TypeError);
        await rejectsWith(lock.acquire({ timeout: '5' as never }), TypeError);
        await lock.acquire();
        assert.equal(await make(1, name).acquire({ timeout: 10 }), false);
        assert.equal(make(1, name).acquireSync(10), false);
        await lock.release();
      });

      test('with: hold / holdSync / run', T, async () => {
        const lock = make(0, `${kind}-${++seq}`);
        {
          using _ = await lock.hold();
          assert.equal(await lock.locked(), true);
        }
        assert.equal(await lock.locked(), false);
        {
          await using _ = lock.holdSync();
          assert.equal(lock.lockedSync(), true);
        }
        assert.equal(await lock.locked(), false);
        assert.equal(await lock.run(() => 42), 42);
      });

      test('state_after_timeout: a timed-out waiter does not disturb the lock', T, async () => {
        const name = `${kind}-${++seq}`;
        await make(0, name).acquire();
        assert.equal(await make(1, name).acquire(10), false);
        await make(0, name).release();
        assert.equal(await make(1, name).acquire(0), true);
        await make(1, name).release();
      });

      test('release_unacquired: RuntimeError', T, async () => {
        await rejectsWith(make(0, `${kind}-${++seq}`).release(), RuntimeError);
      });

      test('different_thread: another client cannot release it (its lease is not theirs)', T, async () => {
        const name = `${kind}-${++seq}`;
        await make(0, name).acquire();
        await rejectsWith(make(1, name).release(), RuntimeError, /another client/);
        assert.equal(await make(0, name).locked(), true);
        await make(0, name).release();
      });
    });
  }

  describe('Lock (LockTests)', () => {
    test('reacquire: a second acquire by the holder waits for a release', T, async () => {
      const name = `Lock-${++seq}`;
      const lock = clients[0]!.Lock(name);
      await lock.acquire();
      assert.equal(await lock.acquire(0), false, 'a Lock is not re-entrant');
      const again = lock.acquire();
      await lock.release();
      assert.equal(await again, true);
      await lock.release();
    });

    test('different_thread within a client: any task of the holder may release', T, async () => {
      const name = `Lock-${++seq}`;
      await clients[0]!.Lock(name).acquire();
      await Promise.resolve().then(() => clients[0]!.Lock(name).release());
      assert.equal(await clients[1]!.Lock(name).locked(), false);
    });
  });

  describe('RLock (RLockTests)', () => {
    test('reacquire: the holder re-enters, others wait for the last release', T, async () => {
      const name = `RLock-${++seq}`;
      const lock = clients[0]!.RLock(name);
      await lock.acquire();
      await lock.acquire();
      await lock.acquire();
      await lock.release();
      await lock.release();
      assert.equal(await clients[1]!.RLock(name).acquire(0), false);
      await lock.release();
      assert.equal(await clients[1]!.RLock(name).acquire(0), true);
      await clients[1]!.RLock(name).release();
    });
  });

  for (const kind of ['Semaphore', 'BoundedSemaphore'] as const) {
    const make = (i: number, name: string, value = 1): RedisSemaphore => clients[i]![kind](name, value);
    describe(`${kind} (BaseSemaphoreTests)`, () => {
      test('constructor: a negative value is a RangeError', T, () => {
        assert.throws(() => make(0, 'x', -1), RangeError);
        assert.throws(() => make(0, 'x', 1.5), TypeError);
      });

      test('acquire: counts down from its value; default value 1', T, async () => {
        const name = `${kind}-${++seq}`;
        const sem = make(0, name, 2);
        assert.equal(await sem.acquire(), true);
        assert.equal(await sem.acquire(), true);
        assert.equal(await sem.acquire(0), false);
        await sem.release();
        await sem.release();
        const one = clients[0]![kind](`${kind}-${++seq}`);
        assert.equal(await one.acquire(0), true);
        assert.equal(await one.acquire(0), false);
        await one.release();
      });

      test('acquire_contended: never more holders than permits, and everyone gets one', T, async () => {
        const name = `${kind}-${++seq}`;
        let inside = 0;
        let most = 0;
        await Promise.all(
          Array.from({ length: N }, async (_, i) => {
            const s = make(i + 1, name, 2);
            for (let k = 0; k < 3; k++) {
              await s.acquire();
              inside++;
              most = Math.max(most, inside);
              await new Promise((r) => setImmediate(r));
              inside--;
              await s.release();
            }
          }),
        );
        assert.ok(most <= 2, `at most 2 holders at once (saw ${most})`);
        assert.equal(await make(0, name, 2).getValue(), 2);
      });

      test('try_acquire_contended and acquire_timeout', T, async () => {
        const name = `${kind}-${++seq}`;
        await make(0, name).acquire();
        assert.equal(await make(1, name).acquire({ blocking: false }), false);
        assert.equal(await make(1, name).acquire(10), false);
        assert.equal(make(1, name).acquireSync(10), false);
        await make(0, name).release();
      });

      test('with: hold and run', T, async () => {
        const sem = make(0, `${kind}-${++seq}`);
        {
          await using _ = await sem.hold();
          assert.equal(await sem.getValue(), 0);
          await rejectsWith(make(1, sem.name).hold(0), RuntimeError);
        }
        assert.equal(await sem.getValue(), 1);
        assert.equal(await sem.run(async () => sem.getValue()), 0);
      });

      test('release(n) wakes up to n waiters', T, async () => {
        const name = `${kind}-${++seq}`;
        const sem = make(0, name, 3);
        for (let i = 0; i < 3; i++) await sem.acquire();
        const waiters = [1, 2].map((i) => make(i, name, 3).acquire());
        await sem.release(2);
        assert.deepEqual(await Promise.all(waiters), [true, true]);
        await sem.release();
        await make(1, name, 3).release();
        await make(2, name, 3).release();
        assert.equal(await sem.getValue(), 3);
      });
    });
  }

  test('Semaphore release_unacquired: raises the value (SemaphoreTests)', T, async () => {
    const sem = clients[0]!.Semaphore(`Semaphore-${++seq}`, 1);
    await sem.release();
    assert.equal(await sem.getValue(), 2);
    await sem.acquire();
    await sem.acquire();
    assert.equal(await sem.acquire(0), false);
  });

  test('BoundedSemaphore release_unacquired: ValueError (BoundedSemaphoreTests)', T, async () => {
    const sem = clients[0]!.BoundedSemaphore(`BoundedSemaphore-${++seq}`, 1);
    await rejectsWith(sem.release(), ValueError);
    await sem.acquire();
    await sem.release();
    await rejectsWith(sem.release(), ValueError);
    assert.equal(await sem.getValue(), 1);
  });
});
