/**
 * The tutorial's synchronization programs (shared/seed/000_71772925c7df500a.txt), in skein:
 * the `balance` race and its lock, Lock vs RLock double acquire, the dining philosophers'
 * deadlock and the single-RLock fix, a Semaphore, the Event connection check, and the
 * Condition with notify(n) (scripted input instead of stdin). Where it makes sense, the
 * Python original runs beside it and the observable output is compared.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  Barrier,
  Condition,
  DeadlockError,
  Event,
  Lock,
  RLock,
  Semaphore,
  Thread,
  Value,
} from 'skein/threading';
import { hasPython, NO_PYTHON, until } from '../helpers.ts';

const T = { timeout: 600_000 };
/** Options of a subtest that compares with python3: skipped (and reported so) without it. */
const PY = { skip: !hasPython() && NO_PYTHON };

/** What python3 prints for `code` (it must succeed). */
function python(code: string): string {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** run_thread(n) of the tutorial: 150 000 × (balance += n; balance -= n), optionally `with lock`. */
async function runThread(balance: Value<'i'>, n: number, useLock: boolean, start: Barrier): Promise<void> {
  const lock = balance.getLock();
  start.waitSync(120_000); // both threads start together, so they really overlap
  for (let i = 0; i < 150_000; i++) {
    if (useLock) lock.acquireSync();
    balance.value = balance.value + n;
    balance.value = balance.value - n;
    if (useLock) lock.release();
  }
}

describe('seed: the balance program', { timeout: 1_800_000 }, () => {
  test(
    'without a lock: two parallel threads may lose updates (the value is printed, not asserted)',
    T,
    async () => {
      const balance = new Value('i', 0);
      const start = new Barrier(2);
      const ts = [5, 8].map((n) => new Thread({ target: runThread, args: [balance, n, false, start] }));
      for (const t of ts) t.start();
      for (const t of ts) await t.join();
      // Certain: it is an integer that each thread left as a sum of its ±n steps; a lost update
      // shows as a non-zero value. Python's GIL makes its own run print 0 most of the time.
      assert.ok(Number.isInteger(balance.value));
      console.log(`unlocked balance after the race: ${balance.value}`);
    },
  );

  test('with the lock the result is exactly 0, as python3 prints', T, async (t) => {
    const balance = new Value('i', 0);
    const start = new Barrier(2);
    const ts = [5, 8].map((n) => new Thread({ target: runThread, args: [balance, n, true, start] }));
    for (const t of ts) t.start();
    for (const t of ts) await t.join();
    assert.equal(balance.value, 0);
    await t.test('python3 prints the same', PY, () => {
      const py = python(`
import threading
balance=0
def change_it(n):
    global balance
    balance = balance + n
    balance = balance - n
def run_thread(n, lock):
    for i in range(150000):
        with lock:
            change_it(n)
lock = threading.Lock()
t1 = threading.Thread(target=run_thread, args=(5, lock))
t2 = threading.Thread(target=run_thread, args=(8, lock))
t1.start(); t2.start(); t1.join(); t2.join()
print(balance)`);
      assert.equal(py.trim(), String(balance.value));
    });
  });
});

describe('seed: Lock vs RLock', { timeout: 1_800_000 }, () => {
  test('Lock acquired twice in one thread: DeadlockError instead of hanging', T, () => {
    const lock = new Lock();
    lock.acquireSync();
    assert.throws(
      () => lock.acquireSync(),
      (e: unknown) => e instanceof DeadlockError && e.code === 'ERR_SKEIN_DEADLOCK',
    );
    lock.release();
  });

  test('RLock acquired three times prints 123, as python3 does', T, async (t) => {
    const lines: string[] = [];
    const lock = new RLock();
    lock.acquireSync();
    lock.acquireSync();
    lock.acquireSync();
    lines.push('123');
    lock.release();
    await t.test('python3 prints the same', PY, () => {
      const py = python(
        'from threading import RLock\nlock=RLock()\nlock.acquire()\nlock.acquire()\nlock.acquire()\nprint(123)\nlock.release()',
      );
      assert.equal(py.trim(), lines.join('\n'));
    });
  });
});

/** eat1/eat2 of the tutorial; a barrier replaces `time.sleep(1)` to force the crossing, a timeout detects the deadlock. */
async function eat(
  first: Lock | RLock,
  second: Lock | RLock,
  name: string,
  got: [string, string],
  meet: Barrier | null,
): Promise<string[]> {
  const out: string[] = [];
  first.acquireSync();
  out.push(`${name}拿到${got[0]}了`);
  if (meet) meet.waitSync(120_000);
  if (!second.acquireSync(300)) {
    first.release();
    out.push(`${name}: deadlock detected (waited 300 ms for ${got[1]})`);
    return out;
  }
  out.push(`${name}拿到${got[1]}了`, `${name}吃面`);
  second.release();
  first.release();
  return out;
}

describe('seed: dining philosophers (科学家吃面)', { timeout: 1_800_000 }, () => {
  test('two Locks taken in opposite orders deadlock: detected by a timeout and reported', T, async () => {
    const fork = new Lock();
    const noodle = new Lock();
    const meet = new Barrier(2);
    const a = new Thread({ target: eat, args: [fork, noodle, 'aaa', ['叉子', '面条'], meet], name: 'aaa' });
    const b = new Thread({ target: eat, args: [noodle, fork, '111', ['面条', '叉子'], meet], name: '111' });
    a.start();
    b.start();
    const out = [...(await a.result()), ...(await b.result())];
    assert.ok(
      out.some((l) => l.includes('deadlock detected')),
      out.join('\n'),
    );
    assert.equal(fork.locked() || noodle.locked(), false);
  });

  test("the tutorial's fix: one RLock for both — everyone eats (4 × 吃面, as python3)", T, async (t) => {
    const both = new RLock();
    const people: [string, boolean][] = [
      ['aaa', true],
      ['111', false],
      ['bbb', true],
      ['222', false],
    ];
    const ts = people.map(
      ([name, forkFirst]) =>
        new Thread({
          target: eat,
          args: [both, both, name, forkFirst ? ['叉子', '面条'] : ['面条', '叉子'], null],
        }),
    );
    for (const t of ts) t.start();
    const out = (await Promise.all(ts.map((t) => t.result()))).flat();
    assert.equal(out.filter((l) => l.endsWith('吃面')).length, 4);
    await t.test('python3 prints the same lines', PY, () => {
      const py = python(`
import time
from threading import Thread, RLock
def eat1(name, f, n):
    f.acquire(); print('%s拿到叉子了' % name); n.acquire(); print('%s拿到面条了' % name); print('%s吃面' % name); n.release(); f.release()
def eat2(name, f, n):
    n.acquire(); print('%s拿到面条了' % name); time.sleep(0.01); f.acquire(); print('%s拿到叉子了' % name); print('%s吃面' % name); f.release(); n.release()
noodle_lock = fork_lock = RLock()
ts = [Thread(target=eat1, args=('aaa', fork_lock, noodle_lock)), Thread(target=eat2, args=('111', fork_lock, noodle_lock)),
      Thread(target=eat1, args=('bbb', fork_lock, noodle_lock)), Thread(target=eat2, args=('222', fork_lock, noodle_lock))]
for t in ts: t.start()
for t in ts: t.join()`);
      assert.deepEqual(py.trim().split('\n').sort(), [...out].sort());
    });
  });
});

describe('seed: Semaphore', { timeout: 1_800_000 }, () => {
  test('Semaphore(4): of 10 threads at most 4 run the guarded section at once', T, async () => {
    const sem = new Semaphore(4);
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const ts = Array.from(
      { length: 10 },
      () =>
        new Thread({
          target: async (s: Semaphore, c: Int32Array) => {
            s.acquireSync();
            const now = Atomics.add(c, 0, 1) + 1;
            let max = Atomics.load(c, 1);
            while (now > max)
              max = Atomics.compareExchange(c, 1, max, now) === max ? now : Atomics.load(c, 1);
            for (let i = 0; i < 1e5; i++);
            Atomics.sub(c, 0, 1);
            s.release();
          },
          args: [sem, cells],
        }),
    );
    for (const t of ts) t.start();
    for (const t of ts) await t.join();
    assert.ok(cells[1]! <= 4 && cells[1]! >= 1);
    assert.equal(sem.value, 4);
  });
});

describe('seed: Event connection check (conn_mysql / check_mysql)', { timeout: 1_800_000 }, () => {
  test('two connectors retry with wait(1500) until the checker sets the event', T, async () => {
    const event = new Event();
    const conn = async (ev: Event): Promise<string[]> => {
      const { currentThread } = await import('skein/threading');
      const out: string[] = [];
      let count = 1;
      while (!ev.isSet()) {
        if (count > 3) throw new Error('链接超时');
        out.push(`<${currentThread().name}>第${count}次尝试链接`);
        await ev.wait(1500);
        count++;
      }
      out.push(`<${currentThread().name}>链接成功`);
      return out;
    };
    const c1 = new Thread({ target: conn, args: [event], name: 'Thread-1' });
    const c2 = new Thread({ target: conn, args: [event], name: 'Thread-2' });
    c1.start();
    c2.start();
    // check_mysql: "checks the network", then sets the event — here once both are waiting.
    await until(() => event.waiting === 2, { what: 'both connectors wait' });
    event.set();
    assert.deepEqual(await c1.result(), ['<Thread-1>第1次尝试链接', '<Thread-1>链接成功']);
    assert.deepEqual(await c2.result(), ['<Thread-2>第1次尝试链接', '<Thread-2>链接成功']);
  });
});

describe('seed: Condition with notify(n), scripted input', { timeout: 1_800_000 }, () => {
  test('10 threads wait; inputs 2, 3, 5 wake exactly that many each time', T, async () => {
    const con = new Condition();
    const ran = new Int32Array(new SharedArrayBuffer(4));
    const ts = Array.from({ length: 10 }, (_, i) => {
      const t = new Thread({
        target: async (c: Condition, r: Int32Array, n: number) => {
          c.acquireSync();
          c.waitSync();
          Atomics.add(r, 0, 1);
          c.release();
          return `run the thread : ${n}`;
        },
        args: [con, ran, i],
      });
      t.start();
      return t;
    });
    await until(() => con.nWaiting === 10, { what: '10 threads wait' });
    let woken = 0;
    for (const inp of ['2', '3', '5']) {
      await con.acquire();
      con.notify(Number(inp));
      con.release();
      woken += Number(inp);
      await until(() => Atomics.load(ran, 0) === woken, { what: `${woken} threads were woken` });
      assert.equal(con.nWaiting, 10 - woken);
    }
    const lines = await Promise.all(ts.map((t) => t.result()));
    assert.deepEqual(lines.sort(), Array.from({ length: 10 }, (_, i) => `run the thread : ${i}`).sort());
  });
});
