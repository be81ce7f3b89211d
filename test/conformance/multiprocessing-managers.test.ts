// Behaviours of CPython's Lib/test/_test_multiprocessing.py for managers (_TestContainers,
// _TestRemoteManager, _TestMyManager's shutdown), written fresh for skein's Manager.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthenticationError } from 'skein';
import { type ListProxy, Manager, Process, type SyncManager } from 'skein/multiprocessing';
import { rejectsWith } from '../helpers.ts';

describe('conformance: multiprocessing managers', { timeout: 1_800_000 }, () => {
  let m: SyncManager;
  before(async () => {
    m = await Manager();
  });
  after(async () => {
    await m.shutdown();
  });

  test('test_list: slicing-free list operations as Python', async () => {
    const a = await m.list<number>(Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(await a.copy(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b = await m.list<number>();
    assert.deepEqual(await b.copy(), []);
    await b.extend(Array.from({ length: 5 }, (_, i) => i));
    assert.deepEqual(await b.copy(), [0, 1, 2, 3, 4]);
    assert.equal(await b.get(2), 2);
    await b.append(2);
    assert.equal(await b.count(2), 2);
    await b.reverse();
    assert.deepEqual(await b.copy(), [2, 4, 3, 2, 1, 0]);
  });

  test('test_list_proxy_in_list: proxies stored in a managed list come back as proxies', async () => {
    const outer = await m.list<ListProxy<number>>();
    for (let i = 0; i < 3; i++) outer.appendSync(await m.list<number>([i]));
    const inner = await outer.get(1);
    await inner.append(10);
    assert.deepEqual(await (await outer.get(1)).copy(), [1, 10]);
    assert.equal(await outer.length(), 3);
  });

  test('test_dict: keys, values, items; a nested dict proxy', async () => {
    const d = await m.dict<number, string>();
    const indices = Array.from({ length: 26 }, (_, i) => i);
    for (const i of indices) await d.set(i, String.fromCharCode(65 + i));
    assert.equal((await d.copy()).size, 26);
    assert.deepEqual(await d.keys(), indices);
    assert.deepEqual(
      await d.values(),
      indices.map((i) => String.fromCharCode(65 + i)),
    );
    const outer = await m.dict<string, unknown>();
    const inner = await m.dict<string, number>({ x: 1 });
    await outer.set('inner', inner);
    const got = (await outer.get('inner')) as typeof inner;
    await got.set('y', 2);
    assert.deepEqual(await inner.items(), [
      ['x', 1],
      ['y', 2],
    ]);
  });

  test('test_namespace: attributes set in a child are seen by the parent', async () => {
    const ns = await m.Namespace({ name: 'Bob', job: 'Builder' });
    const p = new Process({
      target: async (ns) => {
        await ns.set('job', `${await ns.get('name')} the Builder`);
        await ns.set('hammer', true);
      },
      args: [ns],
    });
    p.start();
    await p.join();
    assert.deepEqual(await ns.copy(), { name: 'Bob', job: 'Bob the Builder', hammer: true });
  });

  test('test_value and test_array: typed, changed by a child', async () => {
    const v = await m.Value('i', 1);
    const arr = await m.Array('d', [0.5, 1.5]);
    const p = new Process({
      target: async (v, arr) => {
        await v.set((await v.get()) + 41);
        await arr.set(0, (await arr.get(0)) * 4);
      },
      args: [v, arr],
    });
    p.start();
    await p.join();
    assert.equal(await v.get(), 42);
    assert.deepEqual(await arr.copy(), [2, 1.5]);
  });

  test('test_event: wait, set, clear as threading.Event', async () => {
    const e = await m.Event();
    assert.equal(await e.isSet(), false);
    assert.equal(await e.wait(0), false);
    assert.equal(await e.wait(50), false);
    await e.set();
    assert.equal(await e.isSet(), true);
    assert.equal(await e.wait(), true);
    await e.clear();
    assert.equal(await e.isSet(), false);
  });
});

describe('conformance: remote managers', { timeout: 1_800_000 }, () => {
  test('test_remote: a client with the authkey reaches the server; a wrong key is rejected', async () => {
    const authkey = new Uint8Array([1, 2, 3, 4, 5]);
    const server = await Manager({ address: { host: '127.0.0.1', port: 0 }, authkey });
    try {
      const q = await server.Queue<string>();
      await server.publish('queue', q);
      const manager = await Manager.connect({ address: server.address, authkey });
      const remoteQ = await manager.lookup<typeof q>('queue');
      await remoteQ.put('hello world');
      assert.equal(await q.get(), 'hello world');
      await rejectsWith(Manager.connect({ address: server.address, authkey: 'bad' }), AuthenticationError);
      await manager.shutdown();
    } finally {
      await server.shutdown();
    }
  });
});
