/**
 * The messages between a parent and the worker runtime (`worker-runtime.ts`), the same for
 * worker threads and child processes. Messages travel in batches (arrays) so a busy pool can
 * hand a worker many tasks, and a worker return many results, per message.
 *
 * Parent → worker:
 * - `define`: remember task `fid` (inline source or module export) for later `run`s, so a
 *   task's source crosses once per worker, not once per call;
 * - `run`: call task `fid` with `args`; `identity` (set for a `Thread`) is who the task runs as;
 * - `stop`: finish the tasks under way, then exit.
 *
 * Worker → parent:
 * - `ok` / `err`: task `id` settled; `idle` says the worker holds no timers or handles of the
 *   task's afterwards (so it can be reused for another thread);
 * - `ready`: the runtime is listening (sent once, first);
 * - `fatal`: an error escaped every task (an uncaught exception in a timer); the worker dies next.
 *
 * @module
 */
import type { ErrorEnvelope } from './error-transport.js';
import type { ThreadIdentity } from './identity.js';
import type { TaskSpec } from './task.js';

export interface DefineMsg {
  op: 'define';
  fid: number;
  spec: TaskSpec;
}
export interface RunMsg {
  op: 'run';
  id: number;
  fid: number;
  args: unknown[];
  /** Shared types inside `args`, when there are any. */
  shared?: string[] | undefined;
  identity?: ThreadIdentity | undefined;
  /** Report whether the worker is left idle (no lingering timers or handles) after this task. */
  checkIdle?: boolean | undefined;
}
export interface StopMsg {
  op: 'stop';
}
export type ToWorker = DefineMsg | RunMsg | StopMsg;

export interface OkMsg {
  op: 'ok';
  id: number;
  value: unknown;
  shared?: string[] | undefined;
  idle?: boolean | undefined;
}
export interface ErrMsg {
  op: 'err';
  id: number;
  error: ErrorEnvelope;
  idle?: boolean | undefined;
}
/** Sent once, when the runtime is listening: the worker has finished booting. */
export interface ReadyMsg {
  op: 'ready';
}
export interface FatalMsg {
  op: 'fatal';
  error: ErrorEnvelope;
}
export type FromWorker = OkMsg | ErrMsg | FatalMsg | ReadyMsg;
