/**
 * How a queue item becomes bytes in shared memory, and back.
 *
 * A queue stores items as bytes in its SharedArrayBuffer, so every `put` serializes and every
 * `get` deserializes. `v8.serialize` does the job for anything structured clone accepts, but
 * it costs several microseconds even for a small object (about 177k/s measured on Node 20), which
 * alone would cap a queue far below a million items a second. So there are two formats, and a
 * third for items holding shared memory:
 *
 * - **Fast format** (first byte < `TAG_V8`): a tagged, depth-first encoding of the values
 *   that make up nearly every queue item — `undefined`, `null`, booleans, numbers (int32 or
 *   float64, `-0` and `NaN` preserved), strings (Latin-1 or UTF-16 code units), bigints,
 *   dense arrays and plain objects with string keys and data properties (an object with a
 *   symbol key or an accessor is refused by the slow path's check, as every channel refuses it). A small object (`{ id, name, v }`)
 *   round-trips about 16× faster than through V8's serializer (≈3.4M/s against ≈210k/s here).
 * - **V8 format** (`TAG_V8` then V8's bytes): everything else structured clone carries (Map,
 *   Set, Date, RegExp, typed arrays, errors, sparse arrays, cycles and repeated references).
 *   The encoder falls back to it as soon as it meets anything outside the fast format; it
 *   never guesses.
 * - **Shared format** (`TAG_SHARED`): an item holding shared memory — a skein shared object (a
 *   lock, a queue, a shared value…), a SharedArrayBuffer or a view of one — arrives in the getter
 *   as *itself* (the same lock, the same memory). Bytes cannot hold a SharedArrayBuffer, so the
 *   item is written as V8 bytes of one record `{ v, s, p }`: `v` and `s` are the payload and
 *   handle table `encodeValue` makes (core/serialize.ts), copied once more so that each
 *   SharedArrayBuffer in them (the user's, or a lock's inside its descriptor) is a placeholder
 *   `{ i }` and each view of one `{ i, type, byteOffset, length }`, and `p` lists the placeholder
 *   objects themselves. The SharedArrayBuffers (`i` indexes them) are deposited in the depot
 *   (core/depot.ts) under an id the record carries. The getter withdraws them from the depot
 *   (synchronously: it may be in `getSync`), puts them back where the placeholders are, and
 *   revives the shared objects. Placeholders and handles are both found by *identity* — an
 *   object of the record is a placeholder exactly when it is an entry of `p`, which V8's
 *   serializer keeps within one record — never by a key, so an item's own objects come out as
 *   they went in, whatever their keys. Every failed put (Full, timeout, abort, ShutDown, an
 *   incomparable key, ValueError) and every item `shutdown({ immediate })` discards tells the
 *   depot to drop its id (queue.ts), so the depot holds only items in transit.
 *
 * ```
 * fast:  tag:u8 payload…          (nested values follow their container's header)
 *   0 undefined · 1 null · 2 false · 3 true · 4 int32:i32 · 5 float64:f64
 *   6 latin1 string  len:u32 bytes[len]      7 utf16 string  len:u32 units:u16[len]
 *   8 array  len:u32 values[len]             9 object  n:u32 (key:string-without-tag value)[n]
 *   10 bigint  len:u32 decimal-ascii[len]
 * v8:     0xF0 v8.serialize(value)
 * shared: 0xF1 depotId:f64 v8.serialize({ v: payload, s: handle table, p: placeholders })
 *         (depotId 0: nothing deposited — only handles without shared memory)
 * ```
 *
 * Before anything is written, the value is checked like every other value skein sends
 * (`encodeValue` from core): a function, a symbol, a class instance… is a `TypeError` naming
 * its path (`item.handler`), shared objects or not next to it.
 *
 * skein's shared primitives (sync/) are imported here, so any thread holding a queue can revive
 * them synchronously; other shared types are loaded with `require` when first met, from the
 * fixed list of skein's modules (see `loadSharedTypeSync`). (Under tsx, `require` of an ES module makes a second instance of it:
 * such a type — a `local`, a multiprocessing object — must already be imported by the getting
 * thread.)
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import v8 from 'node:v8';
import { deposit, drop, withdraw } from '../core/depot.js';
import { decodeValueSync, encodeValue, type HandleTable, replaceInPlace } from '../core/serialize.js';
// skein's shared primitives, loaded wherever a queue is, so a getter (perhaps blocked in
// getSync, with no event loop to import a module) can rebuild any of them inside an item. Other
// shared types are loaded on demand with `require` (see loadSharedTypeSync).
import '../sync/barrier.js';
import '../sync/bounded-semaphore.js';
import '../sync/condition.js';
import '../sync/event.js';
import '../sync/lock.js';
import '../sync/rlock.js';
import '../sync/semaphore.js';
import '../sync/shared-array.js';
import '../sync/value.js';

const TAG_UNDEFINED = 0;
const TAG_NULL = 1;
const TAG_FALSE = 2;
const TAG_TRUE = 3;
const TAG_INT32 = 4;
const TAG_FLOAT64 = 5;
const TAG_LATIN1 = 6;
const TAG_UTF16 = 7;
const TAG_ARRAY = 8;
const TAG_OBJECT = 9;
const TAG_BIGINT = 10;
const TAG_V8 = 0xf0;
const TAG_SHARED = 0xf1;

/** Latin-1 strings up to this length are looked up in the Reader's cache. */
const CACHED_STRING = 32;
/** Entries of the Reader's string cache (a power of two). */
const STRING_CACHE = 256;

/** Objects nested deeper than this go to V8's serializer (which handles depth on its own). */
const MAX_DEPTH = 64;
/** More distinct objects than this in one item: V8's serializer (its reference table scales). */
const MAX_OBJECTS = 256;

const EMPTY: Record<string, unknown> = {};

/** True when plain objects inherit an enumerable property (a polluted Object.prototype). */
function inheritsEnumerable(): boolean {
  for (const _ in EMPTY) return true;
  return false;
}

/**
 * A growable byte buffer an item is encoded into, reused from one `put` to the next.
 * Not shared: it lives in the encoding thread only.
 */
export class Writer {
  /** The bytes; starts at offset 0 of its own ArrayBuffer, so {@link words} views it too. */
  buf: Buffer = Buffer.allocUnsafeSlow(256);
  view = new DataView(this.buf.buffer, 0, this.buf.byteLength);
  /** The same memory as 32-bit words: a queue copies records word by word (see copyWords). */
  words = new Int32Array(this.buf.buffer, 0, this.buf.byteLength >> 2);
  pos = 0;
  /** Objects on the current path and before it (repeated references go to V8); `#nSeen` used. */
  readonly #seen: object[] = [];
  #nSeen = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, 0, next.byteLength);
    this.words = new Int32Array(next.buffer, 0, next.byteLength >> 2);
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * Appends `value`: the fast format when it allows, otherwise V8's.
   * @param path how to name the value in a TypeError (`item`).
   * @throws TypeError when the value cannot be sent (naming its path); the writer is then
   *   left at the position it had.
   */
  write(value: unknown, path: string): void {
    const start = this.pos;
    this.#nSeen = 0;
    // Someone made a property of Object.prototype enumerable: plain objects would list it in
    // `for…in` (see #fast), so let V8's serializer, which copies own properties only, do it all.
    const ok = !inheritsEnumerable() && this.#fast(value, 0);
    // Drop the references so a put item is not kept alive by the writer.
    const seen = this.#seen;
    for (let i = this.#nSeen - 1; i >= 0; i--) seen[i] = undefined as unknown as object;
    if (ok) return;
    this.pos = start;
    const { tag, bytes } = slowEncode(value, path);
    this.ensure(1 + bytes.length);
    this.buf[this.pos++] = tag;
    bytes.copy(this.buf, this.pos);
    this.pos += bytes.length;
  }

  #u32(n: number): void {
    this.view.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  #string(s: string): void {
    const len = s.length;
    this.ensure(5 + 2 * len);
    const tagAt = this.pos;
    this.buf[this.pos] = TAG_LATIN1;
    this.pos += 1;
    this.#u32(len);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) {
        buf[tagAt] = TAG_UTF16;
        p = this.pos + buf.write(s, this.pos, 2 * len, 'utf16le');
        break;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** The fast format; false (with garbage written) when the value needs V8's. */
  #fast(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'undefined':
        this.ensure(1);
        this.buf[this.pos++] = TAG_UNDEFINED;
        return true;
      case 'boolean':
        this.ensure(1);
        this.buf[this.pos++] = value ? TAG_TRUE : TAG_FALSE;
        return true;
      case 'number':
        this.ensure(9);
        if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
          this.buf[this.pos++] = TAG_INT32;
          this.view.setInt32(this.pos, value, true);
          this.pos += 4;
        } else {
          this.buf[this.pos++] = TAG_FLOAT64;
          this.view.setFloat64(this.pos, value, true);
          this.pos += 8;
        }
        return true;
      case 'string':
        this.#string(value);
        return true;
      case 'bigint': {
        const s = value.toString();
        this.ensure(5 + s.length);
        this.buf[this.pos++] = TAG_BIGINT;
        this.#u32(s.length);
        this.pos += this.buf.write(s, this.pos, 'latin1');
        return true;
      }
      case 'object':
        break;
      default:
        return false; // symbol, function: the slow path names the error
    }
    if (value === null) {
      this.ensure(1);
      this.buf[this.pos++] = TAG_NULL;
      return true;
    }
    if (depth > MAX_DEPTH) return false;
    const seen = this.#seen;
    const nSeen = this.#nSeen;
    // Repeated references and cycles must keep their shape: leave them to V8.
    if (nSeen >= MAX_OBJECTS) return false;
    for (let i = 0; i < nSeen; i++) if (seen[i] === value) return false;
    seen[nSeen] = value;
    this.#nSeen = nSeen + 1;
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return false;
      const len = value.length;
      this.ensure(5);
      this.buf[this.pos++] = TAG_ARRAY;
      this.#u32(len);
      for (let i = 0; i < len; i++) {
        const v: unknown = value[i];
        if (v === undefined && !(i in value)) return false; // a hole
        if (!this.#fast(v, depth + 1)) return false;
      }
      // Extra non-index properties travel with structured clone: V8 keeps them. (Checked up to
      // 1024 elements; beyond, listing the keys would cost more than the encoding, and such
      // properties on large arrays are dropped, as JSON would drop them.)
      return len > 1024 || Object.keys(value).length === len;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    // Symbol keys and accessor properties take the slow path, whose check (encodeValue) refuses
    // them with a TypeError naming the path — the one rule of every channel (submit, Pipe.send,
    // a process queue): structured clone would drop the symbols and call the getters silently.
    if (getOwnPropertySymbols(value).length !== 0) return false;
    // `for…in` rather than Object.keys(): V8 then loads each value straight from its field (no
    // keys array, no keyed lookup), a third faster for a small object. It would also list
    // enumerable properties inherited from Object.prototype; `write` checked there are none.
    this.ensure(5);
    this.buf[this.pos++] = TAG_OBJECT;
    const countAt = this.pos;
    this.pos += 4;
    let n = 0;
    const rec = value as Record<string, unknown>;
    for (const key in rec) {
      const d = getOwnPropertyDescriptor(rec, key);
      if (d === undefined || d.get !== undefined || d.set !== undefined) return false;
      this.#string(key);
      if (!this.#fast(rec[key], depth + 1)) return false;
      n++;
    }
    this.view.setUint32(countAt, n, true);
    return true;
  }
}

/** True when `value` holds a SharedArrayBuffer or a view of one (anywhere inside). */
function holdsSab(value: unknown, seen: Set<object>): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof SharedArrayBuffer) return true;
  if (ArrayBuffer.isView(value)) return value.buffer instanceof SharedArrayBuffer;
  if (value instanceof Map) {
    for (const [k, v] of value) if (holdsSab(k, seen) || holdsSab(v, seen)) return true;
    return false;
  }
  if (value instanceof Set) {
    for (const v of value) if (holdsSab(v, seen)) return true;
    return false;
  }
  for (const key of Object.keys(value))
    if (holdsSab((value as Record<string, unknown>)[key], seen)) return true;
  return false;
}

// One descriptor per key: measured (Node 20) at about half the cost of __lookupGetter__ plus
// __lookupSetter__, whose C++ calls cost more than the short-lived descriptor object.
const { getOwnPropertySymbols, getOwnPropertyDescriptor } = Object;

/**
 * A SharedArrayBuffer (`i` indexes the record's buffers) or a view of one, as it is written in
 * a TAG_SHARED record. A placeholder is known by identity (it is an entry of the record's `p`),
 * never by its shape.
 */
interface Placeholder {
  i: number;
  type?: string;
  byteOffset?: number;
  length?: number;
}

/** The views a placeholder can rebuild, by constructor name. */
const viewTypes: Record<string, new (b: SharedArrayBuffer, o: number, n: number) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
  Buffer: Buffer.from as never,
};

function viewType(view: ArrayBufferView): string {
  if (Buffer.isBuffer(view)) return 'Buffer';
  for (
    let p = Object.getPrototypeOf(view) as { constructor: { name: string } } | null;
    p;
    p = Object.getPrototypeOf(p)
  )
    if (Object.hasOwn(viewTypes, p.constructor.name)) return p.constructor.name;
  return 'Uint8Array';
}

/** Where {@link placeSabs} collects the shared memory of one item. */
interface Placing {
  sabs: SharedArrayBuffer[];
  placeholders: Placeholder[];
  copies: Map<object, unknown>;
}

/**
 * Copies `value`'s containers (arrays, plain objects, Maps, Sets; cycles and repeated references
 * kept), replacing each SharedArrayBuffer and each view of one by a fresh placeholder (listed in
 * `at.placeholders`; the buffers in `at.sabs`). Other objects are kept as they are; the user's
 * value is never changed.
 */
function placeSabs(value: unknown, at: Placing): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = at.copies.get(value);
  if (done !== undefined) return done;
  const index = (sab: SharedArrayBuffer) => {
    const i = at.sabs.indexOf(sab);
    return i >= 0 ? i : at.sabs.push(sab) - 1;
  };
  let out: Placeholder;
  if (value instanceof SharedArrayBuffer) out = { i: index(value) };
  else if (ArrayBuffer.isView(value)) {
    if (!(value.buffer instanceof SharedArrayBuffer)) return value;
    const type = viewType(value);
    const length =
      type === 'DataView' || type === 'Buffer'
        ? value.byteLength
        : value.byteLength / (value as Int8Array).BYTES_PER_ELEMENT;
    out = { i: index(value.buffer), type, byteOffset: value.byteOffset, length };
  } else if (Array.isArray(value)) {
    const arr = new Array<unknown>(value.length);
    at.copies.set(value, arr);
    for (const key of Object.keys(value)) copyProperty(arr, value, key, at);
    return arr;
  } else if (value instanceof Map) {
    const map = new Map();
    at.copies.set(value, map);
    for (const [k, v] of value) map.set(placeSabs(k, at), placeSabs(v, at));
    return map;
  } else if (value instanceof Set) {
    const set = new Set();
    at.copies.set(value, set);
    for (const v of value) set.add(placeSabs(v, at));
    return set;
  } else {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype && proto !== null) return value;
    const obj: Record<string, unknown> = proto === null ? Object.create(null) : {};
    at.copies.set(value, obj);
    for (const key of Object.keys(value)) copyProperty(obj, value, key, at);
    return obj;
  }
  at.placeholders.push(out);
  at.copies.set(value, out);
  return out;
}

/** `to[key] = placeSabs(from[key])`, an own `__proto__` key included (as data). */
function copyProperty(to: object, from: object, key: string, at: Placing): void {
  const v = placeSabs((from as Record<string, unknown>)[key], at);
  if (key === '__proto__') Object.defineProperty(to, key, { value: v, enumerable: true, writable: true });
  else (to as Record<string, unknown>)[key] = v;
}

/**
 * Puts shared memory back where {@link placeSabs} left placeholders (in place: a fresh copy);
 * `placeholders` are the record's own (compared by identity).
 */
function restoreSabs(
  value: unknown,
  sabs: readonly SharedArrayBuffer[],
  placeholders: readonly object[],
): unknown {
  const marks = new Set(placeholders);
  const made = new Map<Placeholder, unknown>();
  return replaceInPlace(
    value,
    (o): o is Placeholder => marks.has(o),
    (p) => {
      let r = made.get(p);
      if (r !== undefined) return r;
      const sab = sabs[p.i];
      if (sab === undefined) throw new Error('skein queue: corrupt item (a placeholder without its buffer)');
      if (p.type === undefined) r = sab;
      else {
        const View = viewTypes[p.type] ?? Uint8Array;
        r =
          p.type === 'Buffer'
            ? Buffer.from(sab, p.byteOffset, p.length)
            : new View(sab, p.byteOffset!, p.length!);
      }
      made.set(p, r);
      return r;
    },
  );
}

/** An item encoded for the V8 formats: its tag byte and the bytes that follow it. */
interface SlowEncoded {
  tag: number;
  bytes: Buffer;
}

/**
 * V8's format, after the same checks every skein value gets; or, for an item holding shared
 * memory, the shared format (its SharedArrayBuffers deposited in the depot).
 */
function slowEncode(value: unknown, path: string): SlowEncoded {
  const enc = encodeValue(value, 'thread', path); // throws TypeError naming the path
  // V8's serializer refuses a SharedArrayBuffer, and silently copies a view of one: both go the
  // shared way.
  if (enc.shared === undefined && !holdsSab(value, new Set())) {
    try {
      return { tag: TAG_V8, bytes: v8.serialize(value) };
    } catch (err) {
      throw new TypeError(`${path} cannot be put in a queue: ${(err as Error).message}`, { cause: err });
    }
  }
  // Payload and table in one walk (one copies map): a descriptor object is copied once, so the
  // copy in the payload is still the very entry of the table.
  const at: Placing = { sabs: [], placeholders: [], copies: new Map() };
  const copy = placeSabs({ v: enc.value, s: enc.shared }, at) as Omit<SharedRecord, 'p'>;
  const sabs = at.sabs;
  let body: Buffer;
  try {
    body = v8.serialize({ v: copy.v, s: copy.s, p: at.placeholders } satisfies SharedRecord);
  } catch (err) {
    throw new TypeError(`${path} cannot be put in a queue: ${(err as Error).message}`, { cause: err });
  }
  // Last, once nothing here can fail: the queue drops the id if the put itself fails.
  const id = sabs.length === 0 ? 0 : deposit(sabs, path);
  const bytes = Buffer.allocUnsafe(8 + body.length);
  bytes.writeDoubleLE(id, 0);
  body.copy(bytes, 8);
  return { tag: TAG_SHARED, bytes };
}

/** The body of a TAG_SHARED record (see the module overview). */
interface SharedRecord {
  /** The payload. */
  v: unknown;
  /** Its handle table. */
  s: HandleTable | undefined;
  /** The placeholders of shared memory inside `v` and `s`. */
  p: Placeholder[];
}

/** Decodes a TAG_SHARED record's payload (`buf[start, end)`, after the tag). */
function readShared(buf: Buffer, start: number, end: number): unknown {
  const id = buf.readDoubleLE(start);
  const sabs = id === 0 ? [] : withdraw(id);
  const record = v8.deserialize(buf.subarray(start + 8, end)) as SharedRecord;
  // In place, payload and table at once: the table's entries stay the payload's objects.
  if (record.p.length > 0) restoreSabs({ v: record.v, s: record.s }, sabs, record.p);
  return decodeValueSync(record.v, record.s, 'thread');
}

/**
 * The depot id of the item record starting at `bytes[at]`, or 0 when it deposited nothing.
 * (For `shutdown({ immediate })`, which reads the ids under the queue's mutex and discards them
 * after releasing it.)
 */
export function depositOf(bytes: Uint8Array, at: number): number {
  if (bytes[at] !== TAG_SHARED) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset + at + 1, 8).getFloat64(0, true);
}

/**
 * Tells the depot to forget what the item record at `bytes[at]` deposited, if anything: the
 * record will never be got (its put failed, or `shutdown({ immediate })` discarded it).
 */
export function discardRecord(bytes: Uint8Array, at: number): void {
  const id = depositOf(bytes, at);
  if (id !== 0) drop(id);
}

/** Tells the depot to forget deposit `id` (see {@link depositOf}). Never waits. */
export function discardDeposit(id: number): void {
  drop(id);
}

/**
 * Copies `words` 32-bit words from `src[from…]` to `dst[to…]` (word indexes). Records are
 * 16-byte aligned in a queue's arena and the codec's buffers start at offset 0, so a record
 * moves a word at a time; for the small items a queue mostly carries this beats both a byte
 * loop and `TypedArray.set` (which needs a subarray allocated per call).
 */
export function copyWords(src: Int32Array, from: number, dst: Int32Array, to: number, words: number): void {
  for (let i = 0; i < words; i++) dst[to + i] = src[from + i]!;
}

/** Reads items back from a (non-shared) copy of their bytes. */
export class Reader {
  /** The bytes; starts at offset 0 of its own ArrayBuffer, so {@link words} views it too. */
  buf: Buffer;
  view: DataView;
  /** The same memory as 32-bit words (a queue copies records in word by word). */
  words: Int32Array;
  pos = 0;
  end = 0;
  /**
   * Recently decoded short Latin-1 strings, direct-mapped by a hash of their length and bytes. Queue items
   * repeat the same keys (and often the same values) over and over: finding the string here
   * costs one pass over its bytes, where building it costs an allocation per character and,
   * for a key, V8's internalization on the first store.
   */
  readonly #strings: (string | undefined)[] = new Array<string | undefined>(STRING_CACHE).fill(undefined);

  constructor() {
    this.buf = Buffer.allocUnsafeSlow(256);
    this.view = new DataView(this.buf.buffer, 0, this.buf.byteLength);
    this.words = new Int32Array(this.buf.buffer, 0, this.buf.byteLength >> 2);
  }

  /** Makes the buffer at least `n` bytes long (its contents are then undefined). */
  reserve(n: number): void {
    if (n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < n) size *= 2;
    this.buf = Buffer.allocUnsafeSlow(size);
    this.view = new DataView(this.buf.buffer, 0, this.buf.byteLength);
    this.words = new Int32Array(this.buf.buffer, 0, this.buf.byteLength >> 2);
  }

  /** Decodes one value from `buf[start, end)`. */
  read(start: number, end: number): unknown {
    this.pos = start;
    this.end = end;
    const tag = this.buf[start]!;
    if (tag >= TAG_V8) {
      // A fresh copy: deserialized typed arrays would otherwise be views into our buffer.
      const bytes = Buffer.from(this.buf.subarray(start + 1, end));
      return tag === TAG_V8 ? v8.deserialize(bytes) : readShared(bytes, 0, bytes.length);
    }
    return this.#value();
  }

  #u32(): number {
    const n = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return n;
  }

  #string(tag: number): string {
    const len = this.#u32();
    const buf = this.buf;
    let p = this.pos;
    if (tag === TAG_LATIN1) {
      this.pos = p + len;
      if (len > CACHED_STRING) return buf.toString('latin1', p, p + len);
      // Hashed on the length and three bytes, not all of them: a collision only costs a rebuild.
      const slot =
        len === 0
          ? 0
          : (len * 37 + buf[p]! * 11 + buf[p + (len >> 1)]! * 5 + buf[p + len - 1]!) & (STRING_CACHE - 1);
      const cached = this.#strings[slot];
      if (cached !== undefined && cached.length === len) {
        let i = 0;
        while (i < len && cached.charCodeAt(i) === buf[p + i]) i++;
        if (i === len) return cached;
      }
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(buf[p + i]!);
      this.#strings[slot] = s;
      return s;
    }
    p += 2 * len;
    const s = buf.toString('utf16le', this.pos, p);
    this.pos = p;
    return s;
  }

  #value(): unknown {
    const tag = this.buf[this.pos++];
    switch (tag) {
      case TAG_UNDEFINED:
        return undefined;
      case TAG_NULL:
        return null;
      case TAG_FALSE:
        return false;
      case TAG_TRUE:
        return true;
      case TAG_INT32: {
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case TAG_FLOAT64: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case TAG_LATIN1:
      case TAG_UTF16:
        return this.#string(tag);
      case TAG_BIGINT:
        return BigInt(this.#string(TAG_LATIN1));
      case TAG_ARRAY: {
        const len = this.#u32();
        const out = new Array<unknown>(len);
        for (let i = 0; i < len; i++) out[i] = this.#value();
        return out;
      }
      case TAG_OBJECT: {
        const n = this.#u32();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const key = this.#string(this.buf[this.pos++]!);
          if (key === '__proto__')
            Object.defineProperty(out, key, {
              value: this.#value(),
              enumerable: true,
              writable: true,
              configurable: true,
            });
          else out[key] = this.#value();
        }
        return out;
      }
      default:
        throw new Error(`skein queue: corrupt item (tag ${tag} at byte ${this.pos - 1})`);
    }
  }
}
