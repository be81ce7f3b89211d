import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { local, releaseIdleThreads, Thread } from 'skein/threading';

after(() => releaseIdleThreads());

describe('threading.local', { timeout: 1_800_000 }, () => {
  test('each thread sees its own attributes', async () => {
    const data = new local();
    data.user = 'main';
    const t = new Thread({
      target: (d: { user?: string }) => {
        const before = d.user;
        d.user = 'thread';
        return [before, d.user];
      },
      args: [data as unknown as { user?: string }],
    });
    t.start();
    assert.deepEqual(await t.result(), [undefined, 'thread']);
    assert.equal(data.user, 'main');
  });

  test('behaves like an object in its own thread', () => {
    const data = new local();
    data.a = 1;
    assert.ok('a' in data);
    assert.deepEqual(Object.keys(data), ['a']);
    delete data.a;
    assert.equal(data.a, undefined);
  });

  test('cannot go to a process', async () => {
    const { Process } = await import('skein/multiprocessing');
    const p = new Process({ target: (_d: unknown) => 1, args: [new local()] });
    assert.throws(() => p.start(), /args\[0\]: a threading.local cannot be sent to another process/);
  });
});
