// Behaviours of CPython's Lib/test/_test_multiprocessing.py for connections (_TestConnection),
// written fresh for skein's Pipe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EOFError, RuntimeError } from 'skein';
import { type Connection, Pipe, Process } from 'skein/multiprocessing';
import { rejectsWith } from '../helpers.ts';

describe('conformance: multiprocessing connections', { timeout: 1_800_000 }, () => {
  test('test_connection: an echo child returns every object; poll and EOF', async () => {
    const [conn, childConn] = Pipe();
    const p = new Process({
      target: async (c: Connection) => {
        const { EOFError } = await import('skein');
        for (;;) {
          try {
            c.send(await c.recv());
          } catch (err) {
            if (err instanceof EOFError) break;
            throw err;
          }
        }
        c.close();
      },
      args: [childConn],
    });
    p.start();
    childConn.close();
    const seq = [1, 2.25, null];
    const msg = 'hello world'.repeat(100);
    const longmsg = new Uint8Array(1 << 20).fill(7);
    assert.equal(await conn.poll(), false);
    conn.send(seq);
    assert.deepEqual(await conn.recv(), seq);
    conn.send(msg);
    assert.equal(await conn.recv(), msg);
    conn.send(longmsg);
    assert.deepEqual(await conn.recv(), longmsg);
    const t0 = performance.now();
    assert.equal(await conn.poll(200), false);
    assert.ok(performance.now() - t0 >= 180, 'poll(timeout) waits about the timeout');
    conn.send(null);
    assert.equal(await conn.poll(5000), true);
    assert.equal(await conn.poll(), true);
    assert.equal(await conn.recv(), null);
    conn.close(); // the child's recv now raises EOFError
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('test_duplex_false: the reader cannot send, the writer cannot recv', async () => {
    const [reader, writer] = Pipe(false);
    writer.send(1);
    assert.equal(await reader.recv(), 1);
    assert.throws(() => reader.send(2), RuntimeError);
    await rejectsWith(writer.recv(), RuntimeError);
    await rejectsWith(writer.poll(), RuntimeError);
    reader.close();
    writer.close();
  });

  test('test_spawn_close: a child that closes its end makes recv raise EOFError', async () => {
    const [conn, childConn] = Pipe();
    const p = new Process({
      target: (c: Connection) => {
        c.send('hello');
        c.close();
      },
      args: [childConn],
    });
    p.start();
    childConn.close();
    assert.equal(await conn.recv(), 'hello');
    await rejectsWith(conn.recv(), EOFError);
    await p.join();
    conn.close();
  });

  test('closed handles: operations on a closed connection raise; close is idempotent', async () => {
    const [a, b] = Pipe();
    a.close();
    a.close();
    assert.equal(a.closed, true);
    assert.throws(() => a.send(1), RuntimeError);
    await rejectsWith(a.recv(), RuntimeError);
    await rejectsWith(b.recv(), EOFError);
    b.close();
  });

  test('test_context: using closes the connection', async () => {
    const [a, b] = Pipe();
    {
      using conn = a;
      conn.send('x');
    }
    assert.equal(a.closed, true);
    assert.equal(await b.recv(), 'x');
    await rejectsWith(b.recv(), EOFError);
    b.close();
  });

  test('messages from several senders on one end keep each sender order', async () => {
    const [r, w] = Pipe<[number, number]>(false);
    const ps = [0, 1, 2].map(
      (id) =>
        new Process({
          target: (w: Connection<[number, number]>, id: number) => {
            for (let i = 0; i < 50; i++) w.send([id, i]);
          },
          args: [w, id],
        }),
    );
    for (const p of ps) p.start();
    w.close();
    const seen = new Map<number, number[]>();
    for (;;) {
      let m: [number, number];
      try {
        m = await r.recv();
      } catch (err) {
        if (err instanceof EOFError) break;
        throw err;
      }
      seen.set(m[0], [...(seen.get(m[0]) ?? []), m[1]]);
    }
    for (const p of ps) await p.join();
    for (const id of [0, 1, 2])
      assert.deepEqual(
        seen.get(id),
        Array.from({ length: 50 }, (_, i) => i),
      );
    r.close();
  });
});
