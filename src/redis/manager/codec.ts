/**
 * Values and dict keys as bytes in Redis (data is only data).
 *
 * A value is checked the way every skein channel checks it (a function, a class instance with
 * private state, … is a `TypeError` naming its path, before anything is sent), then written
 * with V8's serializer, which carries exactly the structured-clone types (Map, Set, Date,
 * BigInt, typed arrays, cycles, built-in errors) and nothing executable. Reading one back
 * rebuilds plain data only: no key, string or shape inside it is interpreted, so any value
 * comes out equal to what went in, whatever keys it has. Skein's shared objects (thread locks,
 * queues, manager proxies) have no meaning on another machine and are refused.
 *
 * Dict keys are Python's hashable primitives. They become hash fields whose first byte names
 * the type, so `1`, `'1'`, `1n` and `true` stay four different keys, as in a Map:
 * `s…` string, `n…` number (`-0` is `0`, as SameValueZero has it), `i…` bigint, `t`/`f`
 * booleans, `z` null, `u` undefined.
 *
 * @module
 */
import { deserialize, serialize } from 'node:v8';
import { encodeValue } from '../../core/serialize.js';
import type { DictKey } from '../../multiprocessing/wire/values.js';

/** Bytes of `value`. @throws TypeError naming the path of a part that is not data. */
export function encode(value: unknown, path = 'value'): Buffer {
  const enc = encodeValue(value, 'process', path);
  if (enc.shared !== undefined) {
    throw new TypeError(
      `${path} holds a skein shared object (${enc.shared.join(', ')}), which cannot be stored in Redis: store plain data, or name a RedisManager object instead`,
    );
  }
  return serialize(value);
}

/** The value of bytes written by {@link encode}. */
export function decode<T = unknown>(bytes: Buffer | Uint8Array): T {
  return deserialize(bytes) as T;
}

/** The hash field of a dict key. @throws TypeError for an unhashable key. */
export function keyField(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return `s${key}`;
    case 'number':
      return `n${Object.is(key, -0) ? '0' : String(key)}`;
    case 'bigint':
      return `i${key}`;
    case 'boolean':
      return key ? 't' : 'f';
    case 'undefined':
      return 'u';
    default:
      if (key === null) return 'z';
      throw new TypeError(
        `unhashable dict key: ${typeof key === 'object' ? 'an object' : typeof key} (use a string, number, bigint or boolean)`,
      );
  }
}

/** The dict key of a hash field written by {@link keyField}. */
export function fieldKey(field: Uint8Array | string): DictKey {
  const f =
    typeof field === 'string'
      ? field
      : Buffer.from(field.buffer, field.byteOffset, field.byteLength).toString('utf8');
  const rest = f.slice(1);
  switch (f[0]) {
    case 's':
      return rest;
    case 'n':
      return Number(rest);
    case 'i':
      return BigInt(rest);
    case 't':
      return true;
    case 'f':
      return false;
    case 'z':
      return null;
    case 'u':
      return undefined;
    default:
      throw new TypeError(`not a skein dict field: ${JSON.stringify(f.slice(0, 40))}`);
  }
}
