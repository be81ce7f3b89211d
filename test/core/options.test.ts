/**
 * Python habits caught at the call (issue 13 §3): unknown option keys, Python's positional
 * chunksize, the process queue's wait options, timeout messages, bad inputs, and one rule
 * for what every channel accepts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Empty } from 'skein';
import {
  asCompleted,
  Future,
  LocalExecutor,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  TimeoutError,
  wait,
} from 'skein/futures';
import {
  Manager,
  Pipe,
  Pool,
  Process,
  Queue as ProcessQueue,
  SimpleQueue as ProcessSimpleQueue,
  ThreadPool,
} from 'skein/multiprocessing';
import { LifoQueue, PriorityQueue, Queue, SimpleQueue } from 'skein/queue';
import { Barrier, Condition, Event, Lock, RLock, Semaphore, Thread } from 'skein/threading';
import { rejectsWith } from '../helpers.ts';

const T = { timeout: 600_000 };
/** Matches the message of an unknown-key TypeError, with the suggestion when given. */
const unknown = (key: string, hint?: string) =>
  new RegExp(`unknown option ${key}${hint ? ` \\(did you mean ${hint}\\?\\)` : '$'}`);
const square = (x: number) => x * x;

describe('unknown option keys are a TypeError naming the key', { timeout: 1_800_000 }, () => {
  test('constructors: snake_case gets its camelCase suggested', T, async () => {
    assert.throws(() => new ThreadPoolExecutor({ max_workers: 2 } as never), {
      name: 'TypeError',
      message: 'ThreadPoolExecutor: unknown option max_workers (did you mean maxWorkers?)',
    });
    assert.throws(
      () => new ProcessPoolExecutor({ max_tasks_per_child: 2 } as never),
      unknown('max_tasks_per_child', 'maxTasksPerChild'),
    );
    assert.throws(
      () => new ThreadPoolExecutor({ thread_name_prefix: 'x' } as never),
      unknown('thread_name_prefix', 'threadNamePrefix'),
    );
    assert.throws(() => new LocalExecutor({ workers: 2 } as never), unknown('workers'));
    // Python's spelling of Pool's own option is all lower case: a letter-case match is suggested.
    assert.throws(
      () => new Pool({ max_tasks_per_child: 1 } as never),
      unknown('max_tasks_per_child', 'maxtasksperchild'),
    );
    assert.throws(() => new ThreadPool({ procs: 1 } as never), unknown('procs'));
    assert.throws(() => new Thread({ target: () => 1, kwargs: {} } as never), unknown('kwargs'));
    assert.throws(() => new Process({ targt: () => 1 } as never), unknown('targt'));
    assert.throws(() => new Queue(0, { capcity: 1024 } as never), unknown('capcity'));
    assert.throws(() => new SimpleQueue({ max_size: 1 } as never), unknown('max_size'));
    assert.throws(() => new LifoQueue(0, { x: 1 } as never), unknown('x'));
    assert.throws(() => new PriorityQueue(0, { x: 1 } as never), unknown('x'));
    assert.throws(() => new Barrier(2, { timeOut: 5 } as never), unknown('timeOut', 'timeout'));
    await rejectsWith(
      async () => Manager({ auth_key: 'k' } as never),
      TypeError,
      unknown('auth_key', 'authkey'),
    );
    await rejectsWith(
      async () => Manager.connect({ address: 1, authkey: 'k', time_out: 5 } as never),
      TypeError,
      unknown('time_out', 'timeout'),
    );
  });

  test('calls: waits, submits, maps, shutdowns, wait() and asCompleted()', T, async () => {
    const lock = new Lock();
    await rejectsWith(
      async () => lock.acquire({ time_out: 5 } as never),
      TypeError,
      unknown('time_out', 'timeout'),
    );
    assert.throws(() => new RLock().acquireSync({ blockng: false } as never), unknown('blockng'));
    await rejectsWith(
      new Semaphore(0).acquire({ timeOut: 1 } as never),
      TypeError,
      unknown('timeOut', 'timeout'),
    );
    // Event.wait has no `blocking` (Python's wait(timeout) has none either).
    await rejectsWith(new Event().wait({ blocking: false } as never), TypeError, unknown('blocking'));
    const cond = new Condition();
    await cond.acquire();
    await rejectsWith(async () => cond.wait({ timout: 1 } as never), TypeError, unknown('timout'));
    cond.release();
    const q = new Queue<number>();
    await rejectsWith(
      async () => q.get({ block: false, time_out: 1 } as never),
      TypeError,
      unknown('time_out', 'timeout'),
    );
    assert.throws(() => q.putSync(1, { blocks: false } as never), unknown('blocks'));
    assert.throws(() => q.shutdown({ now: true } as never), unknown('now'));
    await rejectsWith(async () => q.join({ blocking: false } as never), TypeError, unknown('blocking'));

    await using ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    assert.throws(() => ex.submitWith({ time_out: 5 } as never, square, 2), unknown('time_out', 'timeout'));
    assert.throws(() => ex.map(square, [1], { chunk_size: 2 } as never), unknown('chunk_size', 'chunksize'));
    const f = ex.submit(square, 3);
    await rejectsWith(
      async () => f.result({ timeout: 5, signal: undefined } as never),
      TypeError,
      unknown('signal'),
    );
    assert.equal(await f.result({ timeout: 600_000 }), 9);
    await rejectsWith(
      async () => wait([f], { return_when: 'FIRST_COMPLETED' } as never),
      TypeError,
      unknown('return_when', 'returnWhen'),
    );
    assert.throws(() => asCompleted([f], { time_out: 1 } as never), unknown('time_out', 'timeout'));
    await rejectsWith(
      async () => ex.shutdown({ cancel_futures: true } as never),
      TypeError,
      unknown('cancel_futures', 'cancelFutures'),
    );
    const local = new LocalExecutor();
    await rejectsWith(async () => local.shutdown({ wait: true, now: 1 } as never), TypeError, unknown('now'));
    await local.shutdown();

    const pool = new ThreadPool({ processes: 1 });
    try {
      assert.throws(
        () => pool.applyAsync(square, [1], { call_back: () => {} } as never),
        unknown('call_back', 'callback'),
      );
      await rejectsWith(
        async () => pool.map(square, [1], { chunk_size: 1 } as never),
        TypeError,
        unknown('chunk_size', 'chunksize'),
      );
      assert.throws(
        () => pool.mapAsync(square, [1], { error_callback: () => {} } as never),
        unknown('error_callback', 'errorCallback'),
      );
      assert.throws(() => pool.imap(square, [1], { size: 1 } as never), unknown('size'));
    } finally {
      pool.terminate();
      await pool.join();
    }
  });
});

describe("Python's chunksize: a number or { chunksize }", { timeout: 1_800_000 }, () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const squares = xs.map(square);
  const collect = async <R>(it: AsyncIterable<R>) => {
    const out: R[] = [];
    for await (const r of it) out.push(r);
    return out;
  };

  test('every Pool method with a chunksize takes both spellings: 9 items in 3 tasks', T, async () => {
    const pool = new ThreadPool({ processes: 2 });
    try {
      const add = (a: number, b: number) => a + b;
      const pairs = xs.map((x) => [x, x] as [number, number]);
      const runs: Array<[string, () => Promise<unknown[]>, unknown[]]> = [];
      for (const [label, arg] of [
        ['number', 3],
        ['options', { chunksize: 3 }],
      ] as const) {
        runs.push(
          [`map ${label}`, () => pool.map(square, xs, arg), squares],
          [`mapAsync ${label}`, () => pool.mapAsync(square, xs, arg).get(), squares],
          [`starmap ${label}`, () => pool.starmap(add, pairs, arg), xs.map((x) => 2 * x)],
          [`starmapAsync ${label}`, () => pool.starmapAsync(add, pairs, arg).get(), xs.map((x) => 2 * x)],
          [`imap ${label}`, () => collect(pool.imap(square, xs, arg)), squares],
          [
            `imapUnordered ${label}`,
            async () => (await collect(pool.imapUnordered(square, xs, arg))).sort((a, b) => a - b),
            squares,
          ],
        );
      }
      for (const [label, run, expected] of runs) {
        const before = pool.metrics().completed;
        assert.deepEqual(await run(), expected, label);
        // A chunk is one task: 9 items with chunksize 3 are 3 tasks.
        assert.equal(pool.metrics().completed - before, 3, `${label}: tasks run`);
      }
      assert.throws(() => pool.imap(square, xs, 0), RangeError);
      await rejectsWith(
        async () => pool.map(square, xs, 'three' as never),
        TypeError,
        /chunksize or an options object/,
      );
    } finally {
      pool.close();
      await pool.join();
    }
  });

  test('Executor.map: map(fn, xs, 3) is map(fn, xs, { chunksize: 3 })', T, async () => {
    await using ex = new ThreadPoolExecutor({ maxWorkers: 2 });
    for (const arg of [3, { chunksize: 3 }]) {
      const before = ex.metrics().completed;
      assert.deepEqual(await collect(ex.map(square, xs, arg)), squares);
      assert.equal(ex.metrics().completed - before, 3);
    }
    assert.throws(() => ex.map(square, xs, 0), RangeError);
  });
});

describe('process queues read wait options by the thread queue rules', { timeout: 1_800_000 }, () => {
  test('{ block: false, timeout } ignores the timeout in both (Python); blocking: false too', T, async () => {
    const tq = new Queue<number>();
    const pq = new ProcessQueue<number>();
    const ps = new ProcessSimpleQueue<number>();
    try {
      for (const q of [tq, pq, ps]) {
        await rejectsWith(async () => q.get({ block: false, timeout: 10 }), Empty, /empty/);
        await rejectsWith(async () => q.get({ blocking: false }), Empty, /empty/);
      }
      assert.throws(() => tq.getSync({ block: false, timeout: 10 }), Empty);
      assert.throws(() => pq.getSync({ block: false, timeout: 10 }), Empty);
      await pq.put(5, { block: false, timeout: 10 });
      assert.equal(await pq.get({ block: false, timeout: 10 }), 5);
      await rejectsWith(async () => pq.get({ timeout: -1 }), RangeError);
      await rejectsWith(async () => pq.get({ tmeout: 1 } as never), TypeError, unknown('tmeout'));
    } finally {
      pq.close();
      ps.close();
    }
  });
});

describe('a timeout error says what timed out and after how long', { timeout: 1_800_000 }, () => {
  test('queues, futures, map, asCompleted, AsyncResult, join', T, async () => {
    const q = new Queue<number>(1);
    await rejectsWith(async () => q.get({ timeout: 1.5 }), Empty, /^get\(\) timed out after 1\.5 ms/);
    assert.throws(() => q.getSync(1.5), { name: 'Empty', message: /^getSync\(\) timed out after 1\.5 ms/ });
    q.putSync(1);
    await rejectsWith(async () => q.put(2, 1.5), Error, /^put\(\) timed out after 1\.5 ms: queue is full/);
    await rejectsWith(
      async () => q.join(1.5),
      TimeoutError,
      /^join\(\) timed out after 1\.5 ms with 1 unfinished/,
    );
    // Not blocking: no timeout, so no "timed out" either.
    await rejectsWith(async () => q.put(2, { block: false }), Error, /^queue is full/);

    const pq = new ProcessQueue<number>();
    try {
      await rejectsWith(async () => pq.get(1.5), Empty, /^get\(\) timed out after 1\.5 ms/);
    } finally {
      pq.close();
    }

    const never = new Future<number>();
    await rejectsWith(async () => never.result(1.5), TimeoutError, /^result\(\) timed out after 1\.5 ms/);
    await rejectsWith(
      async () => never.exception({ timeout: 2 }),
      TimeoutError,
      /^exception\(\) timed out after 2 ms/,
    );
    const it = asCompleted([never], { timeout: 1.5 })[Symbol.asyncIterator]();
    await rejectsWith(
      async () => it.next(),
      TimeoutError,
      /^asCompleted\(\) timed out after 1\.5 ms: 1 \(of 1\) futures unfinished/,
    );

    const local = new LocalExecutor({ maxWorkers: 1 });
    const gate = new Future<void>();
    const blocked = local
      .map(async (_x: number) => gate.result(), [1], { timeout: 1.5 })
      [Symbol.asyncIterator]();
    await rejectsWith(async () => blocked.next(), TimeoutError, /^map\(\) timed out after 1\.5 ms/);
    gate.setResult(undefined);
    await local.shutdown();

    const pool = new ThreadPool({ processes: 1 });
    try {
      const slow = pool.applyAsync(
        (ms: number) => new Promise<number>((r) => setTimeout(() => r(ms), ms)),
        [600_000],
      );
      await rejectsWith(async () => slow.get(1.5), TimeoutError, /^get\(\) timed out after 1\.5 ms/);
    } finally {
      pool.terminate();
      await pool.join();
    }
  });
});

describe('inputs refused at the call', { timeout: 1_800_000 }, () => {
  test('a pool of 2 ** 31 workers is a RangeError, not a hang', T, () => {
    for (const make of [
      () => new ThreadPool({ processes: 2 ** 31 }),
      () => new Pool({ processes: 2 ** 31 }),
      () => new ThreadPoolExecutor({ maxWorkers: 2 ** 31 }),
      () => new ProcessPoolExecutor({ maxWorkers: 2 ** 31 }),
    ]) {
      assert.throws(make, { name: 'RangeError', message: /must be at most 1024 .*got 2147483648/ });
    }
  });

  test('wait() and asCompleted() name the argument that is not a Future', T, async () => {
    await rejectsWith(
      (async () => wait(['x'] as never))(),
      TypeError,
      /^wait\(\): fs\[0\] is not a Future \(got "x"\)$/,
    );
    const ok = new Future<number>();
    ok.setResult(1);
    assert.throws(
      () => asCompleted([ok, Promise.resolve(2)] as never),
      /asCompleted\(\): fs\[1\] is not a Future \(got object\)/,
    );
    assert.throws(() => wait(42 as never), /fs must be an iterable of Futures/);
  });

  test(
    'one rule for every channel: getters and symbol keys are refused by queues, submit and Pipe.send',
    T,
    async () => {
      const withGetter = {
        a: 1,
        get b() {
          return 2;
        },
      };
      const withSymbol = { a: 1, [Symbol('s')]: 2 };
      const nested = { list: [{ ok: 1 }, withGetter] };
      const q = new Queue<unknown>();
      const pq = new ProcessQueue<unknown>();
      const [left, right] = Pipe();
      await using ex = new ThreadPoolExecutor({ maxWorkers: 1 });
      try {
        for (const [value, path] of [
          [withGetter, /item\.b cannot be sent.*accessor property/],
          [withSymbol, /item cannot be sent.*symbol keys/],
          [nested, /item\.list\[1\]\.b cannot be sent.*accessor property/],
        ] as const) {
          await rejectsWith(async () => q.put(value), TypeError, path);
          assert.throws(() => q.putSync(value), path);
          await rejectsWith(async () => pq.put(value), TypeError, /accessor property|symbol keys/);
          assert.throws(() => left.send(value), /accessor property|symbol keys/);
          assert.throws(() => ex.submit((v: unknown) => v, value), /accessor property|symbol keys/);
        }
        assert.equal(q.qsize(), 0, 'nothing was put');
        // Plain data still travels by the fast path, and arrives whole.
        await q.put({ a: 1, b: [2, { c: 'd' }] });
        assert.deepEqual(await q.get(), { a: 1, b: [2, { c: 'd' }] });
      } finally {
        pq.close();
        left.close();
        right.close();
      }
    },
  );
});
