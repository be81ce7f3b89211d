/**
 * Values crossing into another thread or process. They travel by structured clone (threads)
 * or V8's serializer (processes, `serialization: 'advanced'`); this module does the two things
 * those cannot:
 *
 * 1. **Fail at the call, clearly** (bad input fails at the call). Structured clone reports a function buried in
 *    an argument as `DataCloneError: () => 1 could not be cloned`, and it silently turns a class
 *    instance into a plain object without its methods or private state. {@link encodeValue}
 *    walks the value first and throws a `TypeError` naming the path (`args[1].handler`).
 * 2. **Carry shared objects as themselves.** A value implementing `kShare` is replaced by its
 *    envelope; {@link decodeValue} rebuilds it on the other side.
 *
 * The walk costs one `typeof` per primitive, so the common case (a few numbers or strings)
 * stays cheap; containers are copied only when they hold a shared object.
 *
 * @module
 */
import {
  allRegistered,
  type Destination,
  isShareable,
  isSharedEnvelope,
  kShare,
  loadSharedType,
  loadSharedTypeSync,
  reviveSharedSync,
  SHARED_KEY,
  type SharedDescriptor,
  type SharedEnvelope,
} from './shared-registry.js';

/** The result of encoding: the value to send, and the shared tags it carries (if any). */
export interface Encoded<T = unknown> {
  value: T;
  /** Tags of the shared objects inside, or `undefined` when there are none. */
  shared: string[] | undefined;
}

const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;

/** Built-in prototypes whose instances structured clone carries faithfully. */
const cloneableProtos = new Set<object | null>([
  Object.prototype,
  null,
  Array.prototype,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
]);

function describe(value: object): string {
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ? `an instance of class ${ctor.name}` : 'an object with a custom prototype';
}

function uncloneable(path: string, what: string, hint: string): TypeError {
  return new TypeError(`${path} cannot be sent to another thread or process: it is ${what}. ${hint}`);
}

function pathKey(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Descriptors made during the current `encodeValue` call: each shared object is asked for its
 * descriptor once per message (the check and the substitution use the same one), since a
 * descriptor may stand for a resource issued for that message (a pipe end's ticket).
 */
let descriptors: Map<object, SharedDescriptor> | undefined;

/**
 * Walks `value` checking that it can cross to `destination`, and collects shared objects.
 * Returns the tags found. Throws a TypeError naming the path of the first bad value.
 */
function check(
  value: unknown,
  path: string,
  destination: Destination,
  seen: Set<object>,
  tags: string[],
): void {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'string':
    case 'bigint':
      return;
    case 'symbol':
      throw uncloneable(path, 'a symbol', 'Send a string instead.');
    case 'function':
      throw uncloneable(
        path,
        `a function (${(value as { name?: string }).name || 'anonymous'})`,
        'Functions do not travel inside values; pass the function as the task itself, or use a module task.',
      );
  }
  if (value === null) return;
  const obj = value as object;
  if (seen.has(obj)) return;
  seen.add(obj);
  if (isShareable(obj)) {
    // Ask the object now, so a type that cannot cross (to a process) fails at the call.
    try {
      const descriptor = obj[kShare](destination);
      descriptors?.set(obj, descriptor);
      tags.push(descriptor.tag);
    } catch (err) {
      if (err instanceof TypeError) throw new TypeError(`${path}: ${err.message}`, { cause: err });
      throw err;
    }
    return;
  }
  if (ArrayBuffer.isView(obj)) {
    if (destination === 'process' && obj.buffer instanceof SharedArrayBuffer) {
      throw uncloneable(
        path,
        'a view of a SharedArrayBuffer',
        'Processes share no memory; use a Manager or a process Queue.',
      );
    }
    return;
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === SharedArrayBuffer.prototype && destination === 'process') {
    throw uncloneable(
      path,
      'a SharedArrayBuffer',
      'Processes share no memory; use a Manager or a process Queue.',
    );
  }
  if (obj instanceof Error) {
    if ('cause' in obj) check(obj.cause, `${path}.cause`, destination, seen, tags);
    return;
  }
  if (!cloneableProtos.has(proto) && proto !== typedArrayProto) {
    if (obj instanceof Promise) {
      throw uncloneable(path, 'a Promise', 'Await it first and send its value.');
    }
    if (obj instanceof WeakMap || obj instanceof WeakSet || obj instanceof WeakRef) {
      throw uncloneable(path, describe(obj), 'Weak collections cannot be copied.');
    }
    throw uncloneable(
      path,
      describe(obj),
      'Only plain data crosses (its prototype, methods and private state would be lost). Send a plain object, or a skein shared object.',
    );
  }
  if (obj instanceof Map) {
    let i = 0;
    for (const [k, v] of obj) {
      check(k, `${path}.<key ${i}>`, destination, seen, tags);
      check(
        v,
        `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : `<key ${i}>`})`,
        destination,
        seen,
        tags,
      );
      i++;
    }
    return;
  }
  if (obj instanceof Set) {
    let i = 0;
    for (const v of obj) check(v, `${path}.<item ${i++}>`, destination, seen, tags);
    return;
  }
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const v: unknown = obj[i];
      // Primitives always clone: skip them without building their path (a map chunk is mostly these).
      const t = typeof v;
      if (v === null || t === 'number' || t === 'string' || t === 'boolean' || t === 'undefined') continue;
      check(v, `${path}[${i}]`, destination, seen, tags);
    }
    return;
  }
  if (proto === Object.prototype || proto === null) {
    if (Object.getOwnPropertySymbols(obj).length > 0) {
      // Structured clone drops symbol keys silently; they are usually protocol hooks.
      throw uncloneable(
        path,
        'an object with symbol keys',
        'Symbol-keyed properties do not travel; use string keys.',
      );
    }
    for (const key of Object.keys(obj)) {
      const desc = Object.getOwnPropertyDescriptor(obj, key);
      if (desc && (desc.get || desc.set)) {
        throw uncloneable(
          pathKey(path, key),
          'an accessor property',
          'Getters and setters do not travel; send the value.',
        );
      }
      check((obj as Record<string, unknown>)[key], pathKey(path, key), destination, seen, tags);
    }
  }
}

/** Copies `value`, replacing every shared object by its envelope (cycles preserved). */
function substitute(value: unknown, destination: Destination, copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as object;
  const done = copies.get(obj);
  if (done !== undefined) return done;
  if (isShareable(obj)) {
    const env: SharedEnvelope = { [SHARED_KEY]: descriptors?.get(obj) ?? obj[kShare](destination) };
    copies.set(obj, env);
    return env;
  }
  if (Array.isArray(obj)) {
    const out: unknown[] = [];
    copies.set(obj, out);
    for (const v of obj) out.push(substitute(v, destination, copies));
    return out;
  }
  if (obj instanceof Map) {
    const out = new Map();
    copies.set(obj, out);
    for (const [k, v] of obj) out.set(substitute(k, destination, copies), substitute(v, destination, copies));
    return out;
  }
  if (obj instanceof Set) {
    const out = new Set();
    copies.set(obj, out);
    for (const v of obj) out.add(substitute(v, destination, copies));
    return out;
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
    copies.set(obj, out);
    for (const key of Object.keys(obj))
      out[key] = substitute((obj as Record<string, unknown>)[key], destination, copies);
    return out;
  }
  return obj;
}

/**
 * Prepares `value` to be sent to `destination`.
 * @param path how to name the value in errors (`args`, `item`, `result`…).
 * @throws TypeError naming the path of a value that cannot be sent; nothing is sent then.
 */
export function encodeValue<T>(value: T, destination: Destination, path = 'value'): Encoded<T> {
  if (typeof value !== 'object' || value === null) {
    check(value, path, destination, new Set(), []);
    return { value, shared: undefined };
  }
  const tags: string[] = [];
  descriptors = new Map();
  try {
    check(value, path, destination, new Set(), tags);
    if (tags.length === 0) return { value, shared: undefined };
    return { value: substitute(value, destination, new Map()) as T, shared: [...new Set(tags)] };
  } finally {
    descriptors = undefined;
  }
}

/**
 * Replaces, in place, each object inside `value` that `pick` selects with what `replace` makes
 * of it, walking arrays, Maps, Sets and other objects (typed arrays and errors are left whole;
 * shared or cyclic parts are walked once). Returns `value`, or its replacement when it is itself
 * picked. For received values only: they are fresh copies, free to change.
 */
export function replaceInPlace<M extends object>(
  value: unknown,
  pick: (v: object) => v is M,
  replace: (m: M) => unknown,
  seen: Set<object> = new Set(),
): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (pick(value)) return replace(value);
  if (seen.has(value)) return value;
  seen.add(value);
  const again = (v: unknown) => replaceInPlace(v, pick, replace, seen);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = again(value[i]);
  } else if (value instanceof Map) {
    const entries = [...value];
    value.clear();
    for (const [k, v] of entries) value.set(again(k), again(v));
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const v of items) value.add(again(v));
  } else if (!ArrayBuffer.isView(value) && !(value instanceof Error)) {
    const rec = value as Record<string, unknown>;
    for (const key of Object.keys(rec)) rec[key] = again(rec[key]);
  }
  return value;
}

function reviveIn(value: unknown, seen: Set<object>, revive: (env: SharedEnvelope) => unknown): unknown {
  return replaceInPlace(value, isSharedEnvelope, revive, seen);
}

/**
 * Rebuilds the shared objects inside a received value (in place; the value is a fresh copy).
 * Synchronous when every tag is already loaded in this isolate, otherwise it imports the
 * defining modules first.
 */
export function decodeValue<T>(value: T, shared: readonly string[] | undefined): T | Promise<T> {
  if (shared === undefined || shared.length === 0) return value;
  if (allRegistered(shared))
    return reviveIn(value, new Set(), (env) => reviveSharedSync(env[SHARED_KEY])) as T;
  return (async () => {
    // Load every defining module first, then revive synchronously.
    const envs: SharedEnvelope[] = [];
    reviveIn(value, new Set(), (env) => {
      envs.push(env);
      return env;
    });
    for (const env of envs) await loadSharedType(env[SHARED_KEY]);
    return reviveIn(value, new Set(), (env) => reviveSharedSync(env[SHARED_KEY])) as T;
  })();
}

/**
 * Rebuilds shared objects synchronously. A type whose module is not loaded in this isolate yet
 * is loaded synchronously first (`loadSharedTypeSync`).
 */
export function decodeValueSync<T>(value: T, shared: readonly string[] | undefined): T {
  if (shared === undefined || shared.length === 0) return value;
  if (!allRegistered(shared))
    reviveIn(value, new Set(), (env) => {
      loadSharedTypeSync(env[SHARED_KEY]);
      return env;
    });
  return reviveIn(value, new Set(), (env) => reviveSharedSync(env[SHARED_KEY])) as T;
}
