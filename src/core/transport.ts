/**
 * One interface over the two ways skein runs code elsewhere: a worker thread or a child
 * process. Pools, `Thread` and `Process` speak only to this.
 *
 * Lifecycle: created running; `post` sends batches; `onMessage` receives them; `onExit` fires
 * exactly once, however it ended (graceful stop, crash, out of memory, killed), with a
 * {@link WorkerExit} that says how. `ref`/`unref` decide whether it keeps the program alive
 * (daemon semantics); `kill` ends it hard and resolves once it is gone.
 *
 * @module
 */
import type { WorkerExit } from './errors.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** How a transport ended, with the error that killed it when there was one. */
export interface TransportExit extends WorkerExit {
  /** The error that escaped the worker (uncaught exception, out of memory), if any. */
  error?: Error | undefined;
}

/** A running worker thread or child process serving the worker runtime. */
export interface Transport {
  readonly kind: 'thread' | 'process';
  /** Node's `threadId` of the worker thread, or the child's pid. */
  readonly id: number;
  /** Whether it has exited (after which `post` drops what it is given). */
  readonly exited: boolean;
  /**
   * Sends a batch. `transfer` lists ArrayBuffers to move instead of copy (threads only). A batch
   * posted once the worker is gone is dropped: the exit settles the calls it carried.
   * @throws DataCloneError when the batch cannot be serialized.
   */
  post(batch: ToWorker[], transfer?: readonly ArrayBuffer[]): void;
  /** Receives batches from the worker runtime. */
  onMessage: (batch: FromWorker[]) => void;
  /** Fires once when it has exited, however that happened. */
  onExit: (exit: TransportExit) => void;
  /** Keep the program alive while it runs (a non-daemon worker). */
  ref(): void;
  /** Let the program exit while it runs (a daemon worker, or an idle one). */
  unref(): void;
  /** Asks it to finish its tasks and exit. */
  stop(): void;
  /** Ends it now (SIGTERM by default for processes); resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<TransportExit>;
}
