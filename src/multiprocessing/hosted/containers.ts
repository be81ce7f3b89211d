/**
 * Server side of the manager's containers: `dict`, `list`, `Namespace`, `Value`, `Array`.
 * Values are stored as received (`Stored`: data plus its handle table, core/serialize.ts) and returned
 * as stored; comparisons (`index`, `count`, `remove`) use deep equality, `sort` orders like
 * Python (numbers, bigints and booleans by value, strings, arrays of them element by element:
 * queue/priority-key.ts's `compareKeys`).
 *
 * Python's `KeyError`/`IndexError` are `RangeError`s here (a missing key, an index out of
 * range); `list.remove`/`list.index` of an absent value are `ValueError`, as in Python.
 *
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { ValueError } from '../../core/errors.js';
import { compareKeys } from '../../queue/priority-key.js';
import { type CallCtx, type Hosted, Out, type Stored } from '../wire/server.js';
import { coerce, type DictKey } from '../wire/values.js';

function checkKey(key: unknown): DictKey {
  const t = typeof key;
  if (
    key === null ||
    t === 'string' ||
    t === 'number' ||
    t === 'bigint' ||
    t === 'boolean' ||
    t === 'undefined'
  )
    return key as DictKey;
  throw new TypeError(
    `unhashable dict key: ${t === 'object' ? 'an object' : t} (use a string, number, bigint or boolean)`,
  );
}

function keyRepr(key: unknown): string {
  return typeof key === 'string' ? `'${key}'` : String(key);
}

export class HostedDict implements Hosted {
  readonly map = new Map<DictKey, Stored>();
  readonly calls = {
    get: (_c: CallCtx, key: unknown, dflt?: unknown) => {
      const it = this.map.get(checkKey(key));
      return it ? new Out(it.v, it.s) : dflt;
    },
    set: (c: CallCtx, key: unknown, value: unknown) => {
      const k = checkKey(key);
      const old = this.map.get(k);
      this.map.set(k, c.store(value));
      c.forget(old);
    },
    delete: (c: CallCtx, key: unknown) => {
      const k = checkKey(key);
      const old = this.map.get(k);
      c.forget(old);
      return this.map.delete(k);
    },
    has: (_c: CallCtx, key: unknown) => this.map.has(checkKey(key)),
    keys: () => [...this.map.keys()],
    values: () =>
      Out.of(
        [...this.map.values()],
        [...this.map.values()].map((x) => x.v),
      ),
    items: () =>
      Out.of(
        [...this.map.values()],
        [...this.map].map(([k, x]) => [k, x.v]),
      ),
    update: (c: CallCtx, other: unknown) => {
      const entries =
        other instanceof Map
          ? [...other]
          : Array.isArray(other)
            ? (other as [unknown, unknown][])
            : Object.entries(other as object);
      for (const [k, v] of entries) {
        const key = checkKey(k);
        const old = this.map.get(key);
        this.map.set(key, c.store(v));
        c.forget(old);
      }
    },
    pop: (c: CallCtx, key: unknown, ...dflt: unknown[]) => {
      const k = checkKey(key);
      const it = this.map.get(k);
      if (it) {
        this.map.delete(k);
        return c.handOut(it);
      }
      if (dflt.length > 0) return dflt[0];
      throw new RangeError(`KeyError: ${keyRepr(key)} is not in the dict`);
    },
    setdefault: (c: CallCtx, key: unknown, dflt?: unknown) => {
      const k = checkKey(key);
      let it = this.map.get(k);
      if (!it) {
        it = c.store(dflt);
        this.map.set(k, it);
      }
      return new Out(it.v, it.s);
    },
    clear: (c: CallCtx) => {
      const old = [...this.map.values()];
      this.map.clear();
      for (const st of old) c.forget(st);
    },
    copy: () => Out.of([...this.map.values()], new Map([...this.map].map(([k, x]) => [k, x.v]))),
    size: () => this.map.size,
  };
  stored(): Iterable<Stored> {
    return this.map.values();
  }
}

export class HostedList implements Hosted {
  items: Stored[] = [];
  #index(i: unknown, forInsert = false): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw new TypeError('list indices must be integers');
    const n = this.items.length;
    let j = i < 0 ? i + n : i;
    if (forInsert) return Math.max(0, Math.min(n, j));
    if (j < 0 || j >= n) throw new RangeError(`IndexError: list index ${i} out of range (length ${n})`);
    j = Math.trunc(j);
    return j;
  }
  #find(v: unknown): number {
    return this.items.findIndex((x) => isDeepStrictEqual(x.v, v));
  }
  readonly calls = {
    get: (_c: CallCtx, i: unknown) => {
      const it = this.items[this.#index(i)]!;
      return new Out(it.v, it.s);
    },
    set: (c: CallCtx, i: unknown, v: unknown) => {
      const j = this.#index(i);
      const old = this.items[j];
      this.items[j] = c.store(v);
      c.forget(old);
    },
    append: (c: CallCtx, v: unknown) => {
      this.items.push(c.store(v));
    },
    extend: (c: CallCtx, vs: unknown) => {
      if (!Array.isArray(vs)) throw new TypeError('extend() takes an array');
      for (const v of vs) this.items.push(c.store(v));
    },
    insert: (c: CallCtx, i: unknown, v: unknown) => {
      this.items.splice(this.#index(i, true), 0, c.store(v));
    },
    pop: (c: CallCtx, i: unknown = -1) => {
      if (this.items.length === 0) throw new RangeError('IndexError: pop from empty list');
      const [it] = this.items.splice(this.#index(i), 1);
      return c.handOut(it!);
    },
    remove: (c: CallCtx, v: unknown) => {
      const j = this.#find(v);
      if (j < 0) throw new ValueError('list.remove(x): x not in list');
      c.forget(this.items.splice(j, 1)[0]);
    },
    index: (_c: CallCtx, v: unknown) => {
      const j = this.#find(v);
      if (j < 0) throw new ValueError('list.index(x): x not in list');
      return j;
    },
    count: (_c: CallCtx, v: unknown) => this.items.filter((x) => isDeepStrictEqual(x.v, v)).length,
    sort: (_c: CallCtx, options?: { reverse?: boolean }) => {
      const sorted = [...this.items].sort((a, b) => compareKeys(a.v, b.v, true, 'list.sort()'));
      if (options?.reverse) sorted.reverse();
      this.items = sorted;
    },
    reverse: () => {
      this.items.reverse();
    },
    length: () => this.items.length,
    copy: () =>
      Out.of(
        this.items,
        this.items.map((x) => x.v),
      ),
  };
  stored(): Iterable<Stored> {
    return this.items;
  }
}

export class HostedNamespace implements Hosted {
  readonly attrs = new Map<string, Stored>();
  readonly calls = {
    get: (_c: CallCtx, name: unknown) => {
      const it = this.attrs.get(String(name));
      return it ? new Out(it.v, it.s) : undefined;
    },
    set: (c: CallCtx, name: unknown, v: unknown) => {
      const k = String(name);
      const old = this.attrs.get(k);
      this.attrs.set(k, c.store(v));
      c.forget(old);
    },
    delete: (c: CallCtx, name: unknown) => {
      const k = String(name);
      c.forget(this.attrs.get(k));
      return this.attrs.delete(k);
    },
    has: (_c: CallCtx, name: unknown) => this.attrs.has(String(name)),
    copy: () =>
      Out.of([...this.attrs.values()], Object.fromEntries([...this.attrs].map(([k, x]) => [k, x.v]))),
  };
  stored(): Iterable<Stored> {
    return this.attrs.values();
  }
}

export class HostedValue implements Hosted {
  value: unknown;
  constructor(
    readonly type: string,
    initial: unknown,
  ) {
    this.value = coerce(type, initial);
  }
  readonly calls = {
    get: () => this.value,
    set: (_c: CallCtx, v: unknown) => {
      this.value = coerce(this.type, v);
    },
  };
}

export class HostedArray implements Hosted {
  readonly values: unknown[];
  constructor(
    readonly type: string,
    values: unknown[],
  ) {
    this.values = values.map((v) => coerce(type, v));
  }
  #index(i: unknown): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw new TypeError('array indices must be integers');
    const j = i < 0 ? i + this.values.length : i;
    if (j < 0 || j >= this.values.length) throw new RangeError(`IndexError: array index ${i} out of range`);
    return j;
  }
  readonly calls = {
    get: (_c: CallCtx, i: unknown) => this.values[this.#index(i)],
    set: (_c: CallCtx, i: unknown, v: unknown) => {
      this.values[this.#index(i)] = coerce(this.type, v);
    },
    length: () => this.values.length,
    copy: () => [...this.values],
  };
}
