/**
 * Values crossing into another thread or process. They travel by structured clone (threads)
 * or V8's serializer (processes, `serialization: 'advanced'`, and skein's sockets); this module
 * does the two things those cannot:
 *
 * 1. **Fail at the call, clearly** (bad input fails at the call). Structured clone reports a function buried in
 *    an argument as `DataCloneError: () => 1 could not be cloned`, and it silently turns a class
 *    instance into a plain object without its methods or private state. {@link encodeValue}
 *    walks the value first and throws a `TypeError` naming the path (`args[1].handler`).
 * 2. **Carry shared objects as themselves, out of band**. Data is only data: no
 *    key, string or shape inside a user's value can make the receiver revive a shared object.
 *
 * ## The handle table
 *
 * An encoded value is a pair: the *payload* (a copy of the value in which each shared object
 * is replaced by a fresh descriptor object `{ tag, data }`) and the *handle table*, the list of
 * those very descriptor objects. Both travel in **one** message (one `postMessage`, one IPC
 * message, one socket frame, one queue record), and structured clone and V8's serializer keep
 * object identity within a message (an object met twice is written once, then referenced). So
 * on the receiving side a handle is recognized by *identity* alone: an object of the payload is
 * a handle exactly when it *is* one of the table's entries. A user's object can never be one
 * of them — the sender made each entry itself, after copying the user's containers — so a value
 * comes out equal to what went in whatever its keys are (skein's own old marker names
 * included), and no shape of user data is ever interpreted.
 *
 * We chose identity over the alternatives: escaping user keys costs a walk and a copy of every
 * value, handles or not; a list of paths to the handles needs a path syntax through Maps and
 * Sets and breaks on repeated references. Identity costs nothing for a value without handles
 * (the table is `undefined` and the value is sent as it is), and the receiver's walk is the
 * one it already did. Whoever forwards an encoded value (the object server stores manager
 * values and pipe messages; a Pipe's reader buffers a batch) keeps payload and table together
 * as received and sends them on in one message again ({@link mergeHandles} joins the tables of
 * several values sent at once).
 *
 * The table is data from a peer too: {@link decodeValue} checks it (an array of objects with a
 * known tag), and the decoder for a tag comes from the fixed list of `shared-registry.ts`; a
 * thread-only tag arriving from another process is refused.
 *
 * The walk costs one `typeof` per primitive, so the common case (a few numbers or strings)
 * stays cheap; containers are copied only when they hold a shared object.
 *
 * @module
 */
import {
  allRegistered,
  checkTag,
  type Destination,
  isShareable,
  isSharedTag,
  kShare,
  loadSharedType,
  loadSharedTypeSync,
  reviveSharedSync,
  type SharedDescriptor,
} from './shared-registry.js';

/**
 * The out-of-band half of an encoded value: the descriptors of the shared objects inside it.
 * Each entry is the very object that stands for a shared object in the payload (see the module
 * overview); it must travel in the same message as the payload.
 */
export type HandleTable = SharedDescriptor[];

/** The result of encoding: the payload to send, and its handle table (if any). */
export interface Encoded<T = unknown> {
  /** The value, or (when it holds shared objects) a copy with descriptors in their places. */
  value: T;
  /** The handle table, or `undefined` when the value holds no shared object. */
  shared: HandleTable | undefined;
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
 * Walks `value` checking that it can cross to `destination`, and asks each shared object inside
 * for its descriptor (into `descriptors`). Throws a TypeError naming the path of the first bad
 * value.
 */
function check(value: unknown, path: string, destination: Destination, seen: Set<object>): void {
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
      if (!isSharedTag(descriptor?.tag))
        throw new TypeError(`not a skein shared type (${String(descriptor?.tag)})`);
      // A fresh object: the one the payload and the table will both hold (see the overview).
      descriptors?.set(obj, { tag: descriptor.tag, data: descriptor.data });
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
    if ('cause' in obj) check(obj.cause, `${path}.cause`, destination, seen);
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
      check(k, `${path}.<key ${i}>`, destination, seen);
      check(v, `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : `<key ${i}>`})`, destination, seen);
      i++;
    }
    return;
  }
  if (obj instanceof Set) {
    let i = 0;
    for (const v of obj) check(v, `${path}.<item ${i++}>`, destination, seen);
    return;
  }
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const v: unknown = obj[i];
      // Primitives always clone: skip them without building their path (a map chunk is mostly these).
      const t = typeof v;
      if (v === null || t === 'number' || t === 'string' || t === 'boolean' || t === 'undefined') continue;
      check(v, `${path}[${i}]`, destination, seen);
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
      check((obj as Record<string, unknown>)[key], pathKey(path, key), destination, seen);
    }
  }
}

/** Sets own property `key` of a fresh copy (`__proto__` included: as data, not as the prototype). */
function setOwn(out: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  else out[key] = v;
}

/**
 * Copies `value`'s containers, replacing every shared object by its descriptor (one descriptor
 * object per shared object, however often it appears), which it also appends to `table`.
 * Cycles and repeated references are kept; the user's value is never changed.
 */
function substitute(
  value: unknown,
  destination: Destination,
  copies: Map<object, unknown>,
  table: HandleTable,
): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as object;
  const done = copies.get(obj);
  if (done !== undefined) return done;
  if (isShareable(obj)) {
    let d = descriptors?.get(obj);
    if (d === undefined) {
      const made = obj[kShare](destination);
      d = { tag: made.tag, data: made.data };
    }
    copies.set(obj, d);
    table.push(d);
    return d;
  }
  const again = (v: unknown) => substitute(v, destination, copies, table);
  if (Array.isArray(obj)) {
    // Holes and extra (non-index) properties are kept, as structured clone keeps them.
    const out = new Array<unknown>(obj.length);
    copies.set(obj, out);
    for (const key of Object.keys(obj))
      setOwn(
        out as unknown as Record<string, unknown>,
        key,
        again((obj as unknown as Record<string, unknown>)[key]),
      );
    return out;
  }
  if (obj instanceof Map) {
    const out = new Map();
    copies.set(obj, out);
    for (const [k, v] of obj) out.set(again(k), again(v));
    return out;
  }
  if (obj instanceof Set) {
    const out = new Set();
    copies.set(obj, out);
    for (const v of obj) out.add(again(v));
    return out;
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
    copies.set(obj, out);
    for (const key of Object.keys(obj)) setOwn(out, key, again((obj as Record<string, unknown>)[key]));
    return out;
  }
  return obj;
}

/**
 * Prepares `value` to be sent to `destination`: checks it, and when it holds shared objects,
 * makes the payload and its handle table (see the module overview). Send `value` and `shared`
 * in one message.
 * @param path how to name the value in errors (`args`, `item`, `result`…).
 * @throws TypeError naming the path of a value that cannot be sent; nothing is sent then.
 */
export function encodeValue<T>(value: T, destination: Destination, path = 'value'): Encoded<T> {
  if (typeof value !== 'object' || value === null) {
    check(value, path, destination, new Set());
    return { value, shared: undefined };
  }
  // Saved and restored: a shared object's kShare may itself encode a value.
  const outer = descriptors;
  const found = new Map<object, SharedDescriptor>();
  descriptors = found;
  try {
    check(value, path, destination, new Set());
    if (found.size === 0) return { value, shared: undefined };
    const table: HandleTable = [];
    return { value: substitute(value, destination, new Map(), table) as T, shared: table };
  } finally {
    descriptors = outer;
  }
}

/**
 * Replaces, in place, each object inside `value` that `pick` selects with what `replace` makes
 * of it, walking arrays (every own property: holes and extra properties too), Maps, Sets and
 * other objects (typed arrays and errors are left whole; shared or cyclic parts are walked
 * once). Returns `value`, or its replacement when it is itself picked. For received values only:
 * they are fresh copies, free to change.
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
  if (value instanceof Map) {
    const entries = [...value];
    value.clear();
    for (const [k, v] of entries) value.set(again(k), again(v));
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const v of items) value.add(again(v));
  } else if (!ArrayBuffer.isView(value) && !(value instanceof Error)) {
    const rec = value as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      const v = rec[key];
      // Written only when replaced. (An own `__proto__` data property is set as itself: [[Set]]
      // finds the own property before Object.prototype's accessor.)
      if (typeof v === 'object' && v !== null) {
        const r = again(v);
        if (r !== v) rec[key] = r;
      }
    }
  }
  return value;
}

/**
 * Checks a received handle table: an array of descriptors whose tags are in the fixed list
 * and may come from `origin`. Returns the distinct tags.
 * @throws TypeError otherwise.
 */
function checkTable(table: unknown, origin: Destination): Set<string> {
  if (!Array.isArray(table)) throw new TypeError('skein: a received handle table is not an array');
  const tags = new Set<string>();
  for (const d of table) {
    if (typeof d !== 'object' || d === null) throw new TypeError('skein: a received handle is not an object');
    tags.add(checkTag((d as { tag?: unknown }).tag, origin));
  }
  return tags;
}

/** Replaces, in `value`, each entry of `table` (by identity) by the object it revives. */
function revive(value: unknown, table: readonly SharedDescriptor[]): unknown {
  const revived = new Map<object, unknown>();
  const handles = new Set<object>(table);
  return replaceInPlace(
    value,
    (o): o is SharedDescriptor => handles.has(o),
    (d) => {
      // One object per handle, however often it appears (as the sender had it).
      if (revived.has(d)) return revived.get(d);
      const r = reviveSharedSync(d);
      revived.set(d, r);
      return r;
    },
  );
}

/**
 * Rebuilds the shared objects inside a received value (in place; the value is a fresh copy),
 * given the handle table that came in the same message. Synchronous when every type is already
 * loaded in this isolate, otherwise it imports skein's modules for them first (from the fixed
 * list: nothing named by the message is loaded).
 * @param origin where the value came from: a thread-only type from a `'process'` is refused.
 * @throws TypeError (or rejects with it) for a malformed table or an unknown or refused tag.
 */
export function decodeValue<T>(
  value: T,
  shared: readonly SharedDescriptor[] | undefined,
  origin: Destination,
): T | Promise<T> {
  if (shared === undefined) return value;
  const tags = checkTable(shared, origin);
  if (allRegistered(tags)) return revive(value, shared) as T;
  return (async () => {
    for (const t of tags) await loadSharedType(t);
    return revive(value, shared) as T;
  })();
}

/**
 * {@link decodeValue} without waiting: a type whose module is not loaded in this isolate yet is
 * loaded synchronously first (`loadSharedTypeSync`).
 * @throws TypeError for a malformed table or an unknown or refused tag.
 */
export function decodeValueSync<T>(
  value: T,
  shared: readonly SharedDescriptor[] | undefined,
  origin: Destination,
): T {
  if (shared === undefined) return value;
  const tags = checkTable(shared, origin);
  if (!allRegistered(tags)) for (const t of tags) loadSharedTypeSync(t);
  return revive(value, shared) as T;
}

/**
 * One handle table for several values sent together (a batch of pipe messages, a dict's
 * values): every entry of `tables`, each once. `undefined` when none has an entry.
 */
export function mergeHandles(tables: Iterable<unknown>): HandleTable | undefined {
  let out: Set<SharedDescriptor> | undefined;
  const seen = new Set<unknown>();
  for (const t of tables) {
    // Not an array: a malformed table from a peer, left out (decoding would refuse it anyway).
    if (!Array.isArray(t) || seen.has(t)) continue;
    seen.add(t);
    out ??= new Set();
    for (const d of t as SharedDescriptor[]) out.add(d);
  }
  return out === undefined || out.size === 0 ? undefined : [...out];
}
