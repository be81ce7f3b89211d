/**
 * How a queue item becomes bytes in shared memory, and back.
 *
 * A queue stores items as bytes in its SharedArrayBuffer, so every `put` serializes and every
 * `get` deserializes. `v8.serialize` does the job for anything structured clone accepts, but
 * it costs several microseconds even for a small object (about 177k/s, see FACTS.md), which
 * alone would cap a queue far below a million items a second. So there are two formats:
 *
 * - **Fast format** (first byte < `TAG_V8`): a tagged, depth-first encoding of the values
 *   that make up nearly every queue item — `undefined`, `null`, booleans, numbers (int32 or
 *   float64, `-0` and `NaN` preserved), strings (Latin-1 or UTF-16 code units), bigints,
 *   dense arrays and plain objects with string keys. A small object (`{ id, name, v }`)
 *   round-trips about 7× faster than through V8's serializer (≈1.4M/s against ≈190k/s here).
 * - **V8 format** (`TAG_V8` then V8's bytes): everything else structured clone carries (Map,
 *   Set, Date, RegExp, typed arrays, errors, sparse arrays, cycles and repeated references).
 *   The encoder falls back to it as soon as it meets anything outside the fast format; it
 *   never guesses.
 *
 * ```
 * fast:  tag:u8 payload…          (nested values follow their container's header)
 *   0 undefined · 1 null · 2 false · 3 true · 4 int32:i32 · 5 float64:f64
 *   6 latin1 string  len:u32 bytes[len]      7 utf16 string  len:u32 units:u16[len]
 *   8 array  len:u32 values[len]             9 object  n:u32 (key:string-without-tag value)[n]
 *   10 bigint  len:u32 decimal-ascii[len]
 * v8:    0xF0 v8.serialize(value)
 * ```
 *
 * Before anything is written, the value is checked like every other value skein sends
 * (`encodeValue` from core): a function, a symbol, a class instance… is a `TypeError` naming
 * its path (`item.handler`). skein's own shared objects (locks, queues) cannot ride inside an
 * item: V8's serializer cannot carry the SharedArrayBuffers behind them, and a queue has no
 * message port to carry them another way (a blocked `getSync` could not receive one). That is a
 * `TypeError` naming the path too, and suggesting to pass the object as a thread argument.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import v8 from 'node:v8';
import { encodeValue } from '../core/serialize.js';
import { isShareable } from '../core/shared-registry.js';

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
    const bytes = slowEncode(value, path);
    this.ensure(1 + bytes.length);
    this.buf[this.pos++] = TAG_V8;
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
    // Symbol-keyed properties are not looked for: listing them costs more than encoding a small
    // object. Structured clone drops them too, and so does this format.
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
      this.#string(key);
      if (!this.#fast(rec[key], depth + 1)) return false;
      n++;
    }
    this.view.setUint32(countAt, n, true);
    return true;
  }
}

/** Finds the path of the first skein shared object inside `value`, if any. */
function sharedPath(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (isShareable(value) || value instanceof SharedArrayBuffer) return path;
  if (ArrayBuffer.isView(value)) return value.buffer instanceof SharedArrayBuffer ? path : undefined;
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      const p = sharedPath(k, `${path}.<key ${i}>`, seen) ?? sharedPath(v, `${path}.<value ${i}>`, seen);
      if (p) return p;
      i++;
    }
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      const p = sharedPath(v, `${path}.<item ${i++}>`, seen);
      if (p) return p;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const p = sharedPath(
      (value as Record<string, unknown>)[key],
      Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
      seen,
    );
    if (p) return p;
  }
  return undefined;
}

/** V8's format, after the same checks every skein value gets. */
function slowEncode(value: unknown, path: string): Buffer {
  const enc = encodeValue(value, 'thread', path); // throws TypeError naming the path
  const where = sharedPath(value, path, new Set());
  if (where !== undefined && enc.shared === undefined) {
    throw new TypeError(
      `${where} cannot be put in a queue: it is shared memory (a SharedArrayBuffer or a view of one), which ` +
        'cannot travel inside a queue item. Pass it to the thread as a Thread argument instead.',
    );
  }
  if (enc.shared !== undefined) {
    throw new TypeError(
      `${where ?? path} cannot be put in a queue: it is a skein shared object (${enc.shared.join(', ')}), whose shared ` +
        'memory cannot travel inside a queue item. Pass it to the thread as a Thread argument instead.',
    );
  }
  try {
    return v8.serialize(value);
  } catch (err) {
    throw new TypeError(
      `${path} cannot be put in a queue: ${(err as Error).message} (SharedArrayBuffers and views of them cannot ` +
        'travel inside a queue item; pass them to the thread as a Thread argument instead)',
      { cause: err },
    );
  }
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
    if (this.buf[start] === TAG_V8) {
      // A fresh copy: deserialized typed arrays would otherwise be views into our buffer.
      return v8.deserialize(Buffer.from(this.buf.subarray(start + 1, end)));
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
