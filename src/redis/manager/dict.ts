/**
 * `RedisDict`: the Manager's `dict` proxy found by name on Redis.
 *
 * On the server: `<ns>:dict:<name>` is a hash (field: the typed key of codec.ts; value: the
 * encoded value), `…:o` a sorted set giving each field its insertion number, and `…:n` that
 * counter — so `keys`, `values` and `items` come in insertion order, as Python's dict's do.
 * Each change of more than one key is a script.
 *
 * @module
 */
import type { DictKey } from '../../multiprocessing/wire/values.js';
import { arr, type Ctx, defineOps, keyOf, type Spec } from './base.js';
import { decode, encode, fieldKey, keyField } from './codec.js';
import { RedisObject } from './object.js';
import type { Reply } from './store.js';

function keys(ctx: Ctx, spec: Spec): string[] {
  const k = keyOf(ctx.ns, spec);
  return [k, `${k}:o`, `${k}:n`];
}

const bytesOf = (x: unknown): Buffer => Buffer.from(x as Uint8Array);

defineOps(['dict'], {
  get: (ctx, spec, [f]) => ctx.store.client.hgetBuffer(keyOf(ctx.ns, spec), f as string),
  set: (ctx, spec, pairs) =>
    ctx.store.run(
      'dictSet',
      keys(ctx, spec),
      pairs.map((x) => (typeof x === 'string' ? x : bytesOf(x))),
    ),
  delete: async (ctx, spec, [f]) => {
    const ks = keys(ctx, spec);
    const [[, n]] = (await ctx.store.client
      .multi()
      .hdel(ks[0]!, f as string)
      .zrem(ks[1]!, f as string)
      .exec()) as [[unknown, number]];
    return n === 1;
  },
  has: async (ctx, spec, [f]) => (await ctx.store.client.hexists(keyOf(ctx.ns, spec), f as string)) === 1,
  items: async (ctx, spec) => arr(await ctx.store.run('dictItems', keys(ctx, spec), [])),
  keys: (ctx, spec) => ctx.store.client.zrange(keys(ctx, spec)[1]!, 0, -1),
  pop: (ctx, spec, [f]) => ctx.store.run('dictPop', keys(ctx, spec), [f as string]),
  setdefault: (ctx, spec, [f, v]) =>
    ctx.store.run('dictSetdefault', keys(ctx, spec), [f as string, bytesOf(v)]),
  clear: (ctx, spec) => ctx.store.run('dictClear', keys(ctx, spec), []),
  size: (ctx, spec) => ctx.store.client.hlen(keyOf(ctx.ns, spec)),
});

function pairsOf<K, V>(other: Map<K, V> | [K, V][] | Record<string, V>): [unknown, unknown][] {
  if (other instanceof Map) return [...other.entries()];
  if (Array.isArray(other)) {
    return other.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2)
        throw new TypeError(`update(): element ${i} is not a [key, value] pair`);
      return p as [unknown, unknown];
    });
  }
  if (other === null || typeof other !== 'object')
    throw new TypeError('update() takes a Map, an array of pairs, or an object');
  return Object.entries(other);
}

function flat(items: Reply[]): [DictKey, unknown][] {
  const out: [DictKey, unknown][] = [];
  for (let i = 0; i < items.length; i += 2)
    out.push([fieldKey(items[i] as Uint8Array), decode(items[i + 1] as Uint8Array)]);
  return out;
}

/**
 * A dict found by name on Redis, with the Manager dict proxy's methods (Python's `DictProxy`):
 * keys are strings, numbers, bigints, booleans, null or undefined; values are plain data.
 * Python's `KeyError` is a `RangeError`. Get one with `manager.dict(name)`.
 */
export class RedisDict<K extends DictKey = string, V = unknown> extends RedisObject {
  /** `d[key]`, or `dflt` when absent (Python's `get`). */
  async get(key: K, dflt?: V): Promise<V | undefined> {
    const b = (await this.op('get', [keyField(key)])) as Uint8Array | null;
    return b === null ? dflt : decode<V>(b);
  }

  /** Blocking twin of {@link get}. */
  getSync(key: K, dflt?: V): V | undefined {
    const b = this.opSync('get', [keyField(key)]) as Uint8Array | null;
    return b === null ? dflt : decode<V>(b);
  }

  /** `d[key] = value`. @throws TypeError for a key or value that is not data. */
  async set(key: K, value: V): Promise<void> {
    await this.op('set', [keyField(key), encode(value, `value`)]);
  }

  /** Blocking twin of {@link set}. */
  setSync(key: K, value: V): void {
    this.opSync('set', [keyField(key), encode(value, `value`)]);
  }

  /** `del d[key]`: true if the key was there. */
  async delete(key: K): Promise<boolean> {
    return this.op('delete', [keyField(key)]) as Promise<boolean>;
  }

  /** Blocking twin of {@link delete}. */
  deleteSync(key: K): boolean {
    return this.opSync('delete', [keyField(key)]) as boolean;
  }

  /** `key in d`. */
  async has(key: K): Promise<boolean> {
    return this.op('has', [keyField(key)]) as Promise<boolean>;
  }

  /** Blocking twin of {@link has}. */
  hasSync(key: K): boolean {
    return this.opSync('has', [keyField(key)]) as boolean;
  }

  /** The keys, in insertion order. */
  async keys(): Promise<K[]> {
    return ((await this.op('keys')) as string[]).map((f) => fieldKey(f) as K);
  }

  /** Blocking twin of {@link keys}. */
  keysSync(): K[] {
    return (this.opSync('keys') as string[]).map((f) => fieldKey(f) as K);
  }

  /** The values, in insertion order. */
  async values(): Promise<V[]> {
    return (await this.items()).map((p) => p[1]);
  }

  /** Blocking twin of {@link values}. */
  valuesSync(): V[] {
    return this.itemsSync().map((p) => p[1]);
  }

  /** `[key, value]` pairs, in insertion order. */
  async items(): Promise<[K, V][]> {
    return flat((await this.op('items')) as Reply[]) as [K, V][];
  }

  /** Blocking twin of {@link items}. */
  itemsSync(): [K, V][] {
    return flat(this.opSync('items') as Reply[]) as [K, V][];
  }

  #pairs(other: Map<K, V> | [K, V][] | Record<string, V>): unknown[] {
    const out: unknown[] = [];
    for (const [k, v] of pairsOf(other)) out.push(keyField(k), encode(v, `update[${String(k)}]`));
    return out;
  }

  /** Adds every entry of a Map, an array of pairs, or a plain object, in one step. */
  async update(other: Map<K, V> | [K, V][] | Record<string, V>): Promise<void> {
    const pairs = this.#pairs(other);
    if (pairs.length) await this.op('set', pairs);
  }

  /** Blocking twin of {@link update}. */
  updateSync(other: Map<K, V> | [K, V][] | Record<string, V>): void {
    const pairs = this.#pairs(other);
    if (pairs.length) this.opSync('set', pairs);
  }

  #popped(b: Uint8Array | null, key: K, args: number, dflt: V | undefined): V {
    if (b !== null) return decode<V>(b);
    if (args < 2) throw new RangeError(`KeyError: ${typeof key === 'string' ? `'${key}'` : String(key)}`);
    return dflt as V;
  }

  /** Removes `key` and returns its value, or `dflt`. @throws RangeError (KeyError) without a default. */
  async pop(key: K, ...dflt: [V?]): Promise<V> {
    const b = (await this.op('pop', [keyField(key)])) as Uint8Array | null;
    return this.#popped(b, key, 1 + dflt.length, dflt[0]);
  }

  /** Blocking twin of {@link pop}. */
  popSync(key: K, ...dflt: [V?]): V {
    return this.#popped(
      this.opSync('pop', [keyField(key)]) as Uint8Array | null,
      key,
      1 + dflt.length,
      dflt[0],
    );
  }

  /** The value of `key`, first setting it to `dflt` if absent (in one step). */
  async setdefault(key: K, dflt?: V): Promise<V> {
    return decode<V>((await this.op('setdefault', [keyField(key), encode(dflt, 'default')])) as Uint8Array);
  }

  /** Blocking twin of {@link setdefault}. */
  setdefaultSync(key: K, dflt?: V): V {
    return decode<V>(this.opSync('setdefault', [keyField(key), encode(dflt, 'default')]) as Uint8Array);
  }

  /** Removes every key. */
  async clear(): Promise<void> {
    await this.op('clear');
  }

  /** Blocking twin of {@link clear}. */
  clearSync(): void {
    this.opSync('clear');
  }

  /** A plain snapshot (a Map, in insertion order). */
  async copy(): Promise<Map<K, V>> {
    return new Map(await this.items());
  }

  /** Blocking twin of {@link copy}. */
  copySync(): Map<K, V> {
    return new Map(this.itemsSync());
  }

  /** `len(d)`. */
  async size(): Promise<number> {
    return this.op('size') as Promise<number>;
  }

  /** Blocking twin of {@link size}. */
  sizeSync(): number {
    return this.opSync('size') as number;
  }
}
