/**
 * Faults of queue consumers and barrier parties, with real processes and a real redis-server
 * (issue 15 §4), and objects used by name from another process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BrokenBarrierError } from 'skein';
import { RedisManager } from 'skein/redis';
import { rejectsWith, until } from '../helpers.ts';
import { startChild } from './child.ts';
import { REDIS_MISSING, startRedis } from './redis-server.ts';

const srv = await startRedis();
const T = { timeout: 180_000 };
const NS = 'fo';
let seq = 0;
const fresh = (what: string) => `${what}-${++seq}`;
const fenceOf = (line: string) => Number(line.split(' ')[1]);

/** The manager's connection (an internal member, left out of the published types). */
function internals(m: unknown): { store: { client: import('ioredis').Redis } } {
  return (m as { ctx: { store: { client: import('ioredis').Redis } } }).ctx;
}

describe('RedisManager faults: queues, barriers, other processes', {
  skip: srv ? false : REDIS_MISSING,
  timeout: 600_000,
}, () => {
  let m: RedisManager;
  before(async () => {
    // A short client lease, so that waits depending on other clients' liveness re-check often.
    m = await RedisManager.connect({ connection: srv!.url, namespace: NS, lease: 500 });
  });
  after(async () => {
    await m?.close();
    await srv?.stop();
  });

  test('queue: an item taken by a consumer that dies is delivered again (at least once)', T, async () => {
    const name = fresh('q');
    const q = m.Queue<{ n: number }>(name);
    await q.put({ n: 1 });
    const consumer = startChild(srv!.url, NS, 'take-item', name);
    try {
      assert.equal(await consumer.line(/^item /), 'item {"n":1}');
      assert.equal(q.qsize(), 0, "the item is on the consumer's processing list");
      await consumer.kill();
      assert.deepEqual(await q.get(), { n: 1 });
      q.taskDone();
      await q.join();
    } finally {
      await consumer.kill();
    }
  });

  test('barrier: a party that dies while waiting breaks it', T, async () => {
    const name = fresh('bar');
    const party = startChild(srv!.url, NS, 'barrier', name, '3');
    try {
      await party.line(/^waiting$/);
      const probe = internals(m).store.client;
      await until(async () => (await probe.llen(`${NS}:barrier:${name}:a`)) === 1, {
        what: 'the party is counted at the barrier',
      });
      const mine = m.Barrier(name, 3).wait();
      mine.catch(() => {});
      await party.kill();
      await rejectsWith(mine, BrokenBarrierError);
    } finally {
      await party.kill();
    }
  });

  test('objects found by name from another process', T, async () => {
    const ready = m.Event('ready').wait();
    const child = startChild(srv!.url, NS, 'produce');
    try {
      assert.equal(await ready, true);
      const f = fenceOf(await child.line(/^fence /));
      assert.equal(await child.exited, 0, child.stderr());
      const from = (await m.dict<string, { pid: number; tags: Set<string> }>('d').get('from'))!;
      assert.equal(from.pid, child.proc.pid);
      assert.deepEqual(from.tags, new Set(['a']));
      assert.deepEqual(await m.list<number>('l').copy(), [1, 2, 3]);
      const q = m.Queue<string>('q');
      assert.equal(await q.get(), 'one');
      assert.equal(await q.get(), 'two');
      const lock = m.Lock('shared', { lease: 2000 });
      await lock.acquire();
      assert.ok(lock.fence! > f);
      await lock.release();
    } finally {
      await child.kill();
    }
  });
});
