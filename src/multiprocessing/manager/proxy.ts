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
import { randomUUID } from 'node:crypto';
import { RuntimeError, ValueError } from '../../core/errors.js';
import { currentIdentity } from '../../core/identity.js';
import { encodeValue, type HandleTable } from '../../core/serialize.js';
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
import { deadlockMode, deadlockTimeout } from '../../core/wait-table.js';
import { answerValue, answerValueSync } from '../connection.js';
import { currentProcess } from '../current.js';
import { type Client, checkServerRef, clientFor, ownerToken, type ServerRef } from '../wire/client.js';
import type { Anchor, CallRequest } from '../wire/protocol.js';
import { requestSync } from '../wire/sync.js';
import type { DictKey } from '../wire/values.js';

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
  /** The reference this copy claims on arrival (a ticket, or the anchor of a stored value). */
  ticket: string;
}

/**
 * References collected while encoding a value bound for a server (see {@link encodeFor}):
 * proxies of that very server inside the value are held by the value once stored there.
 */
let collecting: { ref: ServerRef; anchors: Anchor[] } | undefined;

function sameServer(a: ServerRef, b: ServerRef): boolean {
  if (a === b) return true;
  const x = a.address;
  const y = b.address;
  const sameAddress =
    typeof x === 'string' || typeof y === 'string' ? x === y : x.host === y.host && x.port === y.port;
  return sameAddress && Buffer.from(a.authkey).equals(Buffer.from(b.authkey));
}

/**
 * @internal Encodes a value sent to the server of `ref`, with the anchors of the proxies of
 * that server inside it (`h`): the server counts them as held by the value while it stores it.
 */
export function encodeFor(
  ref: ServerRef,
  value: unknown,
  path: string,
): { value: unknown; shared: HandleTable | undefined; anchors: Anchor[] | undefined } {
  const outer = collecting;
  const mine = { ref, anchors: [] as Anchor[] };
  collecting = mine;
  try {
    const enc = encodeValue(value, 'process', path);
    return { value: enc.value, shared: enc.shared, anchors: mine.anchors.length ? mine.anchors : undefined };
  } finally {
    collecting = outer;
  }
}

/** What a proxy gives back when it is garbage-collected without `release()`. */
interface Held {
  client: Client;
  id: string;
}

/**
 * Proxies dropped without `close()` give their reference back when collected. The release
 * goes on the very client that counted it: if that connection is gone, the server already gave
 * back everything it held (and a new connection of the same thread must not be charged).
 */
const finalizer = new FinalizationRegistry<Held>((held) => {
  if (!held.client.dead) held.client.post({ o: 'hold', t: held.id, e: 0, d: -1 });
});

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
  /** The keys, in insertion order (Python's `list(d.keys())`). */
  keys(): K[];
  /** The values, in insertion order (Python's `list(d.values())`). */
  values(): V[];
  /** `[key, value]` pairs, in insertion order. */
  items(): [K, V][];
  /** Adds every entry of a Map, an array of pairs, or a plain object. */
  update(other: Map<K, V> | [K, V][] | Record<string, V>): void;
  /** Removes `key` and returns its value, or `dflt`. @throws RangeError (Python's KeyError) without a default. */
  pop(key: K, dflt?: V): V;
  /** The value of `key`, first setting it to `dflt` if absent. */
  setdefault(key: K, dflt?: V): V;
  /** Removes every entry. */
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
  /** Adds `value` at the end. */
  append(value: T): void;
  /** Adds every item of `values` at the end. */
  extend(values: T[]): void;
  /** Inserts `value` before index `i` (Python's `insert`: past the end appends). */
  insert(i: number, value: T): void;
  /** Removes and returns `l[i]` (default the last). @throws RangeError when empty. */
  pop(i?: number): T;
  /** Removes the first item deep-equal to `value`. @throws ValueError when absent. */
  remove(value: T): void;
  /** Index of the first item deep-equal to `value`. @throws ValueError when absent. */
  index(value: T): number;
  /** How many items are deep-equal to `value`. */
  count(value: T): number;
  /** Sorts in place, ordering like Python (numbers, strings, arrays of them). */
  sort(options?: { reverse?: boolean }): void;
  /** Reverses the list in place. */
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
  /** Sets the attribute (Python's `ns.name = value`). */
  set(name: string, value: unknown): void;
  /** Deletes the attribute (Python's `del ns.name`); true if it was there. */
  delete(name: string): boolean;
  /** Whether the attribute exists (Python's `hasattr`). */
  has(name: string): boolean;
  /** A plain snapshot of every attribute. */
  copy(): Record<string, unknown>;
}

/** Operations of a managed `Value` (Python's `ValueProxy`: `v.value`). */
export interface ValueOps<T> {
  /** The value (Python's `v.value`). */
  get(): T;
  /** Replaces the value (Python's `v.value = x`). */
  set(value: T): void;
}

/** Operations of a managed `Array` (Python's `ArrayProxy`). */
export interface ArrayOps<T> {
  /** `a[i]`. @throws RangeError (Python's IndexError) out of range. */
  get(i: number): T;
  /** `a[i] = value`. @throws RangeError out of range. */
  set(i: number, value: T): void;
  /** `len(a)`. */
  length(): number;
  /** A plain snapshot (an array). */
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
  /** Whether the lock is held by anyone. */
  locked(): boolean;
}

/** Operations of a managed `Semaphore` or `BoundedSemaphore`. */
export interface SemaphoreOps {
  /** Takes a permit, waiting up to `timeout` ms; false if it timed out or `blocking: false` found none. */
  acquire(options?: AcquireArg): boolean;
  /** Releases `n` permits. @throws ValueError over-releasing a BoundedSemaphore. */
  release(n?: number): void;
  /** The current count (not in Python's proxy; for diagnostics). */
  getValue(): number;
}

/** Operations of a managed `Event` (Python's `EventProxy`). */
export interface EventOps {
  /** Sets the flag and wakes every waiter. */
  set(): void;
  /** Resets the flag. */
  clear(): void;
  /** Whether the flag is set. */
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
  /** Wakes every waiter. @throws RuntimeError without the lock. */
  notifyAll(): void;
}

/** Operations of a managed `Barrier` (Python's `BarrierProxy`). */
export interface BarrierOps {
  /** Waits for all parties; returns this party's arrival index. @throws BrokenBarrierError */
  wait(options?: number | WaitOptions): number;
  /** Breaks the barrier: current and future waiters fail with BrokenBarrierError. */
  abort(): void;
  /** Returns the barrier to its initial state; current waiters fail with BrokenBarrierError. */
  reset(): void;
  /** Whether the barrier is broken. */
  broken(): boolean;
  /** How many parties are waiting now. */
  nWaiting(): number;
  /** How many parties the barrier needs. */
  parties(): number;
}

/** Holding helpers of lock-like proxies (`using _ = await lock.hold()`, `lock.run(fn)`). */
export interface Holdable {
  /**
   * `using _ = await lock.hold()`: Python's `with lock:`. Takes the same argument as `acquire`.
   * @throws RuntimeError (rejects) when a timeout ran out or `blocking: false` found it taken.
   */
  hold(options?: AcquireArg): Promise<Disposable>;
  /**
   * Blocking twin of {@link hold}: `using _ = lock.holdSync()`.
   * @throws RuntimeError when a timeout ran out or `blocking: false` found it taken.
   */
  holdSync(options?: AcquireArg): Disposable;
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
/** The kinds whose acquire the server watches for deadlocks. */
const LOCKS = new Set<ProxyKind>(['lock', 'rlock', 'condition']);

/** This thread's deadlock settings, as the server reads them (`parseLockDiag`). */
function lockDiag(): { m: string; t: number; n: string; i: number } {
  const me = currentIdentity();
  const n = `${me.name} of ${currentProcess().name} (pid ${process.pid})`;
  return { m: deadlockMode(), t: deadlockTimeout(), n, i: me.ident };
}
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
  /** The client that counted this proxy's reference; undefined once released. */
  #holder: Client | undefined;

  /**
   * @internal Proxies come from a manager's factories (whose `create` counted this proxy's
   * reference) or arrive as copies (which claim `ticket`).
   */
  constructor(ref: ServerRef, id: string, kind: ProxyKind, ticket?: string) {
    this.#ref = ref;
    this.#id = id;
    this.#kind = kind;
    const client = clientFor(ref);
    if (ticket !== undefined && !client.dead) client.post({ o: 'claim', t: id, e: 0, x: ticket });
    this.#holder = client;
    finalizer.register(this, { client, id }, this);
  }

  /**
   * Gives back this proxy's reference to the managed object (Python decrements its refcount
   * when a proxy is garbage-collected; skein does that too, and this does it now). The object
   * is freed once no proxy, copy in transit, or stored value refers to it. The proxy cannot be
   * used afterwards (`ValueError`). Idempotent. (Named `close`, not `release`: a lock's
   * `release` is the lock's own.)
   */
  close(): void {
    const client = this.#holder;
    if (client === undefined) return;
    this.#holder = undefined;
    finalizer.unregister(this);
    if (!client.dead) client.post({ o: 'hold', t: this.#id, e: 0, d: -1 });
  }

  /** `using d = await manager.dict()` closes the proxy ({@link close}) at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  #live(): void {
    if (this.#holder === undefined) throw new ValueError(`this ${this.#kind} proxy was closed`);
  }

  /** The kind of the managed object (`'dict'`, `'lock'`, …). */
  get kind(): ProxyKind {
    return this.#kind;
  }

  #request(
    m: string,
    args: unknown[],
    sync: boolean,
  ): { msg: Omit<CallRequest, 'i'>; signal: AbortSignal | undefined } {
    this.#live();
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
      // A lock's acquire carries this thread's deadlock settings: the server finds cycles
      // through its locks across processes (hosted/deadlocks.ts).
      if (m === 'acquire' && LOCKS.has(this.#kind)) a = [sync, lockDiag()];
      else a = m === 'acquire' && sync ? [true] : [];
    }
    const enc = encodeFor(this.#ref, a, 'args');
    const msg: Omit<CallRequest, 'i'> = {
      o: 'call',
      t: this.#id,
      m,
      a: enc.value as unknown[],
      s: enc.shared,
      w,
      u: ownerToken,
    };
    if (enc.anchors) msg.h = enc.anchors;
    return { msg, signal };
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
    this.#live();
    // Each copy holds a reference of its own: stored in a container of the same server, the
    // stored value holds it (an anchor in the request); otherwise a ticket keeps it counted
    // while the copy travels, until the receiver claims it (or it expires).
    const ticket = randomUUID();
    if (collecting && sameServer(collecting.ref, this.#ref)) collecting.anchors.push([ticket, this.#id]);
    else clientFor(this.#ref).post({ o: 'ticket', t: this.#id, e: 0, x: ticket });
    const data: ProxyData = { ref: this.#ref, id: this.#id, kind: this.#kind, ticket };
    return { tag: TAG, data };
  }

  /** `<DictProxy id=…>`-style description, for logs. */
  toString(): string {
    return `<${this.#kind} proxy ${this.#id.slice(0, 8)}>`;
  }
}

type ProxyClass = new (ref: ServerRef, id: string, kind: ProxyKind, ticket?: string) => BaseProxy;
const classes = new Map<ProxyKind, ProxyClass>();

type Dyn = BaseProxy & Record<string, (...a: unknown[]) => unknown>;

function classFor(kind: ProxyKind): ProxyClass {
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
    // The same failure as a thread Lock's hold(): code written against one runs against the other.
    proto.hold = async function (this: Dyn, options?: AcquireArg) {
      if (!(await this.acquire!(options)))
        throw new RuntimeError(`hold(): ${this} could not be acquired (timed out or not blocking)`);
      return { [Symbol.dispose]: () => this.releaseSync!() };
    };
    proto.holdSync = function (this: Dyn, options?: AcquireArg) {
      if (!this.acquireSync!(options))
        throw new RuntimeError(`holdSync(): ${this} could not be acquired (timed out or not blocking)`);
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
export function makeProxy<P>(ref: ServerRef, id: string, kind: ProxyKind, ticket?: string): P {
  const C = classFor(kind);
  return new C(ref, id, kind, ticket) as P;
}

registerSharedType(TAG, (data) => {
  // From another process, perhaps: checked before use.
  const d = data as Partial<ProxyData> | null;
  if (typeof d?.id !== 'string' || typeof d.kind !== 'string' || !Object.hasOwn(METHODS, d.kind))
    throw new TypeError('skein: received a malformed manager proxy');
  if (d.ticket !== undefined && typeof d.ticket !== 'string')
    throw new TypeError('skein: received a malformed manager proxy');
  return makeProxy(checkServerRef(d.ref, 'manager proxy'), d.id, d.kind, d.ticket);
});
