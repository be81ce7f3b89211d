/**
 * The worker-thread transport: a `worker_threads.Worker` running `worker-entry.js`.
 *
 * Workers share the process's environment (`SHARE_ENV`), as Python threads share
 * `os.environ`, and write their console output synchronously (see `worker-stdio.ts`). Each gets
 * its own link to the depot (`workerData.skein.depot`, see `depot.ts`): this is the one place
 * skein starts worker threads for threads and pools, so every such thread has one.
 *
 * @module
 */
import { type ResourceLimits, SHARE_ENV, Worker } from 'node:worker_threads';
import { linkForChild } from './depot.js';
import { fromEnvelope } from './error-transport.js';
import { workerExecArgv } from './exec-argv.js';
import type { SkeinWorkerData, ThreadIdentity } from './identity.js';
import { processState } from './identity.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { Transport, TransportExit } from './transport.js';
import { workerEntry } from './worker-url.js';

/** Options for a new worker thread. */
export interface ThreadTransportOptions {
  identity: ThreadIdentity;
  resourceLimits?: ResourceLimits | undefined;
  /** Extra data for the runtime, under `workerData.skein`. */
  data?: Record<string, unknown>;
}

/** First re-request of a termination that has not ended the worker (see `terminateAgain`). */
const RETERMINATE_FIRST_MS = 100;
/** Re-requests back off to this interval. */
const RETERMINATE_MAX_MS = 1_000;

class ThreadTransport implements Transport {
  readonly kind = 'thread' as const;
  readonly id: number;
  exited = false;
  onMessage: (batch: FromWorker[]) => void = () => {};
  onExit: (exit: TransportExit) => void = () => {};
  private readonly worker: Worker;
  private error: Error | undefined;
  private killed = false;
  /** The pending re-request of a termination (cleared on exit). */
  private again: NodeJS.Timeout | undefined;
  private readonly exitPromise: Promise<TransportExit>;

  constructor(options: ThreadTransportOptions) {
    const e = workerEntry(import.meta.url, 'worker-entry');
    const skein: SkeinWorkerData = { state: processState, identity: options.identity, ...options.data };
    // Every worker skein starts gets its own link to the depot (see depot.ts).
    const depot = linkForChild();
    if (depot !== undefined) skein.depot = depot;
    this.worker = new Worker(e.url, {
      eval: e.eval,
      workerData: { skein },
      transferList: depot === undefined ? undefined : [depot],
      env: SHARE_ENV,
      resourceLimits: options.resourceLimits,
      name: options.identity.name,
      // Node's default (the parent's execArgv) unless the program came from `-e`/`-p`/stdin
      // flags, which a worker given a file refuses (exec-argv.ts).
      execArgv: workerExecArgv(),
    });
    this.id = this.worker.threadId;
    this.worker.on('message', (batch: FromWorker[]) => {
      for (const msg of batch) {
        // A fatal report precedes the worker's death; keep it as the reason.
        if (msg.op === 'fatal') this.error = fromEnvelope(msg.error, `thread "${options.identity.name}"`);
      }
      this.onMessage(batch);
    });
    this.worker.on('error', (err) => {
      this.error ??= err;
    });
    this.exitPromise = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        this.exited = true;
        clearTimeout(this.again);
        const err = this.error;
        const oom = (err as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        const exit: TransportExit = {
          exitCode: code,
          signal: null,
          reason: this.killed ? 'terminated' : oom ? 'out-of-memory' : err ? 'uncaught-error' : 'exit',
          error: err,
        };
        resolve(exit);
        this.onExit(exit);
      });
    });
  }

  post(batch: ToWorker[], transfer?: readonly ArrayBuffer[]): void {
    this.worker.postMessage(batch, transfer as ArrayBuffer[] | undefined);
  }
  ref(): void {
    this.worker.ref();
  }
  unref(): void {
    this.worker.unref();
  }
  stop(): void {
    if (!this.exited) this.post([{ op: 'stop' }]);
  }
  kill(): Promise<TransportExit> {
    if (!this.exited && !this.killed) {
      this.killed = true;
      void this.worker.terminate();
      this.terminateAgain(RETERMINATE_FIRST_MS);
    }
    return this.exitPromise;
  }

  /**
   * `terminate()` asks V8 to end the isolate's JavaScript, and V8 drops that request once the
   * termination has unwound to the outermost native call: a worker that is re-entered from
   * there runs on. Under load with a module hook in the worker (`--import tsx`) this was seen
   * about once in 300 stops of a task in its first millisecond: the task then spun forever, its
   * `exit` never came, and a stopped future never settled. Asking again until it has exited ends
   * it (one more request always sufficed in that repro); the request is idempotent.
   */
  private terminateAgain(ms: number): void {
    this.again = setTimeout(() => {
      void this.worker.terminate();
      this.terminateAgain(Math.min(ms * 2, RETERMINATE_MAX_MS));
    }, ms);
    // The worker itself keeps the program alive while it is being ended (terminate() refs it).
    this.again.unref();
  }
}

/** Starts a worker thread serving the worker runtime. */
export function spawnThread(options: ThreadTransportOptions): Transport {
  return new ThreadTransport(options);
}
