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
 * - **Lifetime.** Objects live until `shutdown()` (Python frees them when their last proxy
 *   goes; skein keeps them — simpler and safe across processes). The server process exits on
 *   `shutdown()`, or when the program that started it exits. Proxies used after shutdown
 *   fail with `ShutDown`.
 * - **Robust locks.** A manager `Lock`/`RLock`/`Condition` held by a thread or process that
 *   dies is released (see `hosted/locks.ts`).
 *
 * @module
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShutDown } from '../../core/errors.js';
import { inheritableExecArgv } from '../../core/exec-argv.js';
import { checkOptions } from '../../core/options.js';
import { encodeValue } from '../../core/serialize.js';
import { checkTimeout } from '../../core/wait-options.js';
import { answerValue } from '../connection.js';
import { checkType, type DictKey } from '../hosted/containers.js';
import type { JoinableQueue, Queue } from '../process-queue.js';
import { managerQueue } from '../process-queue.js';
import { toKey } from '../wire/auth.js';
import { clientFor, type ServerRef } from '../wire/client.js';
import type { KindSpec } from '../wire/protocol.js';
import {
  type ArrayProxy,
  type BarrierProxy,
  type BaseProxy,
  type ConditionProxy,
  type DictProxy,
  type EventProxy,
  type ListProxy,
  type LockProxy,
  makeProxy,
  type NamespaceProxy,
  type ProxyKind,
  type SemaphoreProxy,
  type ValueProxy,
} from './proxy.js';

/** Where a manager listens: a Unix socket path, a TCP port, or a TCP host and port. */
export type ManagerAddress = string | number | { host?: string | undefined; port?: number | undefined };

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

/** Options of {@link Manager.connect}. */
export interface ConnectOptions {
  address: ManagerAddress;
  authkey: string | Uint8Array;
}

/** The keys of {@link ConnectOptions}. */
export const CONNECT_KEYS: readonly string[] = ['address', 'authkey'];

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
  get address(): string | { host: string; port: number } {
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
    const enc = encodeValue(value, 'process', 'value');
    await clientFor(this.#ref).request({ o: 'publish', n: name, r: enc.value, s: enc.shared });
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

/** What to do at this program's exit for managers still running (kill, remove sockets). */
const exitTasks = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Starts a manager server process and returns its {@link SyncManager} (Python's
 * `multiprocessing.Manager()`).
 * @throws TypeError for a TCP address without an authkey.
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
  let address: ServerRef['address'];
  let cleanup: (() => void) | undefined;
  if (options.address === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'skein-mgr-'));
    address = process.platform === 'win32' ? `\\\\.\\pipe\\${dir.replace(/[\\/:]/g, '-')}` : join(dir, 'm');
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  } else {
    address = normalize(options.address);
    if (typeof address !== 'string' && options.authkey === undefined) {
      throw new TypeError('a manager listening on TCP needs an authkey (Manager({ address, authkey }))');
    }
  }
  const authkey = options.authkey === undefined ? new Uint8Array(randomBytes(32)) : toKey(options.authkey);
  const fromSource = serverEntry.pathname.endsWith('.ts');
  const child = fork(serverEntry, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: fromSource ? inheritableExecArgv() : [],
  });
  const bound = await new Promise<ServerRef['address']>((resolve, reject) => {
    child.once('message', (m: { ready?: ServerRef['address']; error?: { message: string } }) => {
      if (m.ready !== undefined) resolve(m.ready);
      else reject(new Error(`the manager server could not listen: ${m.error?.message}`));
    });
    child.once('exit', (code) => reject(new Error(`the manager server exited at start (code ${code})`)));
    child.send({ address, authkey });
  }).catch((err) => {
    cleanup?.();
    throw err;
  });
  // The server never keeps this program alive; it exits when the IPC channel closes.
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  const atExit = () => {
    if (child.exitCode === null) child.kill();
    cleanup?.();
  };
  exitTasks.add(atExit);
  child.once('exit', () => exitTasks.delete(atExit));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const t of exitTasks) t();
    });
  }
  return new SyncManager({ address: bound, authkey, role: 'manager' }, child, cleanup);
}

/**
 * Connects to a manager started elsewhere with `Manager({ address, authkey })` (Python's
 * `BaseManager(address, authkey).connect()`); its `shutdown()` only disconnects.
 * @throws AuthenticationError when the authkey is wrong.
 */
Manager.connect = async function connect(options: ConnectOptions): Promise<SyncManager> {
  checkOptions('Manager.connect()', options, CONNECT_KEYS);
  const ref: ServerRef = {
    address: normalize(options.address),
    authkey: toKey(options.authkey),
    role: 'manager',
  };
  await clientFor(ref).request({ o: 'ping' });
  return new SyncManager(ref);
};
