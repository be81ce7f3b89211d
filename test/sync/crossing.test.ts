import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  RLock,
  Semaphore,
  SharedArray,
  Thread,
  Value,
} from 'skein/threading';

const T = { timeout: 600_000 };
const kShare = Symbol.for('skein.share');
type Crossing = Record<symbol, (destination: string) => { tag: string }>;

describe('crossing boundaries', { timeout: 1_800_000 }, () => {
  const all: [string, () => object][] = [
    ['Lock', () => new Lock()],
    ['RLock', () => new RLock()],
    ['Condition', () => new Condition()],
    ['Semaphore', () => new Semaphore()],
    ['BoundedSemaphore', () => new BoundedSemaphore()],
    ['Event', () => new Event()],
    ['Barrier', () => new Barrier(2)],
    ['Value', () => new Value('i')],
    ['Array', () => new SharedArray('i', 2)],
  ];
  for (const [name, make] of all) {
    test(`${name}: to a process → TypeError naming manager.${name}()`, T, () => {
      const obj = make() as Crossing;
      assert.throws(
        () => obj[kShare]!('process'),
        (e: unknown) => e instanceof TypeError && e.message.includes(`manager.${name}(`),
      );
      assert.match(obj[kShare]!('thread').tag, /^skein\./);
    });
  }

  test('a primitive created in a thread comes back as a result and is the same object', T, async () => {
    const t = new Thread({
      target: async () => {
        const { Event, Semaphore } = await import('skein/threading');
        const e = new Event();
        const s = new Semaphore(2);
        await s.acquire();
        return { e, s };
      },
    });
    t.start();
    const { e, s } = (await t.result()) as { e: Event; s: Semaphore };
    assert.ok(e instanceof Event);
    assert.ok(s instanceof Semaphore);
    assert.equal(s.value, 1);
    // The same memory: a thread waiting on it sees our set().
    const w = new Thread({ target: async (ev: Event) => ev.waitSync(120_000), args: [e] });
    w.start();
    e.set();
    assert.equal(await w.result(), true);
  });
});
