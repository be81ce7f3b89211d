/**
 * Manager objects are freed when nothing holds them (issue 11 §3): the server counts each
 * proxy, each copy in transit, each value stored in another managed object; released or
 * collected proxies give theirs back; a holder that dies gives back what it held.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { ValueError } from 'skein';
import { type DictProxy, type EventProxy, Manager, Process } from 'skein/multiprocessing';
import { ROOT } from '../helpers.ts';

describe('manager object lifetime', { timeout: 600_000 }, () => {
  test('2,000 dicts of 100 KB created and dropped: the server heap returns within 10%', async () => {
    await using m = await Manager();
    const blob = 'x'.repeat(100_000);
    // Warm up the code paths (and let V8 optimize them) so the baseline is the server's steady
    // state, not its cold start.
    for (let i = 0; i < 300; i++) {
      using d = await m.dict<string, string>();
      await d.set('blob', blob);
    }
    const base = await m.stats();
    for (let i = 0; i < 2000; i++) {
      const d = await m.dict<string, string>();
      await d.set('blob', blob);
      if (i % 2 === 0) d.close();
      else d[Symbol.dispose]();
    }
    // The least of three samples: a sample can catch a collection's bookkeeping mid-way.
    const samples = [await m.stats(), await m.stats(), await m.stats()];
    const end = samples.reduce((x, y) => (y.heapUsed < x.heapUsed ? y : x));
    console.log(
      `# server heap: ${base.heapUsed} → ${end.heapUsed} bytes; objects ${base.objects} → ${end.objects}`,
    );
    assert.equal(end.objects, base.objects, 'every dict was freed');
    assert.ok(
      end.heapUsed <= base.heapUsed * 1.1,
      `heap ${end.heapUsed} within 10% of ${base.heapUsed} (200 MB went through)`,
    );
  });

  test('a closed proxy cannot be used; close is idempotent', async () => {
    await using m = await Manager();
    const d = await m.dict<string, number>({ a: 1 });
    d.close();
    d.close();
    await assert.rejects(d.get('a'), ValueError);
    assert.throws(() => d.getSync('a'), ValueError);
  });

  test('an object stored in another dict survives its last proxy; deleting it frees it', async () => {
    await using m = await Manager();
    const outer = await m.dict<string, unknown>();
    const base = (await m.stats()).objects;
    const inner = await m.dict<string, number>({ x: 1 });
    await outer.set('inner', inner);
    inner.close();
    assert.equal((await m.stats()).objects, base + 1, 'held by the stored value');
    const again = (await outer.get('inner')) as DictProxy<string, number>;
    assert.equal(await again.get('x'), 1);
    await again.set('x', 2);
    again.close();
    // Still stored: still alive.
    const third = (await outer.get('inner')) as DictProxy<string, number>;
    assert.equal(await third.get('x'), 2);
    third.close();
    // Popped: the reader's copy holds it; released, it goes.
    const popped = (await outer.pop('inner')) as DictProxy<string, number>;
    assert.equal(await popped.get('x'), 2);
    popped.close();
    await outer.size(); // a round trip after the release
    assert.equal((await m.stats()).objects, base, 'freed once neither stored nor held');
    // Overwritten or deleted values give their references back too.
    const a = await m.dict();
    const l = await m.list();
    await l.append(a);
    await outer.set('a', a);
    a.close();
    await outer.set('a', undefined as never);
    assert.equal((await m.stats()).objects, base + 2, 'still in the list');
    const out = (await l.pop()) as { close(): void };
    out.close();
    await l.length();
    assert.equal((await m.stats()).objects, base + 1, 'only the list is left');
    l.close();
    await outer.size();
    assert.equal((await m.stats()).objects, base);
  });

  test('an object referenced from another process survives; its death gives the reference back', async () => {
    await using m = await Manager();
    const base = (await m.stats()).objects;
    const shared = await m.dict<string, number>();
    const ready = await m.Event();
    const go = await m.Event();
    const p = new Process({
      target: async (d: DictProxy<string, number>, readyEv: EventProxy, goEv: EventProxy) => {
        await readyEv.set();
        await goEv.wait();
        await d.set('child', 42);
        // Exits still holding `d`: its death gives the reference back.
      },
      args: [shared, ready, go],
    });
    p.start();
    assert.equal(await ready.wait(120_000), true);
    shared.close();
    await go.set();
    await p.join();
    assert.equal(p.exitCode, 0);
    // The child wrote after the parent let go: the object was alive for it.
    const stats = await m.stats();
    assert.equal(stats.objects, base + 2, 'the dict is freed with the child; the events remain');
  });

  test('proxies dropped without close() are given back by garbage collection', async () => {
    const child = spawn(process.execPath, ['--expose-gc', 'test/fixtures/manager-gc-program.mjs'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 0);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      before: number;
      created: number;
      after: number;
      kept: boolean;
    };
    assert.equal(r.created, r.before + 201);
    assert.equal(r.after, r.before + 1, 'all but the kept dict were collected and freed');
    assert.equal(r.kept, true);
  });
});
