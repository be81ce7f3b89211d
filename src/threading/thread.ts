/**
 * `Thread`: a function running in parallel with the main thread, in its own V8 isolate (a
 * worker thread), with Python's `threading.Thread` API.
 *
 * @module
 */
import { inspect } from 'node:util';
import { RuntimeError, WorkerDiedError } from '../core/errors.js';
import {
  currentIdentity,
  getIdent,
  nextIdent,
  nextThreadNumber,
  type ThreadIdentity,
} from '../core/identity.js';
import { joinWait, timerKeepAlive } from '../core/join-wait.js';
import { encodeValue } from '../core/serialize.js';
import { checkName, checkStartOptions } from '../core/start-options.js';
import type { AnyFunction, TaskRef, TaskSpec } from '../core/task.js';
import { parseWait, WAIT_KEYS, type WaitOptions } from '../core/wait-options.js';
import type { Outcome } from '../core/worker-client.js';
import { excepthook } from './excepthook.js';
import { scheduleThread } from './thread-host.js';

/** Options of a new {@link Thread}; Python's `Thread(target=, args=, name=, daemon=)`. */
export interface ThreadOptions<F extends AnyFunction = AnyFunction> {
  /**
   * What the thread runs: a self-contained function (sent as source text; it may
   * `await import(...)` what it needs) or a module task from `task(url, name)`.
   * Omitted: the thread does nothing, as in Python.
   */
  target?: F | TaskRef<F> | undefined;
  /** Arguments for the target; they are copied into the thread (structured clone). */
  args?: Parameters<F> | undefined;
  /** The thread's name; default `Thread-N (target)`, as Python 3.10+ names it. */
  name?: string | undefined;
  /** A daemon thread does not keep the program alive. Default: the creating thread's daemon flag. */
  daemon?: boolean | undefined;
}

type State = 'initial' | 'started' | 'stopped';

const registry = new Set<Thread>();

/** Threads started from this isolate and still alive. */
export function aliveThreads(): Iterable<Thread> {
  return registry;
}

/**
 * A thread of execution: Python's `threading.Thread`. Its target runs in a worker thread, truly
 * in parallel with the rest of the program.
 *
 * Differences from Python: the target is sent to the thread as source text or as a module
 * task (see `task()`), so an inline target must not use variables from its enclosing scope;
 * arguments are copied, except skein's shared objects (locks, queues, shared values), which
 * arrive as themselves. `join` returns a Promise. `result()` is an extension. The thread ends
 * when its target settles: timers or sockets the target leaves behind are stopped with it (they
 * would otherwise run on in an isolate nobody can join).
 *
 * @example
 * const t = new Thread({ target: (n: number) => console.log(n ** n), args: [5] });
 * t.start();
 * await t.join();
 */
export class Thread<F extends AnyFunction = AnyFunction> {
  #name: string;
  #daemon: boolean;
  #state: State = 'initial';
  #ident: number | undefined;
  #nativeId: number | undefined;
  readonly #spec: TaskSpec | undefined;
  readonly #args: unknown[];
  #outcome: Outcome | undefined;
  #done!: Promise<void>;
  #resolveDone!: () => void;
  readonly #main: boolean;
  #kind: ThreadIdentity['kind'] = 'thread';
  #cls: string | undefined;

  /**
   * @throws TypeError when `target` is neither a function nor a module task, `args` is not an
   *   array, or `name`/`daemon` have the wrong type.
   */
  constructor(options: ThreadOptions<F> = {}) {
    const { spec, args, name, daemon } = checkStartOptions('Thread', options);
    this.#spec = spec;
    this.#args = args;
    const id = (options as { [kMain]?: ThreadIdentity })[kMain];
    this.#main = id !== undefined;
    if (id !== undefined) {
      this.#name = id.name;
      this.#ident = id.ident;
      this.#nativeId = id.nativeId;
      this.#daemon = id.daemon;
      this.#kind = id.kind;
      this.#cls = id.cls;
      this.#state = 'started';
      return;
    }
    const n = name ?? defaultName(options.target);
    this.#name = n;
    this.#daemon = daemon ?? currentIdentity().daemon;
  }

  /** The thread's name (Python's `name`); settable. */
  get name(): string {
    return this.#name;
  }
  /** Renames the thread. @throws TypeError for a name that is not a non-empty string. */
  set name(value: string) {
    checkName('Thread', value);
    this.#name = value;
  }

  /**
   * Whether this is a daemon thread (Python's `daemon`): the program does not wait for it.
   * @throws RuntimeError when set after `start()`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }
  /** Makes the thread a daemon (or not), before `start()`. @throws RuntimeError after `start()`. */
  set daemon(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError('Thread daemon must be a boolean');
    if (this.#state !== 'initial') throw new RuntimeError('cannot set daemon status of active thread');
    this.#daemon = value;
  }

  /** The thread's identifier (Python's `ident`), `undefined` before `start()`; equals `getIdent()` inside it. */
  get ident(): number | undefined {
    return this.#ident;
  }

  /** Node's `threadId` of the isolate running the thread (Python's `native_id`); `undefined` until it runs. */
  get nativeId(): number | undefined {
    return this.#nativeId;
  }

  /**
   * Starts the thread (Python's `start()`). Does not wait.
   *
   * The thread runs even if the caller blocks right after (`t.start(); q.getSync()`) when a warm
   * isolate is idle or none is busy; when every isolate is busy running other threads, the new
   * one waits for the first to free up, which the caller's event loop arranges (so block with
   * `await` there).
   * @throws RuntimeError when called twice; TypeError when an argument cannot be sent to a
   *   thread (naming its path), in which case the thread is not started.
   */
  start(): void {
    if (this.#state !== 'initial') throw new RuntimeError('threads can only be started once');
    const enc = encodeValue(this.#args, 'thread', 'args');
    this.#ident = nextIdent();
    this.#state = 'started';
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    registry.add(this);
    const spec = this.#spec;
    if (spec === undefined) {
      queueMicrotask(() => this.#finish({ ok: true, value: undefined, idle: true }));
      return;
    }
    const identity: ThreadIdentity = {
      ident: this.#ident,
      name: this.#name,
      daemon: this.#daemon,
      nativeId: 0,
      kind: 'thread',
      cls: this.constructor.name,
    };
    scheduleThread({
      identity,
      spec,
      args: enc.value,
      shared: enc.shared,
      onStart: (nativeId) => {
        this.#nativeId = nativeId;
      },
      onDone: (outcome) => this.#finish(outcome),
      onLateError: (error) => this.#report(error),
    });
  }

  #finish(outcome: Outcome): void {
    // `process.exit(0)` inside a thread ends just that thread, quietly, as `sys.exit()` does.
    if (
      !outcome.ok &&
      outcome.error instanceof WorkerDiedError &&
      outcome.error.exitCode === 0 &&
      outcome.error.reason === 'exit'
    ) {
      outcome = { ok: true, value: undefined, idle: false };
    }
    this.#outcome = outcome;
    this.#state = 'stopped';
    registry.delete(this);
    if (!outcome.ok) this.#report(outcome.error);
    this.#resolveDone();
  }

  /**
   * Hands an error of this thread to the excepthook: its target's, or one that escaped after
   * the target settled (that one leaves the thread's result as it was).
   */
  #report(err: Error): void {
    try {
      excepthook({
        excType: err?.constructor,
        excValue: err,
        excTraceback: err?.stack,
        thread: this as Thread,
      });
    } catch (hookErr) {
      process.stderr.write(`Exception in threading.excepthook:\n${(hookErr as Error)?.stack ?? hookErr}\n`);
    }
  }

  /**
   * Whether the thread is alive (Python's `is_alive()`): true from `start()` until its target
   * has returned or thrown.
   */
  isAlive(): boolean {
    return this.#state === 'started';
  }

  /**
   * Waits until the thread ends (Python's `join()`), or until the timeout passes — then it
   * resolves all the same, and `isAlive()` tells which happened. Resolves even when the target
   * threw (the error went to the excepthook and to `result()`).
   *
   * @param timeout milliseconds, or `{ timeout, signal }`; omitted waits forever.
   * @throws RuntimeError (rejects) before `start()` or when joining the current thread;
   *   RangeError for a negative or NaN timeout; the signal's reason when aborted.
   */
  join(timeout?: number | WaitOptions): Promise<void> {
    let parsed: ReturnType<typeof parseWait>;
    try {
      parsed = parseWait(timeout, 'Thread.join()', WAIT_KEYS);
      if (this.#state === 'initial') throw new RuntimeError('cannot join thread before it is started');
      if (this.#ident === getIdent()) throw new RuntimeError('cannot join current thread');
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#main)
      return joinWait(new Promise<void>(() => {}), parsed.timeout, parsed.signal, timerKeepAlive());
    if (this.#state === 'stopped')
      return parsed.signal?.aborted ? Promise.reject(parsed.signal.reason) : Promise.resolve();
    return joinWait(this.#done, parsed.timeout, parsed.signal, timerKeepAlive());
  }

  /**
   * The target's return value, once it has finished (an extension to Python's API). Rejects
   * with the target's error.
   * @throws RuntimeError (rejects) before `start()`.
   */
  async result(): Promise<Awaited<ReturnType<F>>> {
    if (this.#state === 'initial')
      throw new RuntimeError('cannot get the result of a thread before it is started');
    if (this.#main) throw new RuntimeError('the main thread has no result');
    await this.#done;
    const outcome = this.#outcome!;
    if (!outcome.ok) throw outcome.error;
    return outcome.value as Awaited<ReturnType<F>>;
  }

  /** `<Thread(NAME, started IDENT)>`, as Python prints a thread. */
  toString(): string {
    const status =
      this.#state === 'initial'
        ? 'initial'
        : `${this.#state === 'stopped' ? 'stopped' : 'started'}${this.#daemon ? ' daemon' : ''} ${this.#ident}`;
    const cls =
      this.#kind === 'main'
        ? '_MainThread'
        : this.#kind === 'worker'
          ? '_DummyThread'
          : (this.#cls ?? this.constructor.name);
    return `<${cls}(${this.#name}, ${status})>`;
  }

  /** How `console.log` and `util.inspect` show the thread: as {@link Thread.toString}. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** Option key carrying the identity of an already-running thread the Thread object stands for. */
export const kMain: unique symbol = Symbol('skein.thread.current') as never;

function defaultName(target: unknown): string {
  const n = nextThreadNumber();
  const fname =
    typeof target === 'function'
      ? (target as AnyFunction).name
      : (target as TaskRef | undefined)?.exportName !== undefined
        ? (target as TaskRef).exportName
        : '';
  // An arrow written inline as `{ target: () => … }` is named "target" by JavaScript; Python
  // would call it `<lambda>`. Neither says anything, so leave it out.
  return fname && fname !== 'target' ? `Thread-${n} (${fname})` : `Thread-${n}`;
}
