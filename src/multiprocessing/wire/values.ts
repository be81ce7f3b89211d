/**
 * Value shapes both ends of a Manager connection agree on: the keys a Manager dict takes and
 * the typecodes of a Manager `Value`/`Array` with their conversions. The client checks them
 * before it sends (a clear error at the call); the server (`hosted/`) applies them again, since
 * nothing a peer sends is trusted.
 *
 * A Manager `Value('l')` holds a JavaScript number (truncated as ctypes truncates), where a
 * shared-memory `Value('l')` (`sync/typecode.ts`) is a 64-bit `bigint`: the manager keeps
 * `'l'`/`'L'` in the 32-bit group, as it always has.
 *
 * @module
 */

/** What a Manager dict (and a Redis dict) takes as a key: Python's hashable scalars. */
export type DictKey = string | number | bigint | boolean | null | undefined;

const INT_CODES = new Set([
  'b',
  'B',
  'h',
  'H',
  'i',
  'I',
  'l',
  'L',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
]);
const BIG_CODES = new Set(['q', 'Q', 'bigint64', 'biguint64']);
const FLOAT_CODES = new Set(['f', 'd', 'float32', 'float64']);
const ALL_CODES = new Set([...INT_CODES, ...BIG_CODES, ...FLOAT_CODES, 'c', 'u', 'bool', '?']);

/** Checks a typecode and converts a value to it (as ctypes would: ints truncate). */
export function coerce(type: string, v: unknown): unknown {
  if (INT_CODES.has(type)) {
    if (typeof v !== 'number' && typeof v !== 'bigint')
      throw new TypeError(`a number is required for type '${type}'`);
    return Math.trunc(Number(v));
  }
  if (BIG_CODES.has(type)) {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
    throw new TypeError(`a bigint is required for type '${type}'`);
  }
  if (FLOAT_CODES.has(type)) {
    if (typeof v !== 'number' && typeof v !== 'bigint')
      throw new TypeError(`a number is required for type '${type}'`);
    return Number(v);
  }
  if (type === 'bool' || type === '?') return Boolean(v);
  return v;
}

/**
 * Checks a Manager `Value`/`Array` typecode (Python's, or skein's element names).
 * @throws TypeError naming the accepted codes when it is not one.
 */
export function checkType(type: unknown): string {
  if (typeof type !== 'string' || !ALL_CODES.has(type)) {
    throw new TypeError(
      `unknown typecode ${JSON.stringify(type)} (use 'i', 'd', 'q', 'int32', 'float64', …)`,
    );
  }
  return type;
}
