import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeadlockError, Event, Lock, RLock, RuntimeError, Thread } from 'skein/threading';
import { isError } from './harness.ts';

const T = { timeout: 600_000 };
const kShare = Symbol.for('skein.share');

describe('Lock', { timeout: 1_800_000 }, () => {
  test('owner and waiters are recorded as plain data', T, async () => {
    const lock = new Lock();
    assert.equal(lock.owner, null);
    assert.equal(lock.waiting, 0);
    await lock.acquire();
    assert.equal(lock.owner, 1);
    const w = lock.acquire();
    assert.equal(lock.waiting, 1);
    lock.release();
    assert.equal(await w, true);
    assert.equal(lock.waiting, 0);
    lock.release();
    assert.equal(lock.ownerDied, null);
  });

  test('crosses into a thread as itself; the thread sees its own ident as owner', T, async () => {
    const lock = new Lock();
    const t = new Thread({
      target: async (l: Lock) => {
        const { getIdent } = await import('skein/threading');
        l.acquireSync();
        const seen = [l.owner === getIdent(), l.locked()];
        l.release();
        return seen;
      },
      args: [lock],
    });
    t.start();
    assert.deepEqual(await t.result(), [true, true]);
    assert.equal(lock.locked(), false);
  });

  test('acquireSync twice in a worker → DeadlockError; with a timeout → false', T, async () => {
    const t = new Thread({
      target: async () => {
        const { Lock } = await import('skein/threading');
        const l = new Lock();
        l.acquireSync();
        const timed = l.acquireSync(20);
        try {
          l.acquireSync();
          return 'no error';
        } catch (e) {
          return [timed, (e as Error).name, (e as { code: string }).code];
        }
      },
    });
    t.start();
    assert.deepEqual(await t.result(), [false, 'DeadlockError', 'ERR_SKEIN_DEADLOCK']);
  });

  test(
    'holdSync on a held lock → DeadlockError; hold with a timeout that runs out → RuntimeError',
    T,
    async () => {
      const lock = new Lock();
      await lock.acquire();
      assert.throws(() => lock.holdSync(), isError(DeadlockError, 'ERR_SKEIN_DEADLOCK'));
      await assert.rejects(
        lock.hold(10),
        (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME',
      );
      lock.release();
    },
  );

  for (const Cls of [Lock, RLock]) {
    test(
      `${Cls.name}: hold/holdSync that cannot acquire throw RuntimeError and leave nothing held`,
      T,
      async () => {
        const lock = new Cls();
        const held = new Event();
        const go = new Event();
        // Held by another thread, so that an RLock's owner cannot simply re-enter it.
        const t = new Thread({
          target: (l: { acquireSync(): boolean; release(): void }, h: Event, g: Event) => {
            l.acquireSync();
            h.set();
            g.waitSync();
            l.release();
          },
          args: [lock, held, go],
        });
        t.start();
        await held.wait();
        const failed = (call: string) => (e: unknown) =>
          e instanceof RuntimeError && e.code === 'ERR_SKEIN_RUNTIME' && e.message.startsWith(`${call}(): `);
        await assert.rejects(lock.hold({ timeout: 20 }), failed('hold'));
        await assert.rejects(lock.hold({ blocking: false }), failed('hold'));
        assert.throws(() => lock.holdSync({ timeout: 20 }), failed('holdSync'));
        assert.throws(() => lock.holdSync({ blocking: false }), failed('holdSync'));
        assert.equal(lock.waiting, 0);
        go.set();
        await t.join();
        assert.equal(lock.locked(), false, 'no failed hold left the lock taken');
        assert.equal(lock.owner, null);
        {
          using _ = lock.holdSync({ timeout: 1000 });
          assert.equal(lock.locked(), true);
        }
        assert.equal(lock.locked(), false);
      },
    );
  }

  test('sending to a process is a TypeError naming manager.Lock()', T, () => {
    const lock = new Lock() as unknown as Record<symbol, (d: string) => unknown>;
    assert.throws(
      () => lock[kShare]!('process'),
      (e: unknown) => e instanceof TypeError && /manager\.Lock\(\)/.test(e.message),
    );
    const r = new RLock() as unknown as Record<symbol, (d: string) => unknown>;
    assert.throws(() => r[kShare]!('process'), /manager\.RLock\(\)/);
  });

  test('abort while waiting leaves no phantom waiter and no lost release', T, async () => {
    const lock = new Lock();
    await lock.acquire();
    const ac = new AbortController();
    const aborted = lock.acquire({ signal: ac.signal });
    const patient = lock.acquire();
    assert.equal(lock.waiting, 2);
    ac.abort(new Error('cancelled'));
    await assert.rejects(aborted, /cancelled/);
    lock.release();
    assert.equal(await patient, true);
    assert.equal(lock.waiting, 0);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

describe('dead holders (robust lock model)', { timeout: 1_800_000 }, () => {
  for (const Cls of [Lock, RLock]) {
    test(
      `${Cls.name}: a thread whose target throws while holding it — a waiter takes it over`,
      T,
      async () => {
        const lock = new Cls();
        const held = new Event();
        const t = new Thread({
          target: async (l: Lock | RLock, h: Event) => {
            await l.acquire();
            await l.acquire({ blocking: false }); // RLock: a second level
            h.set();
            throw new Error('died holding the lock');
          },
          args: [lock, held],
        });
        const { setExcepthook, excepthook } = await import('skein/threading');
        const prev = excepthook;
        setExcepthook(() => {});
        try {
          t.start();
          const quiet = t.result().catch((e: Error) => e.message);
          await held.wait();
          assert.equal(lock.owner, t.ident);
          assert.equal(await lock.acquire(120_000), true);
          assert.equal(lock.ownerDied, t.ident);
          assert.equal(lock.owner, 1);
          if (lock instanceof RLock) assert.equal(lock.count, 1);
          lock.release();
          assert.equal(lock.locked(), false);
          assert.equal(await quiet, 'died holding the lock');
          // The next ordinary acquisition reports nothing.
          await lock.acquire();
          assert.equal(lock.ownerDied, null);
          lock.release();
        } finally {
          setExcepthook(prev);
        }
      },
    );
  }

  test(
    'a thread that calls process.exit while holding a Lock: a blocked acquireSync waiter in another thread gets it',
    T,
    async () => {
      const lock = new Lock();
      const held = new Event();
      const dying = new Thread({
        target: async (l: Lock | RLock, h: Event) => {
          l.acquireSync();
          h.set();
          process.exit(3);
        },
        args: [lock, held],
      });
      dying.start();
      const died = dying.result().catch((e: Error) => e.name);
      await held.wait();
      const waiter = new Thread({
        target: async (l: Lock, deadIdent: number) => {
          const got = l.acquireSync(120_000);
          const info = [got, l.ownerDied === deadIdent];
          l.release();
          return info;
        },
        args: [lock, dying.ident ?? 0],
      });
      waiter.start();
      assert.deepEqual(await waiter.result(), [true, true]);
      assert.equal(await died, 'WorkerDiedError');
      assert.equal(lock.locked(), false);
    },
  );
});
