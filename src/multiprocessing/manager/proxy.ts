/**
 * Manager proxies: handles on objects held by a manager's server (Python's `BaseProxy` and
 * the `DictProxy`, `ListProxy`, `AcquirerProxy`, `EventProxy`, … of
 * `multiprocessing.managers`).
 *
 * A proxy is plain data — the server's reference, the object's id and kind — so it crosses
 * into threads and processes as an argument (and into queues, pipes and other managed
 * containers as a value) and is the same object there. Every method is async and has a
 * `…Sync` twin that blocks the calling thread (`wire/sync.ts`). Methods are named after
 * Python's in camelCase; where Python uses operators, there are methods (`get`, `set`,
 * `delete`, `has`, `size`, `length`).
 *
 * After the manager shut down, every call rejects (or, for `…Sync`, throws) `ShutDown`.
 *
 * @module
 */
import { DeadlockError } from '../../core/errors.js';
import { encodeValue } from '../../core/serialize.js';
import {
  type Destination,
  kShare,
  registerSharedType,
  type SharedDescriptor,
} from '../../core/shared-registry.js';
import {
  BLOCKING_WAIT_KEYS,
  type BlockingWaitOptions,
  parseWait,
  WAIT_KEYS,
  type WaitOptions,
} from '../../core/wait-options.js';
import { answerValue, answerValueSync } from '../connection.js';
import type { DictKey } from '../hosted/containers.js';
import { clientFor, ownerToken, type ServerRef } from '../wire/client.js';
import type { Request } from '../wire/protocol.js';
import { requestSync } from '../wire/sync.js';

const TAG = 'skein.ManagerProxy';

/** The kinds of managed objects. */
export type ProxyKind =
  | 'dict'
  | 'list'
  | 'namespace'
  | 'value'
  | 'array'
  | 'lock'
  | 'rlock'
  | 'semaphore'
  | 'boundedSemaphore'
  | 'event'
  | 'condition'
  | 'barrier';

interface ProxyData {
  ref: ServerRef;
  id: string;
  kind: ProxyKind;
}

/** `…Sync` twins of a set of operations. */
export type SyncTwins<Ops> = {
  [M in keyof Ops as `${M & string}Sync`]: Ops[M];
};

/** The async face of a set of operations. */
export type AsyncOps<Ops> = {
  [M in keyof Ops]: Ops[M] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

/** A proxy's methods: async ones and their `…Sync` twins. */
export type ProxyOf<Ops> = BaseProxy & AsyncOps<Ops> & SyncTwins<Ops>;

/** Operations of a managed `dict` (Python's `DictProxy`); keys are primitives. */
export interface DictOps<K extends DictKey, V> {
  /** `d[key]`, or `dflt` (default `undefined`) when absent (Python's `get`). */
  get(key: K, dflt?: V): V | undefined;
  /** `d[key] = value`. */
  set(key: K, value: V): void;
  /** `del d[key]`; true if the key was there. */
  delete(key: K): boolean;
  /** `key in d`. */
  has(key: K): boolean;
  keys(): K[];
  values(): V[];
  /** `[key, value]` pairs, in insertion order. */
  items(): [K, V][];
  /** Adds every entry of a Map, an array of pairs, or a plain object. */
  update(other: Map<K, V> | [K, V][] | Record<string, V>): void;
  /** Removes `key` and returns its value, or `dflt`. @throws RangeError (Python's KeyError) without a default. */
  pop(key: K, dflt?: V): V;
  /** The value of `key`, first setting it to `dflt` if absent. */
  setdefault(key: K, dflt?: V): V;
  clear(): void;
  /** A plain snapshot (a Map). */
  copy(): Map<K, V>;
  /** `len(d)`. */
  size(): number;
}

/** Operations of a managed `list` (Python's `ListProxy`); negative indices count from the end. */
export interface ListOps<T> {
  /** `l[i]`. @throws RangeError (Python's IndexError) out of range. */
  get(i: number): T;
  /** `l[i] = value`. */
  set(i: number, value: T): void;
  append(value: T): void;
  extend(values: T[]): void;
  insert(i: number, value: T): void;
  /** Removes and returns `l[i]` (default the last). @throws RangeError when empty. */
  pop(i?: number): T;
  /** Removes the first item deep-equal to `value`. @throws ValueError when absent. */
  remove(value: T): void;
  /** Index of the first item deep-equal to `value`. @throws ValueError when absent. */
  index(value: T): number;
  count(value: T): number;
  /** Sorts in place, ordering like Python (numbers, strings, arrays of them). */
  sort(options?: { reverse?: boolean }): void;
  reverse(): void;
  /** `len(l)`. */
  length(): number;
  /** A plain snapshot (an array). */
  copy(): T[];
}

/** Operations of a managed `Namespace` (attributes by name). */
export interface NamespaceOps {
  /** The attribute, or `undefined`. */
  get<T = unknown>(name: string): T | undefined;
  set(name: string, value: unknown): void;
  delete(name: string): boolean;
  has(name: string): boolean;
  /** A plain snapshot of every attribute. */
  copy(): Record<string, unknown>;
}

/** Operations of a managed `Value` (Python's `ValueProxy`: `v.value`). */
export interface ValueOps<T> {
  get(): T;
  set(value: T): void;
}

/** Operations of a managed `Array` (Python's `ArrayProxy`). */
export interface ArrayOps<T> {
  get(i: number): T;
  set(i: number, value: T): void;
  length(): number;
  copy(): T[];
}

/** Wait options of `acquire` (Python's `blocking`, `timeout`) plus an AbortSignal. */
export type AcquireArg = number | BlockingWaitOptions | undefined;

/** Operations of a managed `Lock`/`RLock`/`Semaphore` (Python's `AcquirerProxy`). */
export interface AcquirerOps {
  /** Acquires, waiting up to `timeout` ms; false if it timed out or `blocking: false` found it taken. */
  acquire(options?: AcquireArg): boolean;
  /** @throws RuntimeError releasing an unlocked lock, or an RLock held by another thread. */
  release(): void;
}

/** Operations of a managed `Lock` or `RLock`. */
export interface LockOps extends AcquirerOps {
  locked(): boolean;
}

/** Operations of a managed `Semaphore` or `BoundedSemaphore`. */
export interface SemaphoreOps {
  acquire(options?: AcquireArg): boolean;
  /** Releases `n` permits. @throws ValueError over-releasing a BoundedSemaphore. */
  release(n?: number): void;
  /** The current count (not in Python's proxy; for diagnostics). */
  getValue(): number;
}

/** Operations of a managed `Event` (Python's `EventProxy`). */
export interface EventOps {
  set(): void;
  clear(): void;
  isSet(): boolean;
  /** Waits until set; false if the timeout passed first. */
  wait(options?: number | WaitOptions): boolean;
}

/** Operations of a managed `Condition` (Python's `ConditionProxy`), with its own RLock. */
export interface ConditionOps extends LockOps {
  /**
   * Releases the lock, waits for a notify (or the timeout), re-acquires; false on timeout.
   * @throws RuntimeError when the calling thread does not hold the lock.
   */
  wait(timeout?: number): boolean;
  /** Wakes up to `n` waiters (default 1). @throws RuntimeError without the lock. */
  notify(n?: number): void;
  notifyAll(): void;
}

/** Operations of a managed `Barrier` (Python's `BarrierProxy`). */
export interface BarrierOps {
  /** Waits for all parties; returns this party's arrival index. @throws BrokenBarrierError */
  wait(options?: number | WaitOptions): number;
  abort(): void;
  reset(): void;
  broken(): boolean;
  nWaiting(): number;
  parties(): number;
}

/** Holding helpers of lock-like proxies (DESIGN §1.6). */
export interface Holdable {
  /** `using _ = await lock.hold()`: Python's `with lock:`. */
  hold(options?: AcquireArg): Promise<Disposable>;
  /** Blocking twin of {@link hold}. */
  holdSync(): Disposable;
  /** Runs `fn` holding the lock. */
  run<R>(fn: () => R | Promise<R>): Promise<Awaited<R>>;
}

/** Proxy of a managed dict: {@link DictOps} as async methods plus `…Sync` twins. */
export type DictProxy<K extends DictKey = string, V = unknown> = ProxyOf<DictOps<K, V>>;
/** Proxy of a managed list ({@link ListOps}). */
export type ListProxy<T = unknown> = ProxyOf<ListOps<T>>;
/** Proxy of a managed Namespace ({@link NamespaceOps}). */
export type NamespaceProxy = ProxyOf<NamespaceOps>;
/** Proxy of a managed Value ({@link ValueOps}). */
export type ValueProxy<T = number> = ProxyOf<ValueOps<T>>;
/** Proxy of a managed Array ({@link ArrayOps}). */
export type ArrayProxy<T = number> = ProxyOf<ArrayOps<T>>;
/**
 * Proxy of a managed Lock or RLock ({@link LockOps}, {@link Holdable}). Released by the server
 * if its holder's thread or process ends.
 * @example
 * const lock = await manager.Lock();
 * await lock.run(async () => { await d.set('n', (await d.get('n')) + 1); });
 */
export type LockProxy = ProxyOf<LockOps> & Holdable;
/** Proxy of a managed Semaphore or BoundedSemaphore ({@link SemaphoreOps}). */
export type SemaphoreProxy = ProxyOf<SemaphoreOps> & Holdable;
/** Proxy of a managed Event ({@link EventOps}). */
export type EventProxy = ProxyOf<EventOps>;
/** Proxy of a managed Condition ({@link ConditionOps}) with `waitFor`. */
export type ConditionProxy = ProxyOf<ConditionOps> &
  Holdable & {
    /** Waits until `predicate()` is true (re-checked after each notify); its last result. */
    waitFor(predicate: () => unknown, timeout?: number): Promise<unknown>;
  };
/** Proxy of a managed Barrier ({@link BarrierOps}). */
export type BarrierProxy = ProxyOf<BarrierOps>;

/** Methods whose last argument is a wait (timeout or options). */
const WAITS = new Set(['acquire', 'wait']);
/** Methods with an undo for a success that arrives after the caller gave up. */
const UNDO: Record<string, string> = { acquire: 'release' };

const METHODS: Record<ProxyKind, readonly string[]> = {
  dict: [
    'get',
    'set',
    'delete',
    'has',
    'keys',
    'values',
    'items',
    'update',
    'pop',
    'setdefault',
    'clear',
    'copy',
    'size',
  ],
  list: [
    'get',
    'set',
    'append',
    'extend',
    'insert',
    'pop',
    'remove',
    'index',
    'count',
    'sort',
    'reverse',
    'length',
    'copy',
  ],
  namespace: ['get', 'set', 'delete', 'has', 'copy'],
  value: ['get', 'set'],
  array: ['get', 'set', 'length', 'copy'],
  lock: ['acquire', 'release', 'locked'],
  rlock: ['acquire', 'release', 'locked'],
  semaphore: ['acquire', 'release', 'getValue'],
  boundedSemaphore: ['acquire', 'release', 'getValue'],
  event: ['set', 'clear', 'isSet', 'wait'],
  condition: ['acquire', 'release', 'locked', 'wait', 'notify', 'notifyAll'],
  barrier: ['wait', 'abort', 'reset', 'broken', 'nWaiting', 'parties'],
};

/**
 * The base of every manager proxy: which server, which object. Methods are added per kind
 * (see the `…Ops` interfaces for each kind's).
 */
export class BaseProxy {
  readonly #ref: ServerRef;
  readonly #id: string;
  readonly #kind: ProxyKind;

  /** @internal Proxies come from a manager's factories. */
  constructor(ref: ServerRef, id: string, kind: ProxyKind) {
    this.#ref = ref;
    this.#id = id;
    this.#kind = kind;
  }

  /** The kind of the managed object (`'dict'`, `'lock'`, …). */
  get kind(): ProxyKind {
    return this.#kind;
  }

  #request(
    m: string,
    args: unknown[],
    sync: boolean,
  ): { msg: Omit<Request, 'i'>; signal: AbortSignal | undefined } {
    let w = -1;
    let signal: AbortSignal | undefined;
    let a = args;
    if (WAITS.has(m)) {
      // acquire() takes `blocking`; the other waits (Event, Condition, Barrier) do not.
      const parsed = parseWait(
        args[0] as number | BlockingWaitOptions | undefined,
        `${m}()`,
        m === 'acquire' ? BLOCKING_WAIT_KEYS : WAIT_KEYS,
      );
      if (sync && parsed.signal) throw new TypeError(`${m}Sync() takes no signal`);
      if (this.#kind === 'condition' && m === 'wait' && parsed.signal) {
        throw new TypeError('Condition.wait() on a manager condition does not take a signal');
      }
      w = parsed.timeout === Number.POSITIVE_INFINITY ? -1 : parsed.timeout;
      signal = parsed.signal;
      a = m === 'acquire' && sync ? [true] : [];
    }
    const enc = encodeValue(a, 'process', 'args');
    return { msg: { o: 'call', t: this.#id, m, a: enc.value, s: enc.shared, w, u: ownerToken }, signal };
  }

  /** @internal Calls method `m` on the server. */
  async call(m: string, args: unknown[]): Promise<unknown> {
    const { msg, signal } = this.#request(m, args, false);
    const client = clientFor(this.#ref);
    const undo = UNDO[m];
    const a = await client.request(msg, {
      signal,
      undo: undo
        ? (ans) => {
            if (ans.v === true && !client.dead)
              client.post({ o: 'call', t: this.#id, m: undo, a: [], u: ownerToken });
          }
        : undefined,
    });
    return answerValue(a);
  }

  /** @internal Calls method `m` on the server, blocking the calling thread. */
  callSync(m: string, args: unknown[]): unknown {
    const { msg } = this.#request(m, args, true);
    return answerValueSync(requestSync(this.#ref, msg));
  }

  /** @internal */
  [kShare](_destination: Destination): SharedDescriptor {
    const data: ProxyData = { ref: this.#ref, id: this.#id, kind: this.#kind };
    return { tag: TAG, module: import.meta.url, data };
  }

  toString(): string {
    return `<${this.#kind} proxy ${this.#id.slice(0, 8)}>`;
  }
}

const classes = new Map<ProxyKind, new (ref: ServerRef, id: string, kind: ProxyKind) => BaseProxy>();

type Dyn = BaseProxy & Record<string, (...a: unknown[]) => unknown>;

function classFor(kind: ProxyKind): new (ref: ServerRef, id: string, kind: ProxyKind) => BaseProxy {
  let C = classes.get(kind);
  if (C) return C;
  const K = class extends BaseProxy {};
  Object.defineProperty(K, 'name', { value: `${kind[0]!.toUpperCase()}${kind.slice(1)}Proxy` });
  const proto = K.prototype as unknown as Record<string, unknown>;
  for (const m of METHODS[kind]) {
    proto[m] = function (this: BaseProxy, ...a: unknown[]) {
      return this.call(m, a);
    };
    proto[`${m}Sync`] = function (this: BaseProxy, ...a: unknown[]) {
      return this.callSync(m, a);
    };
  }
  if (METHODS[kind].includes('acquire')) {
    proto.hold = async function (this: Dyn, options?: AcquireArg) {
      if (!(await this.acquire!(options)))
        throw new DeadlockError('hold(): could not acquire within the timeout');
      return { [Symbol.dispose]: () => this.releaseSync!() };
    };
    proto.holdSync = function (this: Dyn) {
      this.acquireSync!();
      return { [Symbol.dispose]: () => this.releaseSync!() };
    };
    proto.run = async function (this: Dyn, fn: () => unknown) {
      await this.acquire!();
      try {
        return await fn();
      } finally {
        await this.release!();
      }
    };
  }
  if (kind === 'condition') {
    proto.waitFor = async function (this: Dyn, predicate: () => unknown, timeout?: number) {
      const deadline = timeout === undefined ? Number.POSITIVE_INFINITY : performance.now() + timeout;
      let result = await predicate();
      while (!result) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        await this.wait!(left === Number.POSITIVE_INFINITY ? undefined : left);
        result = await predicate();
      }
      return result;
    };
  }
  C = K;
  classes.set(kind, C);
  return C;
}

/** @internal Builds the proxy of a managed object. */
export function makeProxy<P>(ref: ServerRef, id: string, kind: ProxyKind): P {
  const C = classFor(kind);
  return new C(ref, id, kind) as P;
}

registerSharedType(TAG, (data) => {
  const d = data as ProxyData;
  return makeProxy(d.ref, d.id, d.kind);
});
