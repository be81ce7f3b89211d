/**
 * Values crossing Redis: plain data, never code.
 *
 * A value is checked with skein's own walker (`core/serialize.ts`, as for a child process), so
 * a function, a class instance, a Promise or a SharedArrayBuffer fails at the call with a
 * `TypeError` naming its path. A skein shared object (a Lock, a Queue, a Manager proxy) cannot
 * cross machines either: it is refused here too. What passes is written with V8's serializer —
 * structured-clone types survive (Map, Set, Date, BigInt, typed arrays, `undefined`, cycles) —
 * and carried as base64 text, since BullMQ stores job data as JSON.
 *
 * Reading is the mirror image and nothing more: V8's deserializer only builds data (objects,
 * arrays, primitives, typed arrays), so no byte sequence from the network can make this
 * process run code or load a module.
 *
 * @module
 */
import { deserialize, serialize } from 'node:v8';
import { type ErrorEnvelope, fromEnvelope, toEnvelope } from '../core/error-transport.js';
import { encodeValue } from '../core/serialize.js';

/**
 * Checks that `value` can cross to another machine, without encoding it (the check of
 * {@link encodeData}, for values encoded later as part of a larger one).
 * @param path how to name the value in errors (`args`, `result`…).
 * @throws TypeError naming the path of a value that cannot cross.
 */
export function checkData(value: unknown, path: string): void {
  const enc = encodeValue(value, 'process', path);
  if (enc.shared !== undefined) {
    throw new TypeError(
      `${path} holds a skein shared object (${enc.shared.join(', ')}), which cannot cross to another machine: ` +
        'send plain data, and share state through RedisManager objects found by name.',
    );
  }
}

/** Encodes a value already checked by {@link checkData}. */
export function serializeData(value: unknown): string {
  return serialize(value).toString('base64');
}

/**
 * Checks and encodes `value` for Redis.
 * @param path how to name the value in errors (`args`, `result`…).
 * @throws TypeError naming the path of a value that cannot cross (nothing is sent then).
 */
export function encodeData(value: unknown, path: string): string {
  checkData(value, path);
  return serializeData(value);
}

/**
 * Decodes a value written by {@link encodeData}.
 * @throws TypeError when the text is not a valid encoding.
 */
export function decodeData(text: string): unknown {
  if (typeof text !== 'string') throw new TypeError(`expected encoded data (a string), got ${typeof text}`);
  try {
    return deserialize(Buffer.from(text, 'base64'));
  } catch (cause) {
    throw new TypeError('the data received from Redis is not a valid skein encoding', { cause });
  }
}

/**
 * Encodes an error for Redis as skein's error envelope (class name, message, code, cause, stack,
 * own properties — `core/error-transport.ts`). Never throws: a property V8 cannot write is
 * stringified by the envelope, and if the whole envelope still fails, only the name, message
 * and stack are sent.
 */
export function encodeError(err: unknown): string {
  const env = toEnvelope(err);
  try {
    return serialize(env).toString('base64');
  } catch {
    return serialize({ name: env.name, message: env.message, stack: env.stack }).toString('base64');
  }
}

/**
 * Decodes an error written by {@link encodeError} as the class it was thrown as (a skein error
 * class, a built-in, or an `Error` carrying the original name).
 * @param where names where it was raised, for the stack (`Redis job 3f…`).
 */
export function decodeError(text: string, where: string): Error {
  const env = decodeData(text);
  if (typeof env !== 'object' || env === null || typeof (env as ErrorEnvelope).name !== 'string')
    return new TypeError(`${where} failed with an unreadable error`);
  return fromEnvelope(env as ErrorEnvelope, where);
}
