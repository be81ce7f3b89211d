/**
 * `Value`: one number in shared memory, with a lock. Python: `multiprocessing.Value` (shared
 * between threads here; processes share no memory, see the Manager).
 *
 * Layout: an 8-byte SharedArrayBuffer viewed as a one-element typed array of the value's type;
 * `.value` reads and writes it with plain (non-atomic) accesses (a write checks the value's
 * kind first, as ctypes does: `Value('i', 1.7)` is a TypeError), exactly like Python's
 * `Value.value` — a read-modify-write such as `v.value += 1` is a race unless done under
 * `getLock()`. The lock is an {@link RLock}, as Python's default `lock=True` gives.
 *
 * **A holder stopped mid-update** (timeout, `terminate()`, crash, out of memory): the value is
 * one word, so it holds either the old or the new number, never a torn one (an aligned store
 * of up to 8 bytes). The lock is the robust RLock of `mutex.ts`: the next acquirer takes it
 * over from the dead thread and reads the dead ident in `getLock().ownerDied`, meaning "the
 * compound update it guarded may be half done" — as for any Lock.
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
import { reviving, takeRevived } from './revive.js';
import { RLock } from './rlock.js';
import {
  arrayClasses,
  checkElement,
  type ElementOf,
  isBigType,
  isIntegerType,
  resolveType,
  type TypeCode,
  type TypeName,
} from './typecode.js';

const TAG = 'skein.Value';
type ViewCtor = new (buffer: SharedArrayBuffer, offset: number, length: number) => object;

/**
 * A number shared by threads: Python's `multiprocessing.Value(typecode, value)`. `.value`
 * reads and writes it; compound updates need `getLock()`.
 *
 * @example
 * ```ts
 * const balance = new Value('i', 0);
 * using _ = balance.getLock().holdSync();
 * balance.value += 1;
 * ```
 */
export class Value<T extends TypeCode = 'float64'> {
  readonly #cell: { [i: number]: ElementOf<T> };
  readonly #lock: RLock;
  /** Whether stores must be integral numbers (the integer types but the bigint ones). */
  readonly #integral: boolean;
  /** The JavaScript type a store must have otherwise: 'number' or 'bigint'. */
  readonly #js: 'number' | 'bigint';
  /** The element type (skein's name for it). */
  readonly type: TypeName;

  /**
   * @param type a type name (`'int32'`…) or Python typecode (`'i'`…).
   * @param initial the initial value (0 by default; a bigint for the 64-bit integer types).
   * @throws TypeError for an unknown type or a value of the wrong kind.
   */
  constructor(type: T, initial?: ElementOf<T>) {
    const revived = takeRevived<{ type: TypeName; buffer: SharedArrayBuffer; lock: RLock }>();
    if (revived) {
      this.type = revived.type;
      this.#integral = isIntegerType(this.type) && !isBigType(this.type);
      this.#js = isBigType(this.type) ? 'bigint' : 'number';
      this.#cell = new (arrayClasses[revived.type] as unknown as ViewCtor)(
        revived.buffer,
        0,
        1,
      ) as unknown as { [i: number]: ElementOf<T> };
      this.#lock = revived.lock;
      return;
    }
    this.type = resolveType(type);
    this.#integral = isIntegerType(this.type) && !isBigType(this.type);
    this.#js = isBigType(this.type) ? 'bigint' : 'number';
    const init = initial ?? ((isBigType(this.type) ? 0n : 0) as ElementOf<T>);
    checkElement(this.type, init, 'Value initial value');
    this.#cell = new (arrayClasses[this.type] as unknown as ViewCtor)(
      new SharedArrayBuffer(8),
      0,
      1,
    ) as unknown as { [i: number]: ElementOf<T> };
    this.#cell[0] = init;
    this.#lock = new RLock();
  }

  /**
   * The current value: a plain read. A write checks the value's kind as Python does — an
   * integer type refuses a non-integral number or a string — and then stores it wrapped to the
   * type's width, as C would.
   * @throws TypeError (on write) for a value the type cannot take (see `checkElement`).
   */
  get value(): ElementOf<T> {
    return this.#cell[0] as ElementOf<T>;
  }
  /** Stores a new value, converted to the element type (as C would: `'i'` wraps to 32 bits). */
  set value(v: ElementOf<T>) {
    // The common case in two instructions (this runs inside callers' critical sections); the
    // full check, which words the error, only when that fails.
    if (this.#integral ? !Number.isInteger(v) : typeof v !== this.#js)
      checkElement(this.type, v, 'Value.value');
    this.#cell[0] = v;
  }

  /** The RLock that guards compound updates. Python: `get_lock()`. */
  getLock(): RLock {
    return this.#lock;
  }

  /** @internal Crossing into another thread. */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(destination, 'a threading Value', 'no shared memory there', 'manager.Value()');
    const buffer = (this.#cell as unknown as Int32Array).buffer;
    return {
      tag: TAG,
      data: { type: this.type, buffer, lock: this.#lock[kShare](destination).data },
    };
  }
}

registerSharedType(TAG, (data) => {
  const d = data as { type: TypeName; buffer: SharedArrayBuffer; lock: SharedArrayBuffer };
  const lock = reviving(d.lock, () => new RLock());
  return reviving({ type: d.type, buffer: d.buffer, lock }, () => new Value(d.type));
});
