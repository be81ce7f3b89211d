/**
 * The messages between a parent and the worker runtime (`worker-runtime.ts`), the same for
 * worker threads and child processes. Messages travel in batches (arrays) so a busy pool can
 * hand a worker many tasks, and a worker return many results, per message.
 *
 * Parent → worker:
 * - `define`: remember task `fid` (inline source or module export) for later `run`s, so a
 *   task's source crosses once per worker, not once per call;
 * - `run`: call task `fid` with `args`; `identity` (set for a `Thread`) is who the task runs as.
 *   With `chunk`, `args` is a list of items: the task is called once per item, with the item as
 *   its only argument (a `map` chunk, as Python's `_process_chunk`), and the one reply carries
 *   every item's outcome;
 * - `runs`: many plain `run`s of one task with the same number of arguments, in columns
 *   (`ids`, and every call's arguments laid end to end in `args`): a busy pool's common case,
 *   and several times cheaper to clone than one object per call;
 * - `replyPort`: (threads) send replies on this MessagePort from now on, and spin briefly on
 *   the parent port when idle — the fast path, see `worker-runtime.ts`;
 * - `stop`: finish the tasks under way, then exit.
 *
 * Worker → parent:
 * - `oks`: plain results in columns (`ids[i]` returned `values[i]`), the counterpart of `runs`;
 * - `ok` / `err`: task `id` settled; `idle` says the worker holds no timers or handles of the
 *   task's afterwards (so it can be reused for another thread);
 * - `unstarted`: sent by a dying worker (from its exit or uncaught-exception handler, with the
 *   results it had not flushed yet): the calls it had received but never began. The parent may
 *   run them elsewhere — they cannot have had any effect;
 * - `ready`: the runtime is listening (sent once, first);
 * - `fatal`: an error escaped every task (an uncaught exception in a timer); the worker dies next.
 *
 * @module
 */
import type { ErrorEnvelope } from './error-transport.js';
import type { ThreadIdentity } from './identity.js';
import type { HandleTable } from './serialize.js';
import type { TaskSpec } from './task.js';

/**
 * Fast path: how long (ms) a side may go on taking batches by spinning before it lets its event
 * loop turn once (spinning hands batches over inside one microtask checkpoint, where timers and
 * I/O cannot run): the longest a timer or an I/O callback is delayed by it.
 */
export const MAX_SPIN_CHAIN_MS = 2;

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
  /** The handle table of `args` (core/serialize.ts), when they hold shared objects. */
  shared?: HandleTable | undefined;
  identity?: ThreadIdentity | undefined;
  /** Report whether the worker is left idle (no lingering timers or handles) after this task. */
  checkIdle?: boolean | undefined;
  /** `args` is a list of items, one call each with the item as its argument; the reply's value is the list of results. */
  chunk?: boolean | undefined;
}
/** Plain runs of task `fid`, each with `arity` arguments: call `ids[i]` gets `args[i*arity … (i+1)*arity)`. */
export interface RunsMsg {
  op: 'runs';
  fid: number;
  arity: number;
  ids: number[];
  args: unknown[];
}
export interface StopMsg {
  op: 'stop';
}
/** Replies go to `port` from now on; `spinMs` is how long an idle worker polls for the next message. */
export interface ReplyPortMsg {
  op: 'replyPort';
  port: import('node:worker_threads').MessagePort;
  spinMs: number;
}
export type ToWorker = DefineMsg | RunMsg | RunsMsg | StopMsg | ReplyPortMsg;

export interface OkMsg {
  op: 'ok';
  id: number;
  value: unknown;
  /** The handle table of `value`, when it holds shared objects. */
  shared?: HandleTable | undefined;
  idle?: boolean | undefined;
  /**
   * For a `chunk` run: the items that failed, as `[index, error]` pairs (their slot in `value`
   * is `undefined`). Absent when every item succeeded.
   */
  errors?: [number, ErrorEnvelope][] | undefined;
}
export interface ErrMsg {
  op: 'err';
  id: number;
  error: ErrorEnvelope;
  idle?: boolean | undefined;
}
/** Plain results (no shared objects, no idle report): call `ids[i]` returned `values[i]`. */
export interface OksMsg {
  op: 'oks';
  ids: number[];
  values: unknown[];
}
/** From a dying worker: calls it received but never began. */
export interface UnstartedMsg {
  op: 'unstarted';
  ids: number[];
  /** The highest id of a call begun: every call with a higher id was never begun either. */
  begun: number;
}
/** Sent once, when the runtime is listening: the worker has finished booting. */
export interface ReadyMsg {
  op: 'ready';
}
/**
 * `n` calls of this worker have been awaiting (a pending promise) across a whole event-loop
 * turn: they do not occupy the worker, which may take that many more (see the pool's window).
 * Sent when the count rises, never for calls that settle within their first turn.
 */
export interface AwaitingMsg {
  op: 'awaiting';
  n: number;
}
export interface FatalMsg {
  op: 'fatal';
  error: ErrorEnvelope;
}
export type FromWorker = OkMsg | OksMsg | ErrMsg | FatalMsg | ReadyMsg | UnstartedMsg | AwaitingMsg;
