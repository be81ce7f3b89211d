/**
 * Element types of shared values and arrays: skein's names and Python's typecodes.
 *
 * Python's codes map to the sizes CPython uses on 64-bit Linux: `'b' 'B'` 8-bit, `'h' 'H'`
 * 16-bit, `'i' 'I'` 32-bit, `'l' 'L' 'q' 'Q'` 64-bit (so their elements are `bigint`s), `'f'`
 * float32, `'d'` float64.
 *
 * @module
 */

/** skein's element type names. */
export type TypeName =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'float32'
  | 'float64'
  | 'bigint64'
  | 'biguint64';

/** Python's typecodes accepted as aliases. */
export type PythonTypecode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd';

/** An element type: a skein name or a Python typecode. */
export type TypeCode = TypeName | PythonTypecode;

/** The JavaScript type of one element: `bigint` for the 64-bit integer types, else `number`. */
export type ElementOf<T extends TypeCode> = T extends 'bigint64' | 'biguint64' | 'l' | 'L' | 'q' | 'Q'
  ? bigint
  : number;

const aliases: Record<PythonTypecode, TypeName> = {
  b: 'int8',
  B: 'uint8',
  h: 'int16',
  H: 'uint16',
  i: 'int32',
  I: 'uint32',
  l: 'bigint64',
  L: 'biguint64',
  q: 'bigint64',
  Q: 'biguint64',
  f: 'float32',
  d: 'float64',
};

/** A typed-array constructor. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** The typed array class of each type name. */
export const arrayClasses: Record<TypeName, TypedArrayConstructor> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  bigint64: BigInt64Array,
  biguint64: BigUint64Array,
};

/**
 * Resolves a type name or Python typecode.
 * @throws TypeError naming the accepted codes when `type` is not one.
 */
export function resolveType(type: unknown): TypeName {
  if (typeof type === 'string') {
    if (Object.hasOwn(arrayClasses, type)) return type as TypeName;
    if (Object.hasOwn(aliases, type)) return aliases[type as PythonTypecode];
  }
  throw new TypeError(
    `unknown element type ${JSON.stringify(type)}: use one of ${Object.keys(arrayClasses).join(', ')} ` +
      `or a Python typecode (${Object.keys(aliases).join(' ')})`,
  );
}

/** True for the 64-bit integer types, whose elements are bigints. */
export function isBigType(name: TypeName): boolean {
  return name === 'bigint64' || name === 'biguint64';
}

/** True for the integer types (whose elements Python refuses to take from a float). */
export function isIntegerType(name: TypeName): boolean {
  return name !== 'float32' && name !== 'float64';
}

/**
 * Checks one element for a type, as Python's ctypes does on a `Value`/`Array` store: a bigint
 * type takes a bigint; another integer type takes an integral number (`1.7`, `NaN` or a string
 * is a TypeError — Python: "'float' object cannot be interpreted as an integer"); a float type
 * takes any number. An integral number outside the type's range is stored wrapped to its
 * width, as C and Python's ctypes do (`Value('i', 2 ** 31)` holds −2³¹ in both).
 * @throws TypeError when `v` is not acceptable for the type.
 */
export function checkElement(name: TypeName, v: unknown, what: string): void {
  if (isBigType(name)) {
    if (typeof v !== 'bigint')
      throw new TypeError(`${what} must be a bigint for type ${name}, got ${describe(v)}`);
    return;
  }
  if (typeof v !== 'number')
    throw new TypeError(`${what} must be a number for type ${name}, got ${describe(v)}`);
  if (isIntegerType(name) && !Number.isInteger(v)) {
    throw new TypeError(
      `${what} must be an integer for type ${name}, got ${v} (Python: a float cannot be interpreted as an integer)`,
    );
  }
}

function describe(v: unknown): string {
  return typeof v === 'string'
    ? `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`
    : typeof v;
}
