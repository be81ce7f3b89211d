/**
 * The parent's side of one worker: sends tasks to a {@link Transport}, defines each task once
 * per worker, matches results to calls, and fails every call still pending when the worker
 * dies — so each call settles exactly once, whatever happens to the worker.
 *
 * @module
 */

import { fromEnvelope } from './error-transport.js';
import { WorkerDiedError } from './errors.js';
import type { ThreadIdentity } from './identity.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { decodeValue } from './serialize.js';
import type { TaskSpec } from './task.js';
import type { Transport, TransportExit } from './transport.js';

/**
 * The outcome of a call: its value or error, and whether the worker was left idle afterwards
 * (no timers or handles of the task's; only known when `checkIdle` was asked).
 */
export type Outcome =
  | { ok: true; value: unknown; idle: boolean | undefined }
  | { ok: false; error: Error; idle: boolean | undefined };

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
}

/** Calls tasks on one worker. */
export class WorkerClient {
  private readonly defined = new Set<number>();
  private readonly pending = new Map<number, Pending>();
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
  ) {
    transport.onMessage = (batch) => this.receive(batch);
    transport.onExit = (exit) => this.exited(exit);
  }

  /** Number of calls sent and not yet settled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Runs `spec` with `args` (already checked by `encodeValue`) on the worker. Never rejects:
   * a task's error, and the worker's death ({@link WorkerDiedError}), are outcomes.
   * @throws the serializer's error when the message cannot be sent (nothing was sent).
   */
  call(spec: TaskSpec, args: unknown[], options: CallOptions = {}): Promise<Outcome> {
    if (this.exit !== undefined) {
      return Promise.resolve({ ok: false, error: this.diedError(this.exit), idle: false });
    }
    const fid = specId(spec);
    const batch: ToWorker[] = [];
    const define = !this.defined.has(fid);
    if (define) batch.push({ op: 'define', fid, spec });
    const id = nextCallId++;
    batch.push({
      op: 'run',
      id,
      fid,
      args,
      shared: options.shared,
      identity: options.identity,
      checkIdle: options.checkIdle,
    });
    this.transport.post(batch, options.transfer);
    if (define) this.defined.add(fid);
    return new Promise<Outcome>((resolve) => {
      this.pending.set(id, { resolve, label: options.label ?? this.label });
    });
  }

  private receive(batch: FromWorker[]): void {
    for (const msg of batch) {
      if (msg.op === 'fatal') continue; // the transport keeps it as the exit's error
      if (msg.op === 'ready') {
        this.ready = true;
        this.onReady();
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
        if (v instanceof Promise) {
          v.then(
            (value) => p.resolve({ ok: true, value, idle }),
            (error: Error) => p.resolve({ ok: false, error, idle }),
          );
        } else p.resolve({ ok: true, value: v, idle });
      } else {
        p.resolve({ ok: false, error: fromEnvelope(msg.error, p.label), idle });
      }
    }
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
      const all = [...this.pending.values()];
      this.pending.clear();
      for (const p of all) p.resolve({ ok: false, error: err, idle: false });
    }
    this.onExit(exit);
  }
}
