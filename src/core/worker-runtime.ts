/**
 * The worker runtime: the one loop that runs tasks inside a worker thread or a child process.
 *
 * It receives batches of {@link ToWorker} messages, runs each task as soon as it arrives —
 * synchronous tasks to completion, asynchronous ones concurrently, so a worker keeps serving
 * other tasks while one awaits I/O — and sends results back in batches, flushed once per
 * microtask checkpoint so a burst of quick tasks costs one message, not one each.
 *
 * It never blocks its own event loop: it waits for messages, not on Atomics.
 *
 * @module
 */
import { type ErrorEnvelope, toEnvelope } from './error-transport.js';
import { runFlushHooks } from './flush-hooks.js';
import { currentIdentity, setCurrentIdentity, type ThreadIdentity } from './identity.js';
import type { ErrMsg, FromWorker, OkMsg, RunMsg, ToWorker } from './protocol.js';
import { decodeValue, encodeValue } from './serialize.js';
import type { AnyFunction, TaskSpec } from './task.js';
import { explainInlineError, loadTask } from './task-loader.js';

/** How the runtime talks to its parent: a worker's `parentPort` or a child's IPC channel. */
export interface RuntimeChannel {
  send(batch: FromWorker[]): void;
  onMessage(handler: (batch: ToWorker[]) => void): void;
  /** Stop listening, so the isolate can exit once its work is done. */
  close(): void;
  /** Resource names that belong to the channel itself, ignored by the idle check. */
  ownResources: readonly string[];
}

/** Serves tasks on `channel` until told to stop. */
export function serve(channel: RuntimeChannel, destination: 'thread' | 'process'): void {
  const defined = new Map<number, TaskSpec>();
  const base = currentIdentity();
  let running = 0;
  let stopping = false;
  let outbox: FromWorker[] = [];

  const flush = () => {
    const batch = outbox;
    outbox = [];
    channel.send(batch);
  };
  const emit = (msg: FromWorker) => {
    if (outbox.length === 0) queueMicrotask(flush);
    outbox.push(msg);
  };

  /**
   * True when nothing the task started is left behind: no timers, sockets or handles besides
   * the channel. Used to decide whether an isolate may be reused for another thread.
   */
  const isIdle = () => {
    const own = [...channel.ownResources];
    for (const r of process.getActiveResourcesInfo()) {
      const i = own.indexOf(r);
      if (i >= 0) own.splice(i, 1);
      else return false;
    }
    return true;
  };

  const settle = (msg: RunMsg, ok: boolean, value: unknown) => {
    running--;
    if (msg.identity) setCurrentIdentity(base);
    let out: OkMsg | ErrMsg;
    if (ok) {
      try {
        const enc = encodeValue(value, destination === 'thread' ? 'thread' : 'process', 'result');
        out = { op: 'ok', id: msg.id, value: enc.value, shared: enc.shared };
      } catch (err) {
        out = { op: 'err', id: msg.id, error: toEnvelope(err) };
      }
    } else {
      out = { op: 'err', id: msg.id, error: toEnvelope(value) };
    }
    if (msg.checkIdle) {
      // Let the settled promise's own bookkeeping finish before looking at resources.
      // Writes queued on the thread's behalf (flush-hooks.ts) must leave before idleness
      // is judged: a non-idle isolate is terminated, which would drop them.
      setImmediate(() => {
        const flushing = runFlushHooks();
        const report = () => {
          out.idle = isIdle();
          emit(out);
        };
        if (flushing) void flushing.then(() => setImmediate(report));
        else report();
      });
    } else emit(out);
    if (stopping && running === 0) setImmediate(() => channel.close());
  };

  const fail = (msg: RunMsg, err: unknown, spec: TaskSpec | undefined) =>
    settle(msg, false, spec?.kind === 'inline' ? explainInlineError(err) : err);

  const call = (msg: RunMsg, fn: AnyFunction, args: unknown[], spec: TaskSpec) => {
    let result: unknown;
    try {
      result = fn(...args);
    } catch (err) {
      fail(msg, err, spec);
      return;
    }
    if (
      result !== null &&
      typeof result === 'object' &&
      typeof (result as PromiseLike<unknown>).then === 'function'
    ) {
      (result as PromiseLike<unknown>).then(
        (v) => settle(msg, true, v),
        (e) => fail(msg, e, spec),
      );
    } else settle(msg, true, result);
  };

  const run = (msg: RunMsg) => {
    running++;
    const spec = defined.get(msg.fid);
    if (spec === undefined) {
      fail(msg, new Error(`skein internal error: task ${msg.fid} was never defined in this worker`), spec);
      return;
    }
    if (msg.identity) setCurrentIdentity(msg.identity as ThreadIdentity);
    let fn: AnyFunction | Promise<AnyFunction>;
    let args: unknown[] | Promise<unknown[]>;
    try {
      fn = loadTask(spec);
      args = decodeValue(msg.args, msg.shared);
    } catch (err) {
      fail(msg, err, spec);
      return;
    }
    if (fn instanceof Promise || args instanceof Promise) {
      Promise.all([fn, args]).then(
        ([f, a]) => call(msg, f, a, spec),
        (err) => fail(msg, err, spec),
      );
    } else call(msg, fn, args, spec);
  };

  channel.onMessage((batch) => {
    for (const msg of batch) {
      if (msg.op === 'run') run(msg);
      else if (msg.op === 'define') defined.set(msg.fid, msg.spec);
      else if (msg.op === 'stop') {
        stopping = true;
        if (running === 0) channel.close();
      }
    }
  });
  channel.send([{ op: 'ready' }]);
}

/** Reports an error that escaped every task, before the isolate dies of it. */
export function fatalMessage(err: unknown): FromWorker[] {
  const error: ErrorEnvelope = toEnvelope(err);
  return [{ op: 'fatal', error }];
}
