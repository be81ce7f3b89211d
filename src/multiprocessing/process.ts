/**
 * `Process`: a function running in a child Node process. Python: `multiprocessing.Process`.
 *
 * @module
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { RuntimeError } from '../core/errors.js';
import { currentProcessInfo, nextProcessNumber } from '../core/identity.js';
import { joinWait } from '../core/join-wait.js';
import { spawnProcess } from '../core/process-transport.js';
import { encodeValue } from '../core/serialize.js';
import { checkName, checkStartOptions } from '../core/start-options.js';
import type { AnyFunction, TaskRef, TaskSpec } from '../core/task.js';
import type { TransportExit } from '../core/transport.js';
import { parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import { WorkerClient } from '../core/worker-client.js';

/** Options of a new {@link Process}; Python's `Process(target=, args=, name=, daemon=)`. */
export interface ProcessOptions<F extends AnyFunction = AnyFunction> {
  /** What the process runs: a self-contained function (sent as source) or a module task. */
  target?: F | TaskRef<F> | undefined;
  /** Arguments, copied into the child (V8 serialization: no shared memory crosses). */
  args?: Parameters<F> | undefined;
  /** Default `Process-N`. */
  name?: string | undefined;
  /** A daemon process is terminated when its parent exits. Default: the current process's flag. */
  daemon?: boolean | undefined;
}

type State = 'initial' | 'started' | 'stopped';

const children = new Set<Process>();
let exitHooksInstalled = false;

/**
 * Python's exit sequence, in Node terms. Python, once the main code has finished, joins the
 * non-daemon threads, then (an atexit hook of `multiprocessing`) *terminates* the daemonic
 * children and joins the others. Node has no "main code finished" event; the nearest is
 * `beforeExit`, when nothing referenced is left in the event loop. So a started child is
 * unreferenced — it does not by itself keep the loop alive — and every pending `join()`
 * references it (a Python `join` blocks the main thread, which keeps the program alive).
 * When the loop runs dry, the main code is done: daemonic children are terminated and the
 * others referenced, so the program waits for them, as Python's does. `exit` (reached also
 * through `process.exit()`) terminates any daemonic child still alive.
 */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('beforeExit', () => {
    for (const p of children) {
      if (!p.isAlive()) continue;
      if (p.daemon) p.terminate();
      else p[kKeepAlive]();
    }
  });
  process.on('exit', () => {
    for (const p of children) if (p.daemon && p.isAlive()) p.terminate();
  });
}

const kKeepAlive: unique symbol = Symbol('skein.process.keepAlive') as never;

/**
 * A process running a function: Python's `multiprocessing.Process`. The target runs in a fresh
 * Node process (`child_process.fork`), so it shares nothing with the parent: arguments are
 * copied, and skein's thread primitives cannot be passed (use a Manager).
 *
 * `exitCode` follows Python's `exitcode`: `null` while running, the exit status after, or minus
 * the signal number when a signal ended it (`-15` after `terminate()`). A target that throws
 * prints `Process NAME:` and the stack to stderr and exits with status 1.
 *
 * @example
 * const p = new Process({ target: (n: number) => console.log(n * 2), args: [21] });
 * p.start();
 * await p.join();
 */
export class Process<F extends AnyFunction = AnyFunction> {
  #name: string;
  #daemon: boolean;
  #state: State = 'initial';
  readonly #spec: TaskSpec | undefined;
  readonly #args: unknown[];
  #client: WorkerClient | undefined;
  #pid: number | undefined;
  #exitCode: number | null = null;
  #done!: Promise<void>;
  #resolveDone!: () => void;

  /**
   * @throws TypeError when `target` is neither a function nor a module task, `args` is not an
   *   array, or `name`/`daemon` have the wrong type.
   */
  constructor(options: ProcessOptions<F> = {}) {
    const { spec, args, name, daemon } = checkStartOptions('Process', options);
    this.#spec = spec;
    this.#args = args;
    this.#name = name ?? `Process-${nextProcessNumber()}`;
    this.#daemon = daemon ?? currentProcessInfo().daemon;
  }

  /** The process's name (Python's `name`); settable. */
  get name(): string {
    return this.#name;
  }
  /** Renames the process. @throws TypeError for a name that is not a non-empty string. */
  set name(value: string) {
    checkName('Process', value);
    this.#name = value;
  }

  /**
   * Whether the process is a daemon (Python's `daemon`): terminated when the parent exits.
   * @throws RuntimeError when set after `start()`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }
  /** Makes the process a daemon (or not), before `start()`. @throws RuntimeError after `start()`. */
  set daemon(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError('Process daemon must be a boolean');
    if (this.#state !== 'initial') throw new RuntimeError('cannot set daemon status of a started process');
    this.#daemon = value;
  }

  /** The child's process id (Python's `pid`); `undefined` before `start()`. */
  get pid(): number | undefined {
    return this.#pid;
  }

  /** Python's `exitcode`: `null` while running (or before start), the exit status, or `-signal`. */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /**
   * Starts the child process (Python's `start()`). Does not wait for it to boot.
   * @throws RuntimeError when called twice; TypeError when an argument cannot be sent to a
   *   process (a function, a SharedArrayBuffer, a skein thread primitive — the message names
   *   its path and the alternative); the process is then not started.
   */
  start(): void {
    if (this.#state !== 'initial') throw new RuntimeError('a process can only be started once');
    const enc = encodeValue(this.#args, 'process', 'args');
    const transport = spawnProcess({ name: this.#name, daemon: this.#daemon });
    const client = new WorkerClient(transport, `process "${this.#name}"`);
    this.#client = client;
    this.#pid = transport.id;
    this.#state = 'started';
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    children.add(this);
    installExitHooks();
    transport.unref();
    client.onExit = (exit) => this.#exited(exit);
    const spec = this.#spec;
    if (spec === undefined) {
      transport.stop();
      return;
    }
    void client.call(spec, enc.value, { shared: enc.shared }).then((outcome) => {
      if (client.exit !== undefined) return; // died mid-task: onExit reports it
      if (!outcome.ok) {
        // Python's child prints the traceback under "Process NAME:" and exits with status 1.
        // skein prints it in the parent (the stack includes the child's), and reports status 1.
        process.stderr.write(`Process ${this.#name}:\n${outcome.error.stack ?? String(outcome.error)}\n`);
        this.#failed = true;
      }
      transport.stop();
    });
  }

  /** The target threw: Python's child exits with status 1 then. */
  #failed = false;

  #joiners = 0;

  /** References the child so the program waits for it (see `installExitHooks`). */
  [kKeepAlive](): void {
    this.#joiners = Number.POSITIVE_INFINITY;
    this.#client?.transport.ref();
  }

  #refJoin(delta: 1 | -1): void {
    this.#joiners += delta;
    const t = this.#client?.transport;
    if (!t || t.exited) return;
    if (this.#joiners > 0) t.ref();
    else t.unref();
  }

  #exited(exit: TransportExit): void {
    const sig = exit.signal ? (constants.signals as Record<string, number>)[exit.signal] : undefined;
    const code = sig !== undefined ? -sig : (exit.exitCode ?? 0);
    this.#exitCode = this.#failed && code === 0 ? 1 : code;
    this.#state = 'stopped';
    children.delete(this);
    this.#resolveDone();
  }

  /** Whether the process is running (Python's `is_alive()`). */
  isAlive(): boolean {
    return this.#state === 'started';
  }

  /**
   * Waits until the process ends (Python's `join()`), or until the timeout passes; check
   * `isAlive()` or `exitCode` to know which.
   * @param timeout milliseconds or `{ timeout, signal }`; omitted waits forever.
   * @throws RuntimeError (rejects) before `start()`; RangeError for a bad timeout; the
   *   signal's reason when aborted.
   */
  join(timeout?: number | WaitOptions): Promise<void> {
    let parsed: ReturnType<typeof parseWait>;
    try {
      parsed = parseWait(timeout, 'Process.join()', WAIT_KEYS);
      if (this.#state === 'initial') throw new RuntimeError('can only join a started process');
    } catch (err) {
      return Promise.reject(err);
    }
    const { timeout: ms, signal } = parsed;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#state === 'stopped') return this.#done;
    // A pending join references the child: it keeps the program alive (see installExitHooks).
    return joinWait(this.#done, ms, signal, {
      hold: () => this.#refJoin(1),
      release: () => this.#refJoin(-1),
    });
  }

  /** Sends SIGTERM (Python's `terminate()`); `exitCode` becomes `-15`. Does nothing once it has ended. */
  terminate(): void {
    if (this.#state === 'started') void this.#client!.transport.kill('SIGTERM');
  }

  /** Sends SIGKILL (Python's `kill()`); `exitCode` becomes `-9`. */
  kill(): void {
    if (this.#state === 'started') void this.#client!.transport.kill('SIGKILL');
  }

  /** `<Process name='Process-1' pid=123 parent=122 started>`, close to Python's repr. */
  toString(): string {
    const status =
      this.#state === 'initial'
        ? 'initial'
        : this.#state === 'started'
          ? 'started'
          : `stopped exitcode=${this.#exitCode}`;
    return `<Process name='${this.#name}'${this.#pid ? ` pid=${this.#pid} parent=${process.pid}` : ''} ${status}${this.#daemon ? ' daemon' : ''}>`;
  }

  /** How `console.log` and `util.inspect` show the process: as {@link Process.toString}. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** The child processes started from this process that are still running (Python's `active_children()`). */
export function activeChildren(): Process[] {
  return [...children].filter((p) => p.isAlive());
}
