/**
 * Priority keys: how `PriorityQueue` orders items, as Python compares tuples.
 *
 * Python's `PriorityQueue` compares whole items with `<`; the idiom is a tuple
 * `(priority, data)`. skein's item is its own key when it is a number, a bigint or a string,
 * and when it is an array, its key is the array's *leading run* of comparable elements
 * (numbers, bigints, strings, and arrays of them, recursively): `[20, 'a']` is all key;
 * in `[1, { job }]` only `[1]` is, and `{ job }` is payload that is never compared.
 *
 * Comparison is {@link compareKeys}, skein's one Python-order comparator (the managers'
 * `list.sort()` uses it too). As Python's: numbers and bigints compare by value with each other
 * (and with booleans, 0 and 1 as in Python, though a boolean is not a key here); strings by
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

/** How Python orders a value: as a number (bool is int's subclass there), a string or a sequence. */
type Kind = 'n' | 's' | 'a';

function orderKind(v: unknown): Kind | undefined {
  switch (typeof v) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return 'n';
    case 'string':
      return 's';
    case 'object':
      return Array.isArray(v) ? 'a' : undefined;
    default:
      return undefined;
  }
}

// A boolean is no key (PriorityQueue's contract, pinned by its tests): `put(true)` is a
// TypeError and a boolean after the leading numbers stays uncompared payload.
function keyKind(v: unknown): Kind | undefined {
  return typeof v === 'boolean' ? undefined : orderKind(v);
}

function prefixOf(arr: readonly unknown[]): PriorityKey[] {
  const out: PriorityKey[] = [];
  for (const v of arr) {
    const k = keyKind(v);
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
  const k = keyKind(item);
  if (k === undefined) {
    const what = item === null ? 'null' : typeof item;
    throw new TypeError(
      `PriorityQueue items are ordered like Python tuples: put a number, bigint, string or an array such as ` +
        `[priority, data], not ${what === 'object' ? 'a plain object' : what}`,
    );
  }
  return k === 'a' ? prefixOf(item as unknown[]) : (item as PriorityKey);
}

/** `number 1`, `string 'a'`, `array`: enough to find the culprit, never a whole nested value. */
function describe(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return `string ${JSON.stringify(v)}`;
    case 'bigint':
      return `bigint ${v}n`;
    case 'number':
    case 'boolean':
      return `${typeof v} ${String(v)}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

// Incomparable values, when they must not throw: number < string < array < anything else.
const kindRank = { n: 0, s: 1, a: 2 } as const;
const OTHER_RANK = 3;

/**
 * Orders two values as Python's `<` does: negative, zero or positive. The one comparator behind
 * `PriorityQueue` and the managers' `list.sort()`.
 *
 * Numbers, bigints and booleans compare by value with one another (`false` is 0 and `true` is 1,
 * as Python's bool is a subclass of int: `true < 2`, and `true` equals `1`); strings by UTF-16 code
 * units; arrays element by element, a proper prefix first.
 * @param strict throw `TypeError` on values Python cannot compare (a number against a string, or
 *   anything but a number, bigint, boolean, string or array); when false, order them by kind
 *   (number < string < array < anything else) instead, so that the caller never throws.
 * @param what who compares, to start the message with (`'PriorityQueue'`, `'list.sort()'`).
 * @throws TypeError when `strict` and two values at the same position are incomparable, naming both.
 */
export function compareKeys(a: unknown, b: unknown, strict: boolean, what?: string): number {
  const ka = orderKind(a);
  const kb = orderKind(b);
  if (ka !== kb || ka === undefined) {
    if (strict) {
      throw new TypeError(
        `${what ? `${what}: ` : ''}'<' not supported between ${describe(a)} and ${describe(b)}: ` +
          'values at the same position must both be numbers (or bigints, booleans), both strings or both arrays',
      );
    }
    return (ka === undefined ? OTHER_RANK : kindRank[ka]) - (kb === undefined ? OTHER_RANK : kindRank[kb]);
  }
  // Relational operators compare numbers, bigints and booleans (as 0 and 1) by value, as Python does.
  if (ka !== 'a') return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  const x = a as readonly unknown[];
  const y = b as readonly unknown[];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeys(x[i], y[i], strict, what);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}
