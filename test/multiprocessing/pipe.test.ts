import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EOFError, RuntimeError } from 'skein';
import { type Connection, Pipe, Process } from 'skein/multiprocessing';
import { Thread } from 'skein/threading';
import { rejectsWith } from '../helpers.ts';

describe('Pipe', { timeout: 1_800_000 }, () => {
  test('duplex: both ends send and receive, in order, any V8 value', async () => {
    const [a, b] = Pipe();
    const values = [
      1,
      'two',
      { three: [3n] },
      new Map([[4, new Set([4])]]),
      new Uint8Array([5]),
      null,
      undefined,
    ];
    for (const v of values) a.send(v);
    for (const v of values) assert.deepEqual(await b.recv(), v);
    b.send('back');
    assert.equal(await a.recv(), 'back');
    a.close();
    b.close();
  });

  test('Pipe(false) is [reader, writer]; the wrong direction is a RuntimeError', async () => {
    const [r, w] = Pipe(false);
    assert.equal(r.readable, true);
    assert.equal(r.writable, false);
    assert.equal(w.readable, false);
    assert.equal(w.writable, true);
    assert.throws(() => r.send(1), RuntimeError);
    await rejectsWith(w.recv(), RuntimeError, /write-only/);
    w.send('x');
    assert.equal(await r.recv(), 'x');
    r.close();
    w.close();
  });

  test('poll(): no argument does not wait; a timeout waits; true once a message is there', async () => {
    const [a, b] = Pipe();
    assert.equal(await b.poll(), false);
    const t0 = performance.now();
    assert.equal(await b.poll(80), false);
    assert.ok(performance.now() - t0 >= 70);
    const waiting = b.poll(null);
    a.send(1);
    assert.equal(await waiting, true);
    assert.equal(b.pollSync(), true);
    assert.equal(await b.recv(), 1);
    a.close();
    b.close();
  });

  test('EOF lesson: recv throws EOFError only once every copy of the other end is closed', async () => {
    const [r, w] = Pipe<number>(false);
    const child = new Process({
      target: (w: Connection<number>) => {
        for (let i = 0; i < 3; i++) w.send(i);
        w.close();
      },
      args: [w],
    });
    child.start();
    await child.join();
    // The parent still holds its own copy of the writer: no EOF, recv would wait forever.
    for (let i = 0; i < 3; i++) assert.equal(await r.recv(), i);
    assert.equal(await r.poll(100), false);
    w.close(); // close the unused end
    await rejectsWith(r.recv(), EOFError);
    assert.equal(await r.poll(), true); // EOF counts as "ready"
    r.close();
  });

  test('a holder that exits without closing counts as closed', async () => {
    const [r, w] = Pipe<string>(false);
    const child = new Process({
      target: (w: Connection<string>) => {
        w.send('last words');
      },
      args: [w],
    });
    child.start();
    w.close();
    assert.equal(await r.recv(), 'last words');
    await rejectsWith(r.recv(), EOFError);
    await child.join();
    r.close();
  });

  test('a killed holder counts as closed', async () => {
    const [r, w] = Pipe<string>(false);
    const child = new Process({
      target: async (w: Connection<string>) => {
        w.send('ready');
        await new Promise(() => {});
      },
      args: [w],
    });
    child.start();
    w.close();
    assert.equal(await r.recv(), 'ready');
    child.kill();
    await rejectsWith(r.recv(), EOFError);
    await child.join();
    r.close();
  });

  test('between a thread and the main thread, with recvSync in the thread', async () => {
    const [a, b] = Pipe<number>();
    const t = new Thread({
      target: (b: Connection<number>) => {
        for (;;) {
          const n = b.recvSync();
          if (n < 0) break;
          b.send(n * n);
        }
      },
      args: [b],
    });
    t.start();
    b.close();
    for (let i = 1; i <= 5; i++) {
      a.send(i);
      assert.equal(await a.recv(), i * i);
    }
    a.send(-1);
    await t.join();
    // The thread has ended: its copy of `b` is gone, so `a` reads EOF.
    await rejectsWith(a.recv(), EOFError);
    a.close();
  });

  test('regression: a thread that ends without closing its copy (async methods only) closes it', async () => {
    const [a, b] = Pipe<string>();
    const t = new Thread({
      target: async (b: Connection<string>) => {
        b.send('hi');
        return b.recv();
      },
      args: [b],
    });
    t.start();
    b.close();
    assert.equal(await a.recv(), 'hi');
    a.send('yo');
    assert.equal(await t.result(), 'yo');
    // The thread's isolate may be kept for reuse, but the thread is over: EOF.
    await rejectsWith(a.recv(), EOFError);
    a.close();
  });

  test('a Connection sent through a pipe to a process works there', async () => {
    const [ctl, ctlChild] = Pipe<Connection<string>>();
    const [r, w] = Pipe<string>(false);
    const child = new Process({
      target: async (ctl: Connection<Connection<string>>) => {
        const w = await ctl.recv();
        w.send('via a sent end');
        w.close();
        ctl.close();
      },
      args: [ctlChild],
    });
    child.start();
    ctlChild.close();
    ctl.send(w);
    w.close();
    assert.equal(await r.recv(), 'via a sent end');
    await rejectsWith(r.recv(), EOFError);
    await child.join();
    ctl.close();
    r.close();
  });

  test('regression: one end passed to several processes started in the same tick gives each its own copy', async () => {
    const [r, w] = Pipe<number>(false);
    const ps = [1, 2, 3].map(
      (n) =>
        new Process({
          target: async (w: Connection<number>, n: number) => {
            // Stagger the exits: an early exit must not end the others' copies.
            await new Promise((resolve) => setTimeout(resolve, n * 50));
            w.send(n);
          },
          args: [w, n],
        }),
    );
    for (const p of ps) p.start();
    w.close();
    const got: number[] = [];
    for (;;) {
      try {
        got.push(await r.recv());
      } catch (err) {
        if (err instanceof EOFError) break;
        throw err;
      }
    }
    assert.deepEqual(got.sort(), [1, 2, 3]);
    for (const p of ps) await p.join();
    r.close();
  });

  test('recvSync and pollSync in a child process', async () => {
    const [a, b] = Pipe<number>();
    const p = new Process({
      target: (b: Connection<number>) => {
        const n = b.recvSync();
        b.send(n + 1);
        if (!b.pollSync(120_000)) throw new Error('the second message never came');
        b.send(b.recvSync() + 1);
      },
      args: [b],
    });
    p.start();
    b.close();
    a.send(41);
    assert.equal(await a.recv(), 42);
    a.send(1);
    assert.equal(await a.recv(), 2);
    await p.join();
    assert.equal(p.exitCode, 0);
    a.close();
  });

  test('bad input: a non-cloneable value is a TypeError naming its path, and nothing is sent', async () => {
    const [a, b] = Pipe();
    assert.throws(
      () => a.send({ ok: 1, handler: () => 1 }),
      (err: Error) => err instanceof TypeError && /obj\.handler/.test(err.message),
    );
    assert.equal(await b.poll(50), false);
    assert.throws(() => Pipe('yes' as unknown as boolean), TypeError);
    a.close();
    assert.throws(
      () => a.send(1),
      (err: Error) => err instanceof RuntimeError && (err as RuntimeError).code === 'ERR_SKEIN_RUNTIME',
    );
    await rejectsWith(b.recv(), EOFError);
    b.close();
  });
});
