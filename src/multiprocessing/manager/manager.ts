/**
 * `Manager()`: Python's `multiprocessing.Manager()` / `SyncManager`.
 *
 * `await Manager()` forks a server process (`server-entry.ts`) that holds shared objects;
 * the factories (`dict()`, `Lock()`, `Queue()`, …) create objects there and return proxies
 * (`proxy.ts`) usable from any thread or process they are passed to.
 *
 * - **Address.** By default the server listens on a Unix socket in a private temporary
 *   directory (0700, socket 0600). `Manager({ address, authkey })` listens on TCP instead —
 *   `127.0.0.1` unless a host is given — for use from other machines or unrelated programs,
 *   which reach it with `Manager.connect({ address, authkey })`.
 * - **Authentication.** Every connection passes an HMAC-SHA256 challenge-response in both
 *   directions (as Python's `multiprocessing.connection`); a wrong key gets
 *   `AuthenticationError` and the connection is closed before anything is served. Only data
 *   and method names from fixed allow-lists are accepted; nothing received is evaluated.
 * - **Lifetime.** As in Python, the server counts the references to each object — every
 *   proxy, every copy in transit to another thread or process, every value stored in another
 *   managed object (or published) that holds a proxy of it — and frees an object when none is
 *   left. A proxy gives its reference back on `close()`, at the end of a `using` scope, or
 *   when it is garbage-collected; a thread or process that ends gives back all it held.
 *   Manager queues live until `shutdown()`. The server process exits on `shutdown()`, or when
 *   the program that started it ends (even by SIGINT/SIGTERM; on SIGKILL it sees its IPC
 *   channel close, exits and removes its socket folder). Proxies used after shutdown fail with
 *   `ShutDown`.
 * - **Robust locks.** A manager `Lock`/`RLock`/`Condition` held by a thread or process that
 *   dies is released (see `hosted/locks.ts`).
 *
 * @module
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ConnectionError, ShutDown } from '../../core/errors.js';
import { inheritableExecArgv } from '../../core/exec-argv.js';
import { atTermination } from '../../core/exit-cleanup.js';
import { checkOptions } from '../../core/options.js';
import { encodeValue } from '../../core/serialize.js';
import { checkTimeout } from '../../core/wait-options.js';
import { answerValue } from '../connection.js';
import type { JoinableQueue, Queue } from '../process-queue.js';
import { managerQueue } from '../process-queue.js';
import { toKey } from '../wire/auth.js';
import { clientFor, type ServerRef } from '../wire/client.js';
import type { KindSpec, PublishRequest } from '../wire/protocol.js';
import { makeTempDir } from '../wire/temp-dir.js';
import { checkType, type DictKey } from '../wire/values.js';
import {
  type ArrayProxy,
  type BarrierProxy,
  type BaseProxy,
  type ConditionProxy,
  type DictProxy,
  type EventProxy,
  encodeFor,
  type ListProxy,
  type LockProxy,
  makeProxy,
  type NamespaceProxy,
  type ProxyKind,
  type SemaphoreProxy,
  type ValueProxy,
} from './proxy.js';

/** Where a manager listens: a Unix socket path, a TCP port, or a TCP host and port. */
export type ManagerAddress =
  | string
  | number
  | {
      /** Host name or address (default `127.0.0.1`: loopback only). */
      host?: string | undefined;
      /** TCP port (0 or omitted: any free port). */
      port?: number | undefined;
    };

/** A TCP address a manager's server listens on. */
export interface ServerAddress {
  /** The host it listens on. */
  host: string;
  /** The port it listens on. */
  port: number;
}

/** The primitive type of a literal (`41.9` → `number`). */
export type Widen<T> = T extends number
  ? number
  : T extends bigint
    ? bigint
    : T extends boolean
      ? boolean
      : T;

/** Options of {@link Manager}. */
export interface ManagerOptions {
  /**
   * Listen here instead of a private Unix socket. A number or `{ host, port }` means TCP;
   * the host defaults to `127.0.0.1` (loopback) and port 0 picks a free port (see
   * {@link SyncManager.address}). TCP requires an `authkey`.
   */
  address?: ManagerAddress | undefined;
  /** The shared secret of the HMAC handshake; random (and private to this program) by default. */
  authkey?: string | Uint8Array | undefined;
}

/** The keys of {@link ManagerOptions}. */
export const MANAGER_KEYS: readonly string[] = ['address', 'authkey'];

/** What {@link SyncManager.stats} reports of a manager's server. */
export interface ManagerStats {
  /** Objects the server holds now. */
  objects: number;
  /** References counted for proxies stored inside other objects' values. */
  anchors: number;
  /** References counted for proxy copies in transit (sent, not yet claimed). */
  tickets: number;
  /** The server's V8 heap in use, in bytes, after a full garbage collection. */
  heapUsed: number;
}

/** Options of {@link Manager.connect}. */
export interface ConnectOptions {
  /** Where the manager's server listens: a socket path, a port, or `{ host, port }`. */
  address: ManagerAddress;
  /** The shared secret the server was started with (Python's `authkey`). */
  authkey: string | Uint8Array;
  /** How long to wait for the server to answer, in ms (default 10 000). */
  timeout?: number | undefined;
}

/** The keys of {@link ConnectOptions}. */
export const CONNECT_KEYS: readonly string[] = ['address', 'authkey', 'timeout'];

function normalize(address: ManagerAddress): ServerRef['address'] {
  if (typeof address === 'string') return address;
  if (typeof address === 'number') return { host: '127.0.0.1', port: address };
  if (typeof address === 'object' && address !== null) {
    const port = address.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError('port must be an integer 0–65535');
    return { host: address.host ?? '127.0.0.1', port };
  }
  throw new TypeError('address must be a socket path, a port, or { host, port }');
}

/**
 * A running manager (Python's `SyncManager`): factories of shared objects and their proxies.
 * Get one with `await Manager()`.
 */
export class SyncManager {
  readonly #ref: ServerRef;
  readonly #child: import('node:child_process').ChildProcess | undefined;
  readonly #cleanup: (() => void) | undefined;
  #shut = false;

  /** @internal */
  constructor(ref: ServerRef, child?: import('node:child_process').ChildProcess, cleanup?: () => void) {
    this.#ref = ref;
    this.#child = child;
    this.#cleanup = cleanup;
  }

  /** The server's address: a socket path, or `{ host, port }` for TCP. */
  get address(): string | ServerAddress {
    return this.#ref.address;
  }

  /** True once {@link shutdown} was called. */
  get closed(): boolean {
    return this.#shut;
  }

  async #create<P>(kind: ProxyKind | 'queue', spec: KindSpec): Promise<P> {
    if (this.#shut) throw new ShutDown('the manager has been shut down');
    const id = randomUUID();
    await clientFor(this.#ref).request({ o: 'create', t: id, k: spec });
    return makeProxy<P>(this.#ref, id, kind as ProxyKind);
  }

  async #init(proxy: BaseProxy, m: string, arg: unknown): Promise<void> {
    await proxy.call(m, [arg]);
  }

  /**
   * A shared dict (Python's `manager.dict()`), optionally filled from a Map, pairs, or an object.
   * @example
   * const d = await manager.dict<string, number>({ a: 1 });
   * await d.set('b', 2);
   * console.log(await d.get('a'), await d.size()); // 1 2
   */
  async dict<K extends DictKey = string, V = unknown>(
    init?: Map<K, V> | [K, V][] | Record<string, V>,
  ): Promise<DictProxy<K, V>> {
    if (init !== undefined) encodeValue(init, 'process', 'init');
    const p = await this.#create<DictProxy<K, V>>('dict', ['dict']);
    if (init !== undefined) await this.#init(p, 'update', init);
    return p;
  }

  /** A shared list (Python's `manager.list()`), optionally with initial items. */
  async list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    const items = init === undefined ? undefined : [...init];
    if (items !== undefined) encodeValue(items, 'process', 'init');
    const p = await this.#create<ListProxy<T>>('list', ['list']);
    if (items?.length) await this.#init(p, 'extend', items);
    return p;
  }

  /** A shared attribute bag (Python's `manager.Namespace()`). */
  async Namespace(init?: Record<string, unknown>): Promise<NamespaceProxy> {
    const p = await this.#create<NamespaceProxy>('namespace', ['namespace']);
    if (init) for (const [k, v] of Object.entries(init)) await p.set(k, v);
    return p;
  }

  /** A shared lock (Python's `manager.Lock()`); released if its holder dies. */
  Lock(): Promise<LockProxy> {
    return this.#create('lock', ['lock']);
  }

  /** A shared re-entrant lock, owned by a thread (Python's `manager.RLock()`). */
  RLock(): Promise<LockProxy> {
    return this.#create('rlock', ['rlock']);
  }

  /** A shared semaphore (Python's `manager.Semaphore(value)`). */
  Semaphore(value = 1): Promise<SemaphoreProxy> {
    return this.#create('semaphore', ['semaphore', value]);
  }

  /** A shared bounded semaphore: over-release throws `ValueError`. */
  BoundedSemaphore(value = 1): Promise<SemaphoreProxy> {
    return this.#create('boundedSemaphore', ['boundedSemaphore', value]);
  }

  /** A shared event (Python's `manager.Event()`). */
  Event(): Promise<EventProxy> {
    return this.#create('event', ['event']);
  }

  /** A shared condition with its own re-entrant lock (Python's `manager.Condition()`). */
  Condition(): Promise<ConditionProxy> {
    return this.#create('condition', ['condition']);
  }

  /**
   * A shared barrier (Python's `manager.Barrier(parties, timeout=…)`). The `action` callback
   * of Python's Barrier is not supported (no code travels to the server).
   */
  Barrier(parties: number, options: { timeout?: number | undefined } = {}): Promise<BarrierProxy> {
    if ('action' in options) return Promise.reject(new TypeError('a manager Barrier takes no action'));
    try {
      checkOptions('Manager.Barrier()', options, ['timeout']);
    } catch (err) {
      return Promise.reject(err);
    }
    const timeout = options.timeout === undefined ? undefined : checkTimeout(options.timeout);
    return this.#create('barrier', ['barrier', parties, timeout]);
  }

  /** A shared FIFO queue (Python's `manager.Queue(maxsize)`), with the process Queue's interface. */
  async Queue<T = unknown>(maxsize = 0): Promise<Queue<T>> {
    if (this.#shut) throw new ShutDown('the manager has been shut down');
    const id = randomUUID();
    const m = Math.max(0, maxsize);
    await clientFor(this.#ref).request({ o: 'create', t: id, k: ['queue', m, false] });
    return managerQueue<T>(this.#ref, id, m, false);
  }

  /** A shared joinable queue (Python's `manager.JoinableQueue(maxsize)`). */
  async JoinableQueue<T = unknown>(maxsize = 0): Promise<JoinableQueue<T>> {
    if (this.#shut) throw new ShutDown('the manager has been shut down');
    const id = randomUUID();
    const m = Math.max(0, maxsize);
    await clientFor(this.#ref).request({ o: 'create', t: id, k: ['queue', m, false] });
    return managerQueue<T>(this.#ref, id, m, true) as JoinableQueue<T>;
  }

  /** A shared typed value (Python's `manager.Value(typecode, value)`): `'i'`, `'d'`, `'int32'`, … */
  Value<T extends number | bigint | boolean = number>(type: string, value: T): Promise<ValueProxy<Widen<T>>> {
    checkType(type);
    return this.#create('value', ['value', type, value]);
  }

  /** A shared typed array (Python's `manager.Array(typecode, sequence)`). */
  Array<T extends number | bigint = number>(
    type: string,
    values: Iterable<T>,
  ): Promise<ArrayProxy<Widen<T>>> {
    checkType(type);
    return this.#create('array', ['array', type, [...values]]);
  }

  /**
   * Publishes a proxy (or any value) under `name` on the server, for other programs connected
   * with {@link Manager.connect} to {@link lookup} (Python registers typeids for this).
   */
  async publish(name: string, value: unknown): Promise<void> {
    if (typeof name !== 'string' || name.length === 0)
      throw new TypeError('publish(name): name must be a string');
    const enc = encodeFor(this.#ref, value, 'value');
    const msg: Omit<PublishRequest, 'i'> = { o: 'publish', n: name, r: enc.value, s: enc.shared };
    if (enc.anchors) msg.h = enc.anchors;
    await clientFor(this.#ref).request(msg);
  }

  /**
   * The server's state, for diagnostics and leak checks: how many objects it holds, the
   * references it counts for them (`anchors`: values stored inside other objects; `tickets`:
   * copies in transit), and its heap use in bytes after a full garbage collection.
   * Beyond Python (whose managers have no such call).
   */
  async stats(): Promise<ManagerStats> {
    const a = await clientFor(this.#ref).request({ o: 'stats' });
    return a.v as ManagerStats;
  }

  /** The value published under `name`. @throws RangeError when nothing is. */
  async lookup<T = unknown>(name: string): Promise<T> {
    return answerValue<T>(await clientFor(this.#ref).request({ o: 'lookup', n: name }));
  }

  /**
   * Stops the server (Python's `shutdown`): its objects are gone, and their proxies — here and
   * in every other thread or process — fail with `ShutDown`. A manager reached with
   * {@link Manager.connect} only disconnects. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#shut) return;
    this.#shut = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.ref();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send('shutdown');
      else child.kill();
      await exited;
    }
    clientFor(this.#ref).close();
    this.#cleanup?.();
  }

  /** `await using manager = await Manager()` shuts it down at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

const serverEntry = new URL('./server-entry.js', import.meta.url);

/**
 * Starts a manager server process and returns its {@link SyncManager} (Python's
 * `multiprocessing.Manager()`).
 * @throws TypeError for bad options (checked before anything is created), or a TCP address
 *   without an authkey.
 * @example
 * await using manager = await Manager();
 * const d = await manager.dict();
 * const p = new Process({ target: async (d) => { await d.set('x', 1); }, args: [d] });
 * p.start();
 * await p.join();
 * console.log(await d.get('x')); // 1
 */
export async function Manager(options: ManagerOptions = {}): Promise<SyncManager> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('Manager(options): options must be an object');
  checkOptions('Manager', options, MANAGER_KEYS);
  // Every argument is checked before anything (a folder, a process) is made.
  const tcp = options.address === undefined ? undefined : normalize(options.address);
  if (tcp !== undefined && typeof tcp !== 'string' && options.authkey === undefined) {
    throw new TypeError('a manager listening on TCP needs an authkey (Manager({ address, authkey }))');
  }
  const authkey = options.authkey === undefined ? new Uint8Array(randomBytes(32)) : toKey(options.authkey);
  let address: ServerRef['address'];
  let removeDir: (() => void) | undefined;
  if (tcp === undefined) {
    const dir = makeTempDir();
    removeDir = dir.remove;
    address =
      process.platform === 'win32' ? `\\\\.\\pipe\\${dir.path.replace(/[\\/:]/g, '-')}` : join(dir.path, 'm');
  } else address = tcp;
  const fromSource = serverEntry.pathname.endsWith('.ts');
  const child = fork(serverEntry, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // The server forces a full collection for the `stats` diagnostics; it runs no user code.
    execArgv: [...(fromSource ? inheritableExecArgv() : []), '--expose-gc'],
  });
  const atEnd = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    removeDir?.();
  };
  const cancel = atTermination(atEnd);
  child.once('exit', () => {
    cancel();
    removeDir?.();
  });
  const bound = await new Promise<ServerRef['address']>((resolve, reject) => {
    child.once('message', (m: { ready?: ServerRef['address']; error?: { message: string } }) => {
      if (m.ready !== undefined) resolve(m.ready);
      else reject(new Error(`the manager server could not listen: ${m.error?.message}`));
    });
    child.once('exit', (code) => reject(new Error(`the manager server exited at start (code ${code})`)));
    // ownDir: the server removes the socket folder if this program dies without doing so.
    child.send({ address, authkey, ownDir: removeDir !== undefined });
  }).catch((err) => {
    atEnd();
    throw err;
  });
  // The server never keeps this program alive; it exits when the IPC channel closes.
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  return new SyncManager({ address: bound, authkey, role: 'manager' }, child, removeDir);
}

/**
 * Connects to a manager started elsewhere with `Manager({ address, authkey })` (Python's
 * `BaseManager(address, authkey).connect()`); its `shutdown()` only disconnects.
 * @throws AuthenticationError when the authkey is wrong.
 * @throws ConnectionError when nothing listens at the address, or nothing answers the
 *   handshake within `timeout` ms (default 10 000).
 */
Manager.connect = async function connect(options: ConnectOptions): Promise<SyncManager> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('Manager.connect(options): options must be an object');
  checkOptions('Manager.connect()', options, CONNECT_KEYS);
  const timeout = options.timeout === undefined ? 10_000 : checkTimeout(options.timeout);
  const ref: ServerRef = {
    address: normalize(options.address),
    authkey: toKey(options.authkey),
    role: 'manager',
  };
  const where = typeof ref.address === 'string' ? ref.address : `${ref.address.host}:${ref.address.port}`;
  const client = clientFor(ref);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    if (!Number.isFinite(timeout)) return;
    timer = setTimeout(
      () => {
        // Reject first: closing the client fails the ping too, and the first to settle wins.
        reject(new ConnectionError(`no manager answered at ${where} within ${timeout} ms`));
        client.close();
      },
      Math.min(timeout, 2 ** 31 - 1),
    );
  });
  try {
    await Promise.race([client.request({ o: 'ping' }), late]);
  } catch (err) {
    // Lost before the handshake: nothing listens there (not a manager that shut down).
    if (err instanceof ShutDown)
      throw new ConnectionError(`cannot reach a manager at ${where}`, { cause: err.cause ?? err });
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return new SyncManager(ref);
};
