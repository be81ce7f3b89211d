/**
 * Priority keys: how `PriorityQueue` orders items, as Python compares tuples.
 *
 * Python's `PriorityQueue` compares whole items with `<`; the idiom is a tuple
 * `(priority, data)`. skein's item is its own key when it is a number, a bigint or a string,
 * and when it is an array, its key is the array's *leading run* of comparable elements
 * (numbers, bigints, strings, and arrays of them, recursively): `[20, 'a']` is all key;
 * in `[1, { job }]` only `[1]` is, and `{ job }` is payload that is never compared.
 *
 * Comparison (as Python's): numbers and bigints compare by value with each other; strings by
 * UTF-16 code units (Python compares code points: they differ only for characters outside
 * the BMP against U+E000–U+FFFF); arrays lexicographically, a proper prefix first. Two keys
 * with elements of different kinds at the same position (a number against a string) are
 * incomparable: `put` throws `TypeError` when its heap insertion has to compare them, as
 * Python's `heappush` would — with the difference that skein leaves the queue unchanged.
 * Equal keys come out in insertion order.
 *
 * @module
 */

/** A priority key: what `PriorityQueue` compares. */
export type PriorityKey = number | bigint | string | readonly PriorityKey[];

function kindOf(v: unknown): 'n' | 's' | 'a' | undefined {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 'n';
    case 'string':
      return 's';
    case 'object':
      return Array.isArray(v) ? 'a' : undefined;
    default:
      return undefined;
  }
}

function prefixOf(arr: readonly unknown[]): PriorityKey[] {
  const out: PriorityKey[] = [];
  for (const v of arr) {
    const k = kindOf(v);
    if (k === undefined) break;
    out.push(k === 'a' ? prefixOf(v as unknown[]) : (v as PriorityKey));
  }
  return out;
}

/**
 * The key of a `PriorityQueue` item.
 * @throws TypeError when the item is not a number, bigint, string or array.
 */
export function keyOf(item: unknown): PriorityKey {
  const k = kindOf(item);
  if (k === undefined) {
    const what = item === null ? 'null' : typeof item;
    throw new TypeError(
      `PriorityQueue items are ordered like Python tuples: put a number, bigint, string or an array such as ` +
        `[priority, data], not ${what === 'object' ? 'a plain object' : what}`,
    );
  }
  return k === 'a' ? prefixOf(item as unknown[]) : (item as PriorityKey);
}

function typeName(v: PriorityKey): string {
  return typeof v === 'object' ? 'array' : typeof v;
}

const kindRank = { n: 0, s: 1, a: 2 } as const;

/**
 * Compares two keys: negative, zero or positive.
 * @param strict throw `TypeError` on incomparable elements (at `put`); when false, order them
 *   by kind (number < string < array) instead, so that a `get` never throws.
 */
export function compareKeys(a: PriorityKey, b: PriorityKey, strict: boolean): number {
  const ka = kindOf(a)!;
  const kb = kindOf(b)!;
  if (ka !== kb) {
    if (strict) {
      throw new TypeError(
        `PriorityQueue: '<' not supported between ${typeName(a)} ${String(a)} and ${typeName(b)} ${String(b)}: ` +
          'keys at the same position must both be numbers, both strings or both arrays',
      );
    }
    return kindRank[ka] - kindRank[kb];
  }
  if (ka !== 'a') return a < b ? -1 : a > b ? 1 : 0;
  const x = a as readonly PriorityKey[];
  const y = b as readonly PriorityKey[];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeys(x[i]!, y[i]!, strict);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}
