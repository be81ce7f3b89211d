/**
 * `RedisList`: the Manager's `list` proxy found by name on Redis.
 *
 * On the server: `<ns>:list:<name>` is a Redis list of encoded values and `…:v` a version that
 * every change bumps. Index changes (`set`, `insert`, `pop`, `reverse`) are scripts. Changes
 * that need JavaScript's deep equality or Python's ordering (`remove`, `sort`) read a snapshot
 * with its version, decide here, and apply in a script only if the version is unchanged —
 * retrying otherwise — so they are atomic too. Equal values are found by deep equality of the
 * decoded data, never by comparing bytes (one number may be encoded two ways).
 *
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { ValueError } from '../../core/errors.js';
import { compareKeys } from '../../queue/priority-key.js';
import { arr, type Ctx, defineOps, keyOf, num, type Spec } from './base.js';
import { decode, encode } from './codec.js';
import { RedisObject } from './object.js';

function keys(ctx: Ctx, spec: Spec): string[] {
  const k = keyOf(ctx.ns, spec);
  return [k, `${k}:v`];
}

const bytesOf = (x: unknown): Buffer => Buffer.from(x as Uint8Array);

/** A snapshot: version and raw items. */
type Snapshot = { version: string; items: Uint8Array[] };

async function snapshot(ctx: Ctx, spec: Spec): Promise<Snapshot> {
  const r = arr(await ctx.store.run('listSnapshot', keys(ctx, spec), []));
  return { version: (r[0] as Buffer).toString(), items: r.slice(1) as Buffer[] };
}

function find(items: Uint8Array[], value: unknown): number {
  return items.findIndex((b) => isDeepStrictEqual(decode(b), value));
}

defineOps(['list'], {
  get: (ctx, spec, [i]) => ctx.store.client.lindexBuffer(keyOf(ctx.ns, spec), i as number),
  set: async (ctx, spec, [i, v]) =>
    num(await ctx.store.run('listSet', keys(ctx, spec), [i as number, bytesOf(v)])),
  append: (ctx, spec, vs) => ctx.store.run('listAppend', keys(ctx, spec), vs.map(bytesOf)),
  insert: (ctx, spec, [i, v]) => ctx.store.run('listInsert', keys(ctx, spec), [i as number, bytesOf(v)]),
  /** [i] → {code, value} */
  pop: async (ctx, spec, [i]) => {
    const r = arr(await ctx.store.run('listPop', keys(ctx, spec), [i as number, '']));
    return { code: num(r[0]), value: r[1] ?? null };
  },
  /** [encoded value] → true | false when absent */
  remove: async (ctx, spec, [v]) => {
    const value = decode(v as Uint8Array);
    for (;;) {
      const s = await snapshot(ctx, spec);
      const j = find(s.items, value);
      if (j < 0) return false;
      const r = arr(await ctx.store.run('listPop', keys(ctx, spec), [j, s.version]));
      if (num(r[0]) !== -3) return true;
    }
  },
  index: async (ctx, spec, [v]) => find((await snapshot(ctx, spec)).items, decode(v as Uint8Array)),
  count: async (ctx, spec, [v]) => {
    const value = decode(v as Uint8Array);
    return (await snapshot(ctx, spec)).items.filter((b) => isDeepStrictEqual(decode(b), value)).length;
  },
  sort: async (ctx, spec, [reverse]) => {
    for (;;) {
      const s = await snapshot(ctx, spec);
      const decoded = s.items.map((b, i) => ({ v: decode(b), b, i }));
      // Stable, like Python's sort; reverse keeps equal items in their order, as Python's does.
      decoded.sort(
        (a, b) =>
          (reverse
            ? compareKeys(b.v, a.v, true, 'list.sort()')
            : compareKeys(a.v, b.v, true, 'list.sort()')) || a.i - b.i,
      );
      const r = num(
        await ctx.store.run('listReplace', keys(ctx, spec), [s.version, ...decoded.map((d) => bytesOf(d.b))]),
      );
      if (r === 1) return true;
    }
  },
  reverse: (ctx, spec) => ctx.store.run('listReverse', keys(ctx, spec), []),
  length: (ctx, spec) => ctx.store.client.llen(keyOf(ctx.ns, spec)),
  copy: async (ctx, spec) => ctx.store.client.lrangeBuffer(keyOf(ctx.ns, spec), 0, -1),
});

function checkIndex(i: unknown): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) throw new TypeError('list indices must be integers');
  return i;
}

/**
 * A list found by name on Redis, with the Manager list proxy's methods (Python's `ListProxy`);
 * negative indices count from the end; Python's `IndexError` is a `RangeError`. Get one with
 * `manager.list(name)`.
 */
export class RedisList<T = unknown> extends RedisObject {
  #got(b: Uint8Array | null, i: number): T {
    if (b === null) throw new RangeError(`IndexError: list index ${i} out of range`);
    return decode<T>(b);
  }

  /** `l[i]`. @throws RangeError (IndexError) out of range. */
  async get(i: number): Promise<T> {
    return this.#got((await this.op('get', [checkIndex(i)])) as Uint8Array | null, i);
  }

  /** Blocking twin of {@link get}. */
  getSync(i: number): T {
    return this.#got(this.opSync('get', [checkIndex(i)]) as Uint8Array | null, i);
  }

  #setDone(code: number, i: number): void {
    if (code < 0) throw new RangeError(`IndexError: list assignment index ${i} out of range`);
  }

  /** `l[i] = value`. @throws RangeError (IndexError) out of range. */
  async set(i: number, value: T): Promise<void> {
    this.#setDone((await this.op('set', [checkIndex(i), encode(value)])) as number, i);
  }

  /** Blocking twin of {@link set}. */
  setSync(i: number, value: T): void {
    this.#setDone(this.opSync('set', [checkIndex(i), encode(value)]) as number, i);
  }

  /** Adds `value` at the end. */
  async append(value: T): Promise<void> {
    await this.op('append', [encode(value)]);
  }

  /** Blocking twin of {@link append}. */
  appendSync(value: T): void {
    this.opSync('append', [encode(value)]);
  }

  #all(values: T[]): Uint8Array[] {
    if (!Array.isArray(values)) throw new TypeError('extend() takes an array');
    return values.map((v, i) => encode(v, `values[${i}]`));
  }

  /** Adds every value at the end, in one step. */
  async extend(values: T[]): Promise<void> {
    const all = this.#all(values);
    if (all.length) await this.op('append', all);
  }

  /** Blocking twin of {@link extend}. */
  extendSync(values: T[]): void {
    const all = this.#all(values);
    if (all.length) this.opSync('append', all);
  }

  /** Inserts before index `i` (clamped, as Python's `insert`). */
  async insert(i: number, value: T): Promise<void> {
    await this.op('insert', [checkIndex(i), encode(value)]);
  }

  /** Blocking twin of {@link insert}. */
  insertSync(i: number, value: T): void {
    this.opSync('insert', [checkIndex(i), encode(value)]);
  }

  #popped(r: { code: number; value: Uint8Array | null }, i: number): T {
    if (r.code === -2) throw new RangeError('IndexError: pop from empty list');
    if (r.code === -1) throw new RangeError(`IndexError: pop index ${i} out of range`);
    return decode<T>(r.value!);
  }

  /** Removes and returns `l[i]` (default the last). @throws RangeError when empty or out of range. */
  async pop(i = -1): Promise<T> {
    return this.#popped(
      (await this.op('pop', [checkIndex(i)])) as { code: number; value: Uint8Array | null },
      i,
    );
  }

  /** Blocking twin of {@link pop}. */
  popSync(i = -1): T {
    return this.#popped(this.opSync('pop', [checkIndex(i)]) as { code: number; value: Uint8Array | null }, i);
  }

  /** Removes the first item deep-equal to `value`. @throws ValueError when absent. */
  async remove(value: T): Promise<void> {
    if (!(await this.op('remove', [encode(value)]))) throw new ValueError('list.remove(x): x not in list');
  }

  /** Blocking twin of {@link remove}. */
  removeSync(value: T): void {
    if (!this.opSync('remove', [encode(value)])) throw new ValueError('list.remove(x): x not in list');
  }

  #indexed(j: number): number {
    if (j < 0) throw new ValueError('list.index(x): x not in list');
    return j;
  }

  /** Index of the first item deep-equal to `value`. @throws ValueError when absent. */
  async index(value: T): Promise<number> {
    return this.#indexed((await this.op('index', [encode(value)])) as number);
  }

  /** Blocking twin of {@link index}. */
  indexSync(value: T): number {
    return this.#indexed(this.opSync('index', [encode(value)]) as number);
  }

  /** How many items are deep-equal to `value`. */
  async count(value: T): Promise<number> {
    return this.op('count', [encode(value)]) as Promise<number>;
  }

  /** Blocking twin of {@link count}. */
  countSync(value: T): number {
    return this.opSync('count', [encode(value)]) as number;
  }

  /** Sorts in place, ordering like Python (numbers, strings, arrays of them); stable. */
  async sort(options?: { reverse?: boolean }): Promise<void> {
    await this.op('sort', [options?.reverse === true]);
  }

  /** Blocking twin of {@link sort}. */
  sortSync(options?: { reverse?: boolean }): void {
    this.opSync('sort', [options?.reverse === true]);
  }

  /** Reverses in place. */
  async reverse(): Promise<void> {
    await this.op('reverse');
  }

  /** Blocking twin of {@link reverse}. */
  reverseSync(): void {
    this.opSync('reverse');
  }

  /** `len(l)`. */
  async length(): Promise<number> {
    return this.op('length') as Promise<number>;
  }

  /** Blocking twin of {@link length}. */
  lengthSync(): number {
    return this.opSync('length') as number;
  }

  /** A plain snapshot (an array). */
  async copy(): Promise<T[]> {
    return ((await this.op('copy')) as Uint8Array[]).map((b) => decode<T>(b));
  }

  /** Blocking twin of {@link copy}. */
  copySync(): T[] {
    return (this.opSync('copy') as Uint8Array[]).map((b) => decode<T>(b));
  }
}
