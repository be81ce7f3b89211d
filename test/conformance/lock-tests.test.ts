/**
 * The behaviours CPython checks in Lib/test/lock_tests.py (BaseLockTests, LockTests,
 * RLockTests, EventTests, ConditionTests, BaseSemaphoreTests, BoundedSemaphoreTests,
 * BarrierTests), written fresh for skein. Each behaviour with more than one party runs three
 * ways: async tasks of the main thread, worker threads, and both mixed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  DeadlockError,
  Event,
  Lock,
  RLock,
  RuntimeError,
  Semaphore,
  ValueError,
} from 'skein/threading';
import { rejectsWith, until } from '../helpers.ts';
import { isError, MODES, spawn } from '../sync/harness.ts';

const T = { timeout: 600_000 };

for (const [name, Cls] of [
  ['Lock', Lock],
  ['RLock', RLock],
] as const) {
  describe(`${name} (BaseLockTests)`, { timeout: 1_800_000 }, () => {
    test('constructor, locked, acquire/release', T, async () => {
      const lock = new Cls();
      assert.equal(lock.locked(), false);
      assert.equal(lock.owner, null);
      assert.equal(await lock.acquire(), true);
      assert.equal(lock.locked(), true);
      assert.equal(lock.owner, 1);
      lock.release();
      assert.equal(lock.locked(), false);
    });

    test('try_acquire: blocking false', T, () => {
      const lock = new Cls();
      assert.equal(lock.acquireSync({ blocking: false }), true);
      lock.release();
    });

    test(
      'timeout validation: negative → RangeError, blocking false with timeout → TypeError',
      T,
      async () => {
        const lock = new Cls();
        assert.throws(() => lock.acquireSync(-1), RangeError);
        assert.throws(() => lock.acquireSync(Number.NaN), RangeError);
        assert.throws(() => lock.acquireSync({ blocking: false, timeout: 10 }), TypeError);
        await assert.rejects(lock.acquire(-5), RangeError);
        await assert.rejects(lock.acquire({ timeout: '5' as unknown as number }), TypeError);
        assert.equal(lock.locked(), false);
      },
    );

    test('already-aborted signal rejects at once even when free', T, async () => {
      const lock = new Cls();
      const signal = AbortSignal.abort(new Error('stop'));
      await assert.rejects(lock.acquire({ signal }), /stop/);
      assert.throws(() => lock.acquireSync({ signal }), /stop/);
      assert.equal(lock.locked(), false);
    });

    test('with (hold / holdSync / run)', T, async () => {
      const lock = new Cls();
      {
        using _ = await lock.hold();
        assert.equal(lock.locked(), true);
      }
      assert.equal(lock.locked(), false);
      {
        using _ = lock.holdSync();
        assert.equal(lock.locked(), true);
      }
      assert.equal(lock.locked(), false);
      await assert.rejects(
        lock.run(() => {
          assert.equal(lock.locked(), true);
          throw new Error('inside');
        }),
        /inside/,
      );
      assert.equal(lock.locked(), false);
      assert.equal(await lock.run(() => 42), 42);
    });

    for (const mode of MODES) {
      test(`try_acquire_contended [${mode}]`, T, async () => {
        const lock = new Cls();
        // The holder is a thread in threads/mixed mode, the main thread in async mode.
        const held = new Event();
        const go = new Event();
        const holder = spawn(
          mode === 'async' ? 'async' : 'threads',
          0,
          async (l: Lock, h: Event, g: Event) => {
            await l.acquire();
            h.set();
            await g.wait();
            l.release();
          },
          lock,
          held,
          go,
        );
        await held.wait();
        const other = spawn(
          mode === 'async' ? 'threads' : mode,
          1,
          async (l: Lock) => l.acquire({ blocking: false }),
          lock,
        );
        assert.equal(await other.result(), false);
        go.set();
        await holder.result();
        assert.equal(lock.locked(), false);
      });

      test(`acquire_contended: N waiters all get it in turn [${mode}]`, T, async () => {
        const lock = new Cls();
        // An RLock held by the main thread is re-entered by the main thread's tasks: hold it
        // from a thread of its own then.
        const reentrant = lock instanceof RLock;
        const release = new Event();
        const holder = reentrant
          ? spawn(
              'threads',
              0,
              async (l: Lock, r: Event) => {
                await l.acquire();
                await r.wait();
                l.release();
              },
              lock,
              release,
            )
          : undefined;
        if (reentrant) await until(() => lock.locked());
        else await lock.acquire();
        const N = 5;
        const parties = Array.from({ length: N }, (_, i) =>
          spawn(
            mode,
            i,
            async (l: Lock) => {
              await l.acquire();
              l.release();
              return true;
            },
            lock,
          ),
        );
        await until(() => lock.waiting === N, { what: `${N} waiters` });
        if (reentrant) release.set();
        else lock.release();
        await holder?.result();
        for (const p of parties) assert.equal(await p.result(), true);
        assert.equal(lock.locked(), false);
        assert.equal(lock.waiting, 0);
      });

      test(`timeout: acquire with a timeout on a held lock returns false [${mode}]`, T, async () => {
        const lock = new Cls();
        await lock.acquire();
        const p = spawn(
          mode === 'async' ? 'threads' : mode,
          0,
          async (l: Lock) => {
            const t0 = performance.now();
            const got = await l.acquire({ timeout: 100 });
            return [got, performance.now() - t0];
          },
          lock,
        );
        const [got, ms] = (await p.result()) as [boolean, number];
        assert.equal(got, false);
        assert.ok(ms >= 95, `waited ${ms} ms`);
        assert.equal(lock.waiting, 0);
        lock.release();
      });
    }
  });
}

describe('Lock (LockTests)', { timeout: 1_800_000 }, () => {
  test('release of an unlocked lock → RuntimeError', T, () => {
    const lock = new Lock();
    assert.throws(
      () => lock.release(),
      (e: unknown) =>
        e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME' && /unlocked/.test(e.message),
    );
  });

  test('acquireSync twice in one thread → DeadlockError; with a timeout → false', T, () => {
    const lock = new Lock();
    lock.acquireSync();
    assert.throws(
      () => lock.acquireSync(),
      (e: unknown) => e instanceof DeadlockError && e.code === 'ERR_SKEIN_DEADLOCK',
    );
    assert.equal(lock.acquireSync(30), false);
    lock.release();
  });

  for (const mode of MODES) {
    test(`different_thread: acquired in one thread, released by another [${mode}]`, T, async () => {
      const lock = new Lock();
      const p = spawn(mode === 'async' ? 'threads' : mode, 0, async (l: Lock) => l.acquire(), lock);
      assert.equal(await p.result(), true);
      // Python's Lock is not owned: another thread may release it (while its acquirer runs, or
      // a waiter takes the abandoned lock over; see mutex.ts).
      lock.release();
      assert.equal(lock.locked(), false);
    });

    test(`reacquire: a waiter on a held lock proceeds after the release [${mode}]`, T, async () => {
      const lock = new Lock();
      await lock.acquire();
      const p = spawn(
        mode,
        0,
        async (l: Lock) => {
          await l.acquire();
          l.release();
          return 'done';
        },
        lock,
      );
      await until(() => lock.waiting === 1);
      lock.release();
      assert.equal(await p.result(), 'done');
    });
  }

  test(
    'async acquire of a lock held by the same thread waits (not a deadlock) until another task releases',
    T,
    async () => {
      const lock = new Lock();
      await lock.acquire();
      const second = lock.acquire();
      await until(() => lock.waiting === 1);
      lock.release();
      assert.equal(await second, true);
      lock.release();
    },
  );

  test('state after timeout: the lock is usable', T, async () => {
    const lock = new Lock();
    await lock.acquire();
    assert.equal(await lock.acquire(20), false);
    lock.release();
    assert.equal(await lock.acquire(20), true);
    lock.release();
  });
});

describe('RLock (RLockTests)', { timeout: 1_800_000 }, () => {
  test('reacquire: recursion levels', T, async () => {
    const lock = new RLock();
    await lock.acquire();
    lock.acquireSync();
    await lock.acquire();
    assert.equal(lock.count, 3);
    lock.release();
    lock.release();
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(lock.locked(), false);
  });

  test('release_unacquired → RuntimeError', T, () => {
    const lock = new RLock();
    assert.throws(
      () => lock.release(),
      (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME',
    );
    lock.acquireSync();
    lock.release();
    assert.throws(() => lock.release(), isError(RuntimeError, 'ERR_SKEIN_RUNTIME'));
  });

  for (const mode of ['threads', 'mixed'] as const) {
    test(`different_thread: release by a non-owner → RuntimeError [${mode}]`, T, async () => {
      const lock = new RLock();
      await lock.acquire();
      const p = spawn(
        mode,
        0,
        async (l: RLock) => {
          try {
            l.release();
            return 'released';
          } catch (e) {
            return [(e as Error).name, (e as { code: string }).code];
          }
        },
        lock,
      );
      assert.deepEqual(await p.result(), ['RuntimeError', 'ERR_SKEIN_RUNTIME']);
      assert.equal(lock.locked(), true);
      lock.release();
    });
  }

  test('async tasks of one thread share ownership', T, async () => {
    const lock = new RLock();
    await lock.acquire();
    const other = (async () => {
      await lock.acquire(); // re-entrant: same thread
      lock.release();
      return true;
    })();
    assert.equal(await other, true);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

describe('Event (EventTests)', { timeout: 1_800_000 }, () => {
  test('is_set / set / clear; wait returns the flag', T, async () => {
    const e = new Event();
    assert.equal(e.isSet(), false);
    e.set();
    assert.equal(e.isSet(), true);
    assert.equal(await e.wait(), true);
    assert.equal(e.waitSync(0), true);
    e.clear();
    assert.equal(e.isSet(), false);
    assert.equal(await e.wait(20), false);
    assert.equal(e.waitSync(0), false);
    await assert.rejects(e.wait({ signal: AbortSignal.abort(new Error('ab')) }), /ab/);
  });

  for (const mode of MODES) {
    test(`notify: set wakes every waiter [${mode}]`, T, async () => {
      const e = new Event();
      const N = 4;
      const parties = Array.from({ length: N }, (_, i) => spawn(mode, i, async (ev: Event) => ev.wait(), e));
      await until(() => e.waiting === N, { what: `${N} waiters` });
      e.set();
      for (const p of parties) assert.equal(await p.result(), true);
      assert.equal(e.waiting, 0);
    });

    test(`timeout: wait(timeout) returns false, then true once set [${mode}]`, T, async () => {
      const e = new Event();
      const p = spawn(
        mode === 'async' ? 'threads' : mode,
        0,
        async (ev: Event) => [await ev.wait(30), ev.waitSync(30)],
        e,
      );
      assert.deepEqual(await p.result(), [false, false]);
      e.set();
      const q = spawn(mode, 1, async (ev: Event) => ev.wait(5000), e);
      assert.equal(await q.result(), true);
    });
  }

  test('abort leaves no phantom waiter', T, async () => {
    const e = new Event();
    const ac = new AbortController();
    const w = e.wait({ signal: ac.signal });
    await until(() => e.waiting === 1);
    ac.abort(new Error('gone'));
    await assert.rejects(w, /gone/);
    assert.equal(e.waiting, 0);
  });
});

describe('Condition (ConditionTests)', { timeout: 1_800_000 }, () => {
  test('acquire / release through the condition; default lock is an RLock', T, async () => {
    const c = new Condition();
    assert.ok(c.lock instanceof RLock);
    await c.acquire();
    c.acquireSync();
    c.release();
    c.release();
    assert.equal(c.locked(), false);
    assert.throws(() => new Condition({} as Lock), TypeError);
  });

  test('unacquired wait / notify → RuntimeError', T, async () => {
    const c = new Condition();
    await rejectsWith(c.wait(), RuntimeError, /un-acquired/);
    assert.throws(
      () => c.waitSync(),
      (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME',
    );
    assert.throws(() => c.notify(), isError(RuntimeError, 'ERR_SKEIN_RUNTIME'));
    assert.throws(() => c.notifyAll(), isError(RuntimeError, 'ERR_SKEIN_RUNTIME'));
  });

  test('wait releases every RLock level and restores it', T, async () => {
    const c = new Condition(new RLock());
    await c.acquire();
    await c.acquire();
    await c.acquire();
    const other = (async () => {
      // Another task of the same thread would share ownership; use a thread instead below.
    })();
    await other;
    assert.equal(await c.wait(20), false);
    assert.equal((c.lock as RLock).count, 3);
    c.release();
    c.release();
    c.release();
    assert.equal(c.locked(), false);
  });

  for (const mode of MODES) {
    test(`notify(n) wakes at most n; notifyAll the rest [${mode}]`, T, async () => {
      const c = new Condition(new Lock());
      const woken = new Event();
      const N = 5;
      const parties = Array.from({ length: N }, (_, i) =>
        spawn(
          mode,
          i,
          async (cond: Condition, w: Event) => {
            await cond.acquire();
            try {
              const r = await cond.wait();
              w.set();
              return r;
            } finally {
              cond.release();
            }
          },
          c,
          woken,
        ),
      );
      await until(() => c.nWaiting === N, { what: `${N} waiters` });
      assert.equal(c.waiters.length, N);
      await c.acquire();
      c.notify(1);
      c.release();
      await woken.wait();
      // Exactly one left the wait.
      await until(() => c.nWaiting === N - 1);
      await c.run(() => c.notify(3));
      await until(() => c.nWaiting === 1);
      await c.run(() => c.notifyAll());
      for (const p of parties) assert.equal(await p.result(), true);
      assert.equal(c.nWaiting, 0);
      assert.equal(c.locked(), false);
    });

    test(`waitFor returns the predicate's value; timeout returns the falsy value [${mode}]`, T, async () => {
      const c = new Condition();
      const state = new Event();
      const p = spawn(
        mode === 'async' ? 'async' : 'threads',
        0,
        async (cond: Condition, ev: Event) => {
          await cond.acquire();
          try {
            const missed = await cond.waitFor(() => false, 30);
            const got = await cond.waitFor(() => ev.isSet() && 'yes');
            return [missed, got];
          } finally {
            cond.release();
          }
        },
        c,
        state,
      );
      await until(() => c.nWaiting === 1 && c.waiters.length === 1, { what: 'one waiter' });
      await c.run(() => {
        state.set();
        c.notifyAll();
      });
      assert.deepEqual(await p.result(), [false, 'yes']);
    });

    test(`timeout: wait(timeout) returns false and holds the lock again [${mode}]`, T, async () => {
      const c = new Condition(new Lock());
      const p = spawn(
        mode === 'async' ? 'async' : 'threads',
        0,
        async (cond: Condition) => {
          await cond.acquire();
          const r = await cond.wait(40);
          const held = cond.locked();
          cond.release();
          return [r, held];
        },
        c,
      );
      assert.deepEqual(await p.result(), [false, true]);
      assert.equal(c.nWaiting, 0);
    });
  }

  test('an aborted waiter passes its notification on (no lost wake-up)', T, async () => {
    const c = new Condition(new Lock());
    const ac = new AbortController();
    const first = c.run(() => c.wait({ signal: ac.signal }));
    first.catch(() => {});
    await until(() => c.nWaiting === 1);
    const second = c.run(() => c.wait());
    await until(() => c.nWaiting === 2);
    // Notify one (the oldest, which will be aborted) and abort it at once.
    await c.acquire();
    c.notify(1);
    ac.abort(new Error('aborted'));
    c.release();
    await rejectsWith(first as Promise<unknown>, Error, /aborted/);
    assert.equal(await second, true);
    assert.equal(c.nWaiting, 0);
  });
});

describe('Semaphore (BaseSemaphoreTests, BoundedSemaphoreTests)', { timeout: 1_800_000 }, () => {
  test('constructor: negative → ValueError; default value 1', T, () => {
    assert.throws(
      () => new Semaphore(-1),
      (e: unknown) => e instanceof ValueError && e.code === 'ERR_SKEIN_VALUE',
    );
    assert.throws(() => new BoundedSemaphore(-1), isError(ValueError, 'ERR_SKEIN_VALUE'));
    assert.throws(() => new Semaphore(1.5), TypeError);
    const s = new Semaphore();
    assert.equal(s.value, 1);
    assert.equal(s.acquireSync({ blocking: false }), true);
    assert.equal(s.acquireSync({ blocking: false }), false);
  });

  test('multirelease: release(n) and misuse', T, async () => {
    const s = new Semaphore(0);
    s.release(3);
    assert.equal(s.value, 3);
    assert.throws(() => s.release(0), isError(ValueError, 'ERR_SKEIN_VALUE'));
    for (let i = 0; i < 3; i++) assert.equal(await s.acquire(0), true);
    assert.equal(await s.acquire(0), false);
  });

  test('BoundedSemaphore: release_unacquired → ValueError, value unchanged', T, async () => {
    const s = new BoundedSemaphore(2);
    assert.throws(
      () => s.release(),
      (e: unknown) => e instanceof ValueError && e.code === 'ERR_SKEIN_VALUE' && /too many/.test(e.message),
    );
    await s.acquire();
    await s.acquire();
    assert.throws(() => s.release(3), isError(ValueError, 'ERR_SKEIN_VALUE'));
    assert.equal(s.value, 0);
    s.release(2);
    assert.equal(s.value, 2);
  });

  for (const mode of MODES) {
    test(`acquire_contended: release(n) wakes n waiters [${mode}]`, T, async () => {
      const s = new Semaphore(0);
      const N = 6;
      const parties = Array.from({ length: N }, (_, i) =>
        spawn(mode, i, async (sem: Semaphore) => sem.acquire(), s),
      );
      await until(() => s.waiting === N, { what: `${N} waiters` });
      s.release(2);
      await until(() => s.waiting === N - 2);
      s.release(N - 2);
      for (const p of parties) assert.equal(await p.result(), true);
      assert.equal(s.value, 0);
    });

    test(`with: at most value holders at once [${mode}]`, T, async () => {
      const s = new Semaphore(2);
      const N = 6;
      const inside = new Int32Array(new SharedArrayBuffer(8));
      // inside[0]: holders now; inside[1]: the most seen at once.
      const parties = Array.from({ length: N }, (_, i) =>
        spawn(
          mode,
          i,
          async (sem: Semaphore, cells: Int32Array) => {
            // (No `using` in an inline thread function: under tsx it needs esbuild's helpers.)
            for (let k = 0; k < 20; k++) {
              await sem.acquire();
              try {
                const now = Atomics.add(cells, 0, 1) + 1;
                let max = Atomics.load(cells, 1);
                while (now > max)
                  max = Atomics.compareExchange(cells, 1, max, now) === max ? now : Atomics.load(cells, 1);
                await new Promise((r) => setImmediate(r));
                Atomics.sub(cells, 0, 1);
              } finally {
                sem.release();
              }
            }
          },
          s,
          inside,
        ),
      );
      for (const p of parties) await p.result();
      assert.ok(inside[1]! <= 2 && inside[1]! >= 1, `max holders ${inside[1]}`);
      assert.equal(s.value, 2);
    });
  }
});

describe('Barrier (BarrierTests)', { timeout: 1_800_000 }, () => {
  test('constructor misuse', T, () => {
    assert.throws(() => new Barrier(0), isError(ValueError, 'ERR_SKEIN_VALUE'));
    assert.throws(() => new Barrier(2, { timeout: -1 }), RangeError);
    assert.throws(() => new Barrier(2, { action: 5 as unknown as () => void }), TypeError);
  });

  test('single_thread: parties = 1 returns 0 at once, repeatedly', T, async () => {
    const b = new Barrier(1);
    assert.equal(await b.wait(), 0);
    assert.equal(b.waitSync(), 0);
  });

  for (const mode of MODES) {
    test(`barrier: several cycles, indices 0..n-1, action once per cycle [${mode}]`, T, async () => {
      const N = 3;
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const b = new Barrier(N, {
        action: () => {
          globalThis.__skeinBarrierActions = (globalThis.__skeinBarrierActions ?? 0) + 1;
        },
      });
      const parties = Array.from({ length: N }, (_, i) =>
        spawn(
          mode,
          i,
          async (bar: Barrier, cnt: Int32Array) => {
            const indices: number[] = [];
            for (let k = 0; k < 3; k++) {
              indices.push(await bar.wait());
              Atomics.add(cnt, 0, 1);
            }
            return indices;
          },
          b,
          counter,
        ),
      );
      const all = await Promise.all(parties.map((p) => p.result()));
      for (let k = 0; k < 3; k++) {
        assert.deepEqual(all.map((ix) => ix[k]).sort(), [0, 1, 2]);
      }
      assert.equal(counter[0], 9);
      assert.equal(b.broken, false);
      assert.equal(b.nWaiting, 0);
    });

    test(`abort: waiters get BrokenBarrierError; reset recovers [${mode}]`, T, async () => {
      const b = new Barrier(3);
      const parties = [0, 1].map((i) =>
        spawn(
          mode,
          i,
          async (bar: Barrier) => {
            try {
              await bar.wait();
              return 'passed';
            } catch (e) {
              return [(e as Error).name, (e as { code: string }).code];
            }
          },
          b,
        ),
      );
      await until(() => b.nWaiting === 2, { what: 'two parties wait' });
      b.abort();
      for (const p of parties)
        assert.deepEqual(await p.result(), ['BrokenBarrierError', 'ERR_SKEIN_BROKEN_BARRIER']);
      assert.equal(b.broken, true);
      await assert.rejects(b.wait(), isError(BrokenBarrierError, 'ERR_SKEIN_BROKEN_BARRIER'));
      b.reset();
      assert.equal(b.broken, false);
      const again = [0, 1, 2].map((i) => spawn(mode, i, async (bar: Barrier) => bar.wait(), b));
      assert.deepEqual((await Promise.all(again.map((p) => p.result()))).sort(), [0, 1, 2]);
    });

    test(`timeout breaks the barrier for every waiter [${mode}]`, T, async () => {
      const b = new Barrier(3, { timeout: 600_000 });
      const slow = spawn(
        mode,
        0,
        async (bar: Barrier) => {
          try {
            await bar.wait();
          } catch (e) {
            return (e as Error).name;
          }
        },
        b,
      );
      await until(() => b.nWaiting === 1, { what: 'one party waits' });
      const quick = spawn(
        mode,
        1,
        async (bar: Barrier) => {
          try {
            await bar.wait(50);
          } catch (e) {
            return (e as Error).name;
          }
        },
        b,
      );
      assert.equal(await quick.result(), 'BrokenBarrierError');
      assert.equal(await slow.result(), 'BrokenBarrierError');
      assert.equal(b.broken, true);
    });
  }

  test('reset while waiting: waiters get BrokenBarrierError, then the barrier works', T, async () => {
    const b = new Barrier(2);
    const w = b.wait();
    await until(() => b.nWaiting === 1);
    b.reset();
    await assert.rejects(w, isError(BrokenBarrierError, 'ERR_SKEIN_BROKEN_BARRIER'));
    assert.equal(b.broken, false);
    const [x, y] = await Promise.all([b.wait(), b.wait()]);
    assert.deepEqual([x, y].sort(), [0, 1]);
  });

  test('a failing action breaks the barrier; the caller gets its error', T, async () => {
    const b = new Barrier(2, {
      action: () => {
        throw new Error('action failed');
      },
    });
    const first = b.wait();
    first.catch(() => {});
    await until(() => b.nWaiting === 1);
    await assert.rejects(b.wait(), /action failed/);
    await assert.rejects(first, isError(BrokenBarrierError, 'ERR_SKEIN_BROKEN_BARRIER'));
  });
});

declare global {
  var __skeinBarrierActions: number | undefined;
}
