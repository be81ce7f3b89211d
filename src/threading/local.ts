/**
 * `local`: an object whose attributes each thread sees separately. Python: `threading.local`.
 *
 * @module
 */
import { getIdent } from '../core/identity.js';
import {
  type Destination,
  kShare,
  refuseProcess,
  registerSharedType,
  type SharedDescriptor,
} from '../core/shared-registry.js';

const TAG = 'skein.local';
const byId = new Map<string, local>();
/** Each local's process-wide id (keyed by the proxy, which is what users hold). */
const ids = new WeakMap<object, string>();
const stores = new WeakMap<object, Map<number, Record<PropertyKey, unknown>>>();

function store(target: object): Record<PropertyKey, unknown> {
  let perThread = stores.get(target);
  if (perThread === undefined) {
    perThread = new Map();
    stores.set(target, perThread);
  }
  const ident = getIdent();
  let s = perThread.get(ident);
  if (s === undefined) {
    s = Object.create(null) as Record<PropertyKey, unknown>;
    perThread.set(ident, s);
  }
  return s;
}

const handler: ProxyHandler<local> = {
  get(target, key, receiver) {
    if (typeof key === 'symbol' || !(key in store(target))) return Reflect.get(target, key, receiver);
    return store(target)[key];
  },
  set(_target, key, value) {
    if (typeof key === 'symbol') return false;
    store(_target)[key] = value;
    return true;
  },
  has(target, key) {
    return (typeof key === 'string' && key in store(target)) || Reflect.has(target, key);
  },
  deleteProperty(target, key) {
    if (typeof key === 'symbol') return false;
    return delete store(target)[key];
  },
  ownKeys(target) {
    return Reflect.ownKeys(store(target));
  },
  getOwnPropertyDescriptor(target, key) {
    const s = store(target);
    if (typeof key === 'symbol' || !(key in s)) return undefined;
    return { value: s[key], writable: true, enumerable: true, configurable: true };
  },
  defineProperty(target, key, desc) {
    if (typeof key === 'symbol' || !('value' in desc)) return false;
    store(target)[key] = desc.value;
    return true;
  },
};

/**
 * Thread-local data (Python's `threading.local`): properties set on it are seen only by the
 * thread that set them. Async tasks of one thread share one view, as coroutines of one Python
 * thread do. Passed to a thread, it arrives as the same local object, showing that thread's view.
 *
 * @example
 * const data = new local();
 * data.user = 'ana'; // other threads do not see it
 */
export class local {
  /** Free-form per-thread properties. */
  [key: string]: unknown;
  constructor(id?: string) {
    const proxy = new Proxy(this, handler);
    ids.set(proxy, id ?? crypto.randomUUID());
    // biome-ignore lint/correctness/noConstructorReturn: the proxy is what makes properties per thread.
    return proxy;
  }

  /** @internal How a local travels to another thread (by its id). */
  [kShare](destination: Destination): SharedDescriptor {
    refuseProcess(destination, 'a threading.local', 'each process has its own data anyway');
    return { tag: TAG, data: ids.get(this) };
  }
}

registerSharedType(TAG, (data) => {
  const id = data as string;
  let l = byId.get(id);
  if (l === undefined) {
    l = new local(id);
    byId.set(id, l);
  }
  return l;
});
