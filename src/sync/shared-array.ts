/**
 * `SharedArray`: a fixed-length array of numbers in shared memory, with a lock. Python:
 * `multiprocessing.Array(typecode, size_or_initializer)` (shared between threads here).
 *
 * Design: a `SharedArray` *is* a typed array (`Int32Array`, `Float64Array`… over a
 * SharedArrayBuffer) of a per-type subclass that adds `getLock()` and the crossing into threads.
 * So `arr[i]`, `length`, iteration and every typed-array method are native and as fast as a
 * typed array's, and `arr instanceof SharedArray` still holds. Element accesses are plain
 * (non-atomic), like Python's; guard read-modify-writes with `getLock()` (an {@link RLock}), or
 * use `Atomics` on the array directly.
 *
 * Element kinds: the initializer is checked as Python's ctypes checks a store (an integer type
 * refuses `1.7` or a string with a TypeError; see `checkElement`). An element *assignment*
 * `arr[i] = x` is the native typed array's, which converts as C does (`1.7` stores 1): checking
 * it would need a Proxy in front of every access, which typed-array methods refuse and which
 * would make each index access many times slower — a documented difference from Python.
 *
 * **A holder stopped mid-update**: elements are single aligned words (never torn); the lock is
 * the robust RLock of `mutex.ts` — the next acquirer takes it over from a dead thread and sees
 * its ident in `getLock().ownerDied` (the guarded multi-element update may be half done).
 *
 * @module
 */
import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';
import { reviving } from './revive.js';
import { RLock } from './rlock.js';
import {
  arrayClasses,
  checkElement,
  type ElementOf,
  resolveType,
  type TypeCode,
  type TypeName,
} from './typecode.js';

const TAG = 'skein.SharedArray';

/** The typed array a SharedArray of element type `T` is. */
export type TypedArrayOf<T extends TypeCode> = T extends 'int8' | 'b'
  ? Int8Array
  : T extends 'uint8' | 'B'
    ? Uint8Array
    : T extends 'int16' | 'h'
      ? Int16Array
      : T extends 'uint16' | 'H'
        ? Uint16Array
        : T extends 'int32' | 'i'
          ? Int32Array
          : T extends 'uint32' | 'I'
            ? Uint32Array
            : T extends 'float32' | 'f'
              ? Float32Array
              : T extends 'float64' | 'd'
                ? Float64Array
                : T extends 'bigint64' | 'q' | 'l'
                  ? BigInt64Array
                  : BigUint64Array;

/** What a SharedArray offers beyond its typed array. */
export interface SharedArrayExtras {
  /** The element type (skein's name). */
  readonly type: TypeName;
  /** The RLock that guards compound updates. Python: `get_lock()`. */
  getLock(): RLock;
}

/**
 * A shared array of element type `T`: the typed array (`arr[i]`, `length`, iteration, typed-array
 * methods) plus {@link SharedArrayExtras}.
 */
export type SharedArray<T extends TypeCode = 'float64'> = TypedArrayOf<T> & SharedArrayExtras;

/** The constructor of {@link SharedArray}. */
export interface SharedArrayConstructor {
  /**
   * Creates a shared array of `lengthOrValues` zeros, or holding a copy of the given values.
   * @param type a type name (`'int32'`…) or Python typecode (`'i'`…).
   * @throws TypeError for an unknown type or values of the wrong kind; RangeError for a bad length.
   */
  new <T extends TypeCode>(type: T, lengthOrValues: number | Iterable<ElementOf<T>>): SharedArray<T>;
}

interface Extra {
  type: TypeName;
  lock: RLock;
}

const extras = new WeakMap<object, Extra>();
const subclasses = new Map<TypeName, new (buffer: SharedArrayBuffer) => object>();

function subclassFor(name: TypeName): new (buffer: SharedArrayBuffer) => object {
  let cls = subclasses.get(name);
  if (cls) return cls;
  const Base = arrayClasses[name] as unknown as new (buffer: SharedArrayBuffer) => Int32Array;
  const sub = class extends Base {
    // Derived arrays (map, slice, filter…) are plain typed arrays, not shared ones.
    static get [Symbol.species]() {
      return Base;
    }
    get type(): TypeName {
      return name;
    }
    getLock(): RLock {
      return (extras.get(this) as Extra).lock;
    }
    [kShare](destination: Destination): SharedDescriptor {
      refuseProcess(
        destination,
        'a threading SharedArray',
        'no shared memory there',
        'manager.Array() or a process Queue',
      );
      return {
        tag: TAG,
        data: { type: name, buffer: this.buffer, lock: this.getLock()[kShare](destination).data },
      };
    }
  };
  Object.defineProperty(sub, 'name', { value: `Shared${Base.name}` });
  cls = sub as unknown as new (buffer: SharedArrayBuffer) => object;
  subclasses.set(name, cls);
  return cls;
}

function make(name: TypeName, buffer: SharedArrayBuffer, lock: RLock): object {
  const arr = new (subclassFor(name))(buffer);
  extras.set(arr, { type: name, lock });
  return arr;
}

/**
 * A fixed-length array of numbers shared by threads: Python's `multiprocessing.Array`. It is a
 * typed array (indexing, `length`, iteration and typed-array methods work natively) plus
 * `getLock()`.
 *
 * @example
 * ```ts
 * const counts = new SharedArray('int32', 4);
 * using _ = counts.getLock().holdSync();
 * counts[0] += 1;
 * ```
 */
export const SharedArray: SharedArrayConstructor = function SharedArray(
  this: unknown,
  type: TypeCode,
  lengthOrValues: number | Iterable<number | bigint>,
): object {
  if (new.target === undefined)
    throw new TypeError("Class constructor SharedArray cannot be invoked without 'new'");
  const name = resolveType(type);
  const Cls = arrayClasses[name];
  let values: (number | bigint)[] | undefined;
  let length: number;
  if (typeof lengthOrValues === 'number') {
    if (!Number.isInteger(lengthOrValues) || lengthOrValues < 0) {
      throw new RangeError(`SharedArray length must be a non-negative integer, got ${lengthOrValues}`);
    }
    length = lengthOrValues;
  } else if (
    lengthOrValues !== null &&
    typeof lengthOrValues === 'object' &&
    Symbol.iterator in lengthOrValues
  ) {
    values = [...lengthOrValues];
    for (const [i, v] of values.entries()) checkElement(name, v, `SharedArray initializer[${i}]`);
    length = values.length;
  } else {
    throw new TypeError('SharedArray(type, lengthOrValues): give a length or an iterable of initial values');
  }
  const arr = make(name, new SharedArrayBuffer(length * Cls.BYTES_PER_ELEMENT), new RLock());
  if (values) (arr as unknown as { set(v: ArrayLike<number | bigint>): void }).set(values);
  return arr;
} as unknown as SharedArrayConstructor;

Object.defineProperty(SharedArray, Symbol.hasInstance, {
  value: (v: unknown) => typeof v === 'object' && v !== null && extras.has(v),
});

registerSharedType(TAG, (data) => {
  const d = data as { type: TypeName; buffer: SharedArrayBuffer; lock: SharedArrayBuffer };
  const lock = reviving(d.lock, () => new RLock());
  return make(d.type, d.buffer, lock);
});
