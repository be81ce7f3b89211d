/**
 * The parent's side of one worker: sends tasks to a {@link Transport}, defines each task once
 * per worker, matches results to calls, and fails every call still pending when the worker
 * dies — so each call settles exactly once, whatever happens to the worker.
 *
 * **Fast path** ({@link WorkerClient.enableFastPath}, threads): replies come on a MessagePort of
 * the client's own, which it can read synchronously. When a call is the only one in flight and
 * recent round trips were short, `flushNow` polls that port for up to `spinMs` right after
 * sending — the worker polls for its next message the same way (see `worker-runtime.ts`) — so a
 * sequential submit → await skips both threads' wake-ups. A call that takes longer than the
 * budget falls back to the ordinary event-driven path, and the client stops spinning until round
 * trips are short again.
 *
 * Calls made in the same synchronous stretch are sent as **one** message, flushed at the next
 * microtask checkpoint: a pool handing a worker 200 tasks pays for one `postMessage`, not 200.
 * If that batch cannot be serialized as a whole, each call is retried alone so that only the
 * offending call fails.
 *
 * @module
 */

import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { type ErrorEnvelope, fromEnvelope } from './error-transport.js';
import { WorkerDiedError } from './errors.js';
import type { ThreadIdentity } from './identity.js';
import {
  type DefineMsg,
  type FromWorker,
  MAX_SPIN_CHAIN_MS,
  type RunMsg,
  type RunsMsg,
  type ToWorker,
} from './protocol.js';
import { decodeValue, type HandleTable } from './serialize.js';
import type { TaskSpec } from './task.js';
import type { Transport, TransportExit } from './transport.js';

/**
 * The outcome of a call: its value or error, and whether the worker was left idle afterwards
 * (no timers or handles of the task's; only known when `checkIdle` was asked).
 */
export type Outcome =
  | {
      ok: true;
      value: unknown;
      idle: boolean | undefined;
      /** For a `chunk` call: the items that failed, by index (their slot in `value` is empty). */
      errors?: Map<number, Error> | undefined;
    }
  | {
      ok: false;
      error: Error;
      idle: boolean | undefined;
      /** The worker died and reported that it never began this call: it may run elsewhere. */
      unstarted?: boolean | undefined;
    };

interface Pending {
  resolve: (r: Outcome) => void;
  label: string;
}

/** Process-wide ids for task specs, so a spec is defined once per worker under one id. */
const specIds = new Map<string, number>();
function specId(spec: TaskSpec): number {
  const key = spec.kind === 'inline' ? `i${spec.source}` : `m${spec.exportName}\u0000${spec.module}`;
  let id = specIds.get(key);
  if (id === undefined) {
    id = specIds.size + 1;
    specIds.set(key, id);
  }
  return id;
}

let nextCallId = 1;

/** A call waiting in the outbox for the next flush. */
interface Outgoing {
  define: DefineMsg | undefined;
  run: RunMsg;
  transfer: readonly ArrayBuffer[] | undefined;
}

/** Options of one call. */
export interface CallOptions {
  /** Run the task as this thread (a `Thread`'s identity). */
  identity?: ThreadIdentity | undefined;
  /** Ask the worker whether it is left without timers or handles afterwards. */
  checkIdle?: boolean | undefined;
  /** The handle table of `args`, as `encodeValue` made it (sent in the same message). */
  shared?: HandleTable | undefined;
  /** ArrayBuffers to move instead of copy. */
  transfer?: readonly ArrayBuffer[] | undefined;
  /** Names the worker in this call's errors, instead of the client's label. */
  label?: string | undefined;
  /** `args` is a list of items: call the task once per item, with the item (a `map` chunk). */
  chunk?: boolean | undefined;
}

/** Calls tasks on one worker. */
export class WorkerClient {
  private readonly defined = new Set<number>();
  private readonly pending = new Map<number, Pending>();
  /** Calls a dying worker reported it never began. */
  private readonly unstarted = new Set<number>();
  /**
   * A fatal error reported while calls were pending. With the fast path, the replies of those
   * calls may still wait on the reply port, read after the fatal report (another port): if they
   * all succeed, the error escaped after them and is reported as late by {@link exited}.
   */
  private fatal: Error | undefined;
  /** The highest call id a dying worker reported begun (calls above it never began). */
  private lastBegun: number | undefined;
  /** Set once the worker has exited. */
  exit: TransportExit | undefined;
  /** Called after the worker exited and every pending call was failed. */
  onExit: (exit: TransportExit) => void = () => {};
  /** Called once the worker has booted and listens for tasks. */
  onReady: () => void = () => {};
  /** Called when the worker reports `n` of its calls awaiting (see `AwaitingMsg`). */
  onAwaiting: (n: number) => void = () => {};
  /**
   * Called with an error that escaped every task (an uncaught exception, an unhandled
   * rejection) when the worker held no call it could fail: the worker dies of it, and without
   * this hook nobody would hear of it (Python prints every unhandled exception).
   */
  onLateError: (error: Error) => void = () => {};
  /** Whether the worker has booted. */
  ready = false;

  constructor(
    readonly transport: Transport,
    /** Names the worker in errors (`thread "Thread-3"`). */
    readonly label: string,
    /**
     * The worker's progress word (see `RuntimeChannel.progress`): when it dies, calls with a
     * higher id were never begun and are reported `unstarted`.
     */
    private readonly progress?: Float64Array | undefined,
  ) {
    transport.onMessage = (batch) => this.receive(batch);
    transport.onExit = (exit) => this.exited(exit);
  }

  private replyPort: MessagePort | undefined;
  private spinMs = 0;
  /** Spins in a row that found no reply; after a few, spin only now and then (a probe). */
  private misses = 0;
  private probe = 0;
  /** When the current chain of spins (no event-loop turn since) began, or -1. */
  private chainStart = -1;

  /**
   * Switches this client to the fast path: replies on a port of its own, read synchronously, and
   * bounded spinning on both sides (threads only). `spinMs` bounds each spin.
   */
  enableFastPath(spinMs: number): void {
    if (this.replyPort !== undefined || this.transport.kind !== 'thread' || this.exit !== undefined) return;
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (batch: FromWorker[]) => this.receive(batch));
    // Never keeps the program alive by itself: the worker does, while it holds calls.
    port1.unref();
    this.replyPort = port1;
    this.spinMs = spinMs;
    this.transport.post([{ op: 'replyPort', port: port2, spinMs }], [port2 as unknown as ArrayBuffer]);
  }

  /** Number of calls sent and not yet settled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Runs `spec` with `args` (already checked by `encodeValue`) on the worker. Never rejects and
   * never throws: a task's error, the worker's death ({@link WorkerDiedError}) and a message
   * that could not be serialized are outcomes. The call is sent at the next microtask
   * checkpoint, together with every other call made before it.
   */
  call(spec: TaskSpec, args: unknown[], options: CallOptions = {}): Promise<Outcome> {
    if (this.exit !== undefined) {
      return Promise.resolve({ ok: false, error: this.diedError(this.exit), idle: false });
    }
    const fid = specId(spec);
    const define: DefineMsg | undefined = this.defined.has(fid) ? undefined : { op: 'define', fid, spec };
    if (define) this.defined.add(fid);
    const id = nextCallId++;
    const run: RunMsg = { op: 'run', id, fid, args };
    if (options.shared !== undefined) run.shared = options.shared;
    if (options.identity !== undefined) run.identity = options.identity;
    if (options.checkIdle) run.checkIdle = true;
    if (options.chunk) run.chunk = true;
    return new Promise<Outcome>((resolve) => {
      this.pending.set(id, { resolve, label: options.label ?? this.label });
      if (this.outbox.length === 0) queueMicrotask(this.flushNow);
      this.outbox.push({ define, run, transfer: options.transfer });
    });
  }

  private readonly outbox: Outgoing[] = [];

  /**
   * Sends the calls made since the last flush as one batch now, rather than at the next
   * microtask checkpoint (a pool uses it to split a worker's tasks into several messages).
   */
  readonly flushNow = (): void => {
    const calls = this.outbox.splice(0);
    if (calls.length === 0 || this.exit !== undefined) return;
    const batch: ToWorker[] = [];
    let transfer: ArrayBuffer[] | undefined;
    let runs: RunsMsg | undefined;
    for (const c of calls) {
      if (c.define) batch.push(c.define);
      const r = c.run;
      if (c.transfer?.length) {
        transfer ??= [];
        transfer.push(...c.transfer);
      }
      if (r.shared === undefined && r.identity === undefined && !r.checkIdle && !r.chunk) {
        // Plain run: into columns, with its neighbours of the same task and arity.
        if (runs === undefined || runs.fid !== r.fid || runs.arity !== r.args.length || c.define) {
          runs = { op: 'runs', fid: r.fid, arity: r.args.length, ids: [], args: [] };
          batch.push(runs);
        }
        runs.ids.push(r.id);
        for (const a of r.args) runs.args.push(a);
      } else {
        runs = undefined;
        batch.push(r);
      }
    }
    try {
      this.transport.post(batch, transfer);
      if (this.replyPort !== undefined && this.pending.size === 1) this.spinForReply();
      return;
    } catch {
      // Retry one by one below, so that only the call that cannot be sent fails.
    }
    for (const c of calls) {
      try {
        this.transport.post(c.define ? [c.define, c.run] : [c.run], c.transfer);
      } catch (error) {
        // A failed define must be sent again with the next call of that task.
        if (c.define) this.defined.delete(c.define.fid);
        const p = this.pending.get(c.run.id);
        this.pending.delete(c.run.id);
        p?.resolve({ ok: false, error: error as Error, idle: undefined });
      }
    }
  };

  /** Polls the reply port for a lone call's reply, for at most `spinMs` (when recent round trips were short). */
  private spinForReply(): void {
    if (this.misses >= 8 && ++this.probe % 16 !== 0) return;
    // A reply taken by spinning resolves its promise without an event-loop turn; a loop of
    // sequential awaits would then never let timers and I/O run. A chain of spins lasts at most
    // MAX_SPIN_CHAIN_MS; then one call takes the ordinary path and the loop turns.
    const now = performance.now();
    if (this.chainStart < 0) {
      this.chainStart = now;
      setImmediate(() => {
        this.chainStart = -1;
      }).unref();
    } else if (now - this.chainStart > MAX_SPIN_CHAIN_MS) return;
    const port = this.replyPort!;
    const end = performance.now() + this.spinMs;
    do {
      const m = receiveMessageOnPort(port);
      if (m !== undefined) {
        this.misses = 0;
        this.receive(m.message as FromWorker[]);
        return;
      }
    } while (performance.now() < end);
    // These calls take longer than the budget: mostly stop spinning for them.
    this.misses++;
  }

  private receive(batch: FromWorker[]): void {
    for (const msg of batch) {
      if (msg.op === 'fatal') {
        // The transport keeps it as the exit's error, for the calls still pending; with none
        // pending, it would vanish: report it.
        const error = fromEnvelope(msg.error, this.label);
        if (this.pending.size === 0) this.onLateError(error);
        else this.fatal = error;
        continue;
      }
      if (msg.op === 'ready') {
        this.ready = true;
        this.onReady();
        continue;
      }
      if (msg.op === 'awaiting') {
        this.onAwaiting(msg.n);
        continue;
      }
      if (msg.op === 'unstarted') {
        for (const id of msg.ids) this.unstarted.add(id);
        this.lastBegun = msg.begun;
        continue;
      }
      if (msg.op === 'oks') {
        const { ids, values } = msg;
        for (let i = 0; i < ids.length; i++) {
          const p = this.pending.get(ids[i]!);
          if (p === undefined) continue;
          this.pending.delete(ids[i]!);
          p.resolve({ ok: true, value: values[i], idle: undefined });
        }
        continue;
      }
      const p = this.pending.get(msg.id);
      if (p === undefined) continue;
      this.pending.delete(msg.id);
      const idle = msg.idle;
      if (msg.op === 'ok') {
        let v: unknown;
        try {
          v = decodeValue(msg.value, msg.shared, this.transport.kind);
        } catch (error) {
          p.resolve({ ok: false, error: error as Error, idle });
          continue;
        }
        const errors = msg.errors === undefined ? undefined : this.chunkErrors(msg.errors, p.label);
        if (v instanceof Promise) {
          v.then(
            (value) => p.resolve({ ok: true, value, idle, errors }),
            (error: Error) => p.resolve({ ok: false, error, idle }),
          );
        } else p.resolve({ ok: true, value: v, idle, errors });
      } else {
        p.resolve({ ok: false, error: fromEnvelope(msg.error, p.label), idle });
      }
    }
  }

  private chunkErrors(list: [number, ErrorEnvelope][], label: string): Map<number, Error> {
    const m = new Map<number, Error>();
    for (const [i, env] of list) m.set(i, fromEnvelope(env, label));
    return m;
  }

  /** The error pending calls fail with when the worker dies. */
  diedError(exit: TransportExit): WorkerDiedError {
    const how =
      exit.reason === 'out-of-memory'
        ? 'ran out of memory'
        : exit.reason === 'terminated'
          ? 'was terminated'
          : exit.signal
            ? `was killed by ${exit.signal}`
            : exit.error
              ? `died of an uncaught error: ${exit.error.message}`
              : `exited with code ${exit.exitCode}`;
    return new WorkerDiedError(`${this.label} ${how} before the task finished`, exit, { cause: exit.error });
  }

  private exited(exit: TransportExit): void {
    // Replies the worker sent before dying may still wait on the reply port: take them first.
    const port = this.replyPort;
    if (port !== undefined) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        this.receive(m.message as FromWorker[]);
      }
      port.close();
      this.replyPort = undefined;
    }
    this.exit = exit;
    if (this.pending.size === 0 && this.fatal !== undefined) this.onLateError(this.fatal);
    this.fatal = undefined;
    if (this.pending.size > 0) {
      const err = this.diedError(exit);
      const all = [...this.pending];
      this.pending.clear();
      for (const [id, p] of all) {
        const never =
          this.unstarted.has(id) ||
          (this.progress !== undefined && id > (this.progress[0] ?? 0)) ||
          (this.lastBegun !== undefined && id > this.lastBegun);
        p.resolve({ ok: false, error: err, idle: false, unstarted: never || undefined });
      }
    }
    this.unstarted.clear();
    this.onExit(exit);
  }
}
