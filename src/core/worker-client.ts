/**
 * The parent's side of one worker: sends tasks to a {@link Transport}, defines each task once
 * per worker, matches results to calls, and fails every call still pending when the worker
 * dies — so each call settles exactly once, whatever happens to the worker.
 *
 * Calls made in the same synchronous stretch are sent as **one** message, flushed at the next
 * microtask checkpoint: a pool handing a worker 200 tasks pays for one `postMessage`, not 200.
 * If that batch cannot be serialized as a whole, each call is retried alone so that only the
 * offending call fails.
 *
 * @module
 */

import { type ErrorEnvelope, fromEnvelope } from './error-transport.js';
import { WorkerDiedError } from './errors.js';
import type { ThreadIdentity } from './identity.js';
import type { DefineMsg, FromWorker, RunMsg, RunsMsg, ToWorker } from './protocol.js';
import { decodeValue } from './serialize.js';
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
  /** Shared types inside `args`, as reported by `encodeValue`. */
  shared?: string[] | undefined;
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
  /** Set once the worker has exited. */
  exit: TransportExit | undefined;
  /** Called after the worker exited and every pending call was failed. */
  onExit: (exit: TransportExit) => void = () => {};
  /** Called once the worker has booted and listens for tasks. */
  onReady: () => void = () => {};
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

  private receive(batch: FromWorker[]): void {
    for (const msg of batch) {
      if (msg.op === 'fatal') continue; // the transport keeps it as the exit's error
      if (msg.op === 'ready') {
        this.ready = true;
        this.onReady();
        continue;
      }
      if (msg.op === 'unstarted') {
        for (const id of msg.ids) this.unstarted.add(id);
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
          v = decodeValue(msg.value, msg.shared);
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
    this.exit = exit;
    if (this.pending.size > 0) {
      const err = this.diedError(exit);
      const all = [...this.pending];
      this.pending.clear();
      for (const [id, p] of all) {
        const never = this.unstarted.has(id) || (this.progress !== undefined && id > (this.progress[0] ?? 0));
        p.resolve({ ok: false, error: err, idle: false, unstarted: never || undefined });
      }
    }
    this.unstarted.clear();
    this.onExit(exit);
  }
}
