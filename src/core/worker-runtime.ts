/**
 * The worker runtime: the one loop that runs tasks inside a worker thread or a child process.
 *
 * It receives batches of {@link ToWorker} messages, runs each task as soon as it arrives —
 * synchronous tasks to completion, asynchronous ones concurrently, so a worker keeps serving
 * other tasks while one awaits I/O — and sends results back in batches, flushed once per
 * microtask checkpoint so a burst of quick tasks costs one message, not one each.
 *
 * A `chunk` run (a `map` chunk) calls the task once per item and answers once for the whole
 * chunk: synchronous items run back to back, asynchronous ones concurrently, and the reply
 * waits for the last of them. An item's error fails that item only.
 *
 * **Fast path (threads).** Waking a sleeping thread costs tens of microseconds on each side of
 * a round trip. When the parent sends a `replyPort`, replies go to that port — which the parent
 * can read synchronously with `receiveMessageOnPort` — and, after each flush, a worker with no
 * task in progress polls its own port (`receiveMessageOnPort(parentPort)`) for at most `spinMs`
 * before going back to sleep in its event loop. With the parent polling the reply port the same
 * way, a sequential submit → await costs a few microseconds instead of two wake-ups. The spin is
 * bounded and happens only when the worker is idle: it delays a timer of an earlier task by at
 * most `spinMs`, and never blocks on Atomics (which would starve timers and async tasks).
 *
 * It never blocks its own event loop indefinitely: it waits for messages, not on Atomics.
 *
 * @module
 */
import { type ErrorEnvelope, toEnvelope } from './error-transport.js';
import { runFlushHooks } from './flush-hooks.js';
import { currentIdentity, setCurrentIdentity, type ThreadIdentity } from './identity.js';
import {
  type ErrMsg,
  type FromWorker,
  MAX_SPIN_CHAIN_MS,
  type OkMsg,
  type OksMsg,
  type RunMsg,
  type ToWorker,
} from './protocol.js';
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
  /** Takes the next incoming batch synchronously, if one is waiting (threads: `receiveMessageOnPort`). */
  poll?: (() => ToWorker[] | undefined) | undefined;
  /**
   * Shared with the parent (threads only): word 0 is the highest id of a call begun. Calls are
   * sent in id order, so when the worker dies every call with a higher id was never begun and may
   * run elsewhere — known even after an out-of-memory death or `terminate()`, when no handler
   * runs. (A call waiting for its module to load may be passed by later ones; it then counts as
   * begun, which is only ever the safe mistake.)
   */
  progress?: Float64Array | undefined;
}

/** What the entry point needs from a running runtime. */
export interface Runtime {
  /**
   * Messages to send, synchronously, when the worker is dying (`process.exit` in a task, an
   * uncaught exception): the results not flushed yet, and the calls received but never begun.
   */
  dying(): FromWorker[];
}

/** Serves tasks on `channel` until told to stop. */
export function serve(channel: RuntimeChannel, destination: 'thread' | 'process'): Runtime {
  const defined = new Map<number, TaskSpec>();
  const base = currentIdentity();
  let running = 0;
  let stopping = false;
  let outbox: FromWorker[] = [];
  /** Plain results gathered in columns, sent as one `oks` message with the next flush. */
  let oks: OksMsg | undefined;

  /** Where replies go: the channel, or the parent's reply port (fast path). */
  let send = (batch: FromWorker[]) => channel.send(batch);
  let spinMs = 0;
  let handle: (batch: ToWorker[]) => void = () => {};
  const flush = () => {
    const batch = outbox;
    outbox = [];
    oks = undefined;
    send(batch);
    if (spinMs > 0 && running === 0 && !stopping) spin();
  };
  /**
   * Spinning hands batches over inside one microtask checkpoint, where timers and I/O cannot
   * run. A chain of spins may last at most {@link MAX_SPIN_CHAIN_MS}; then the worker lets its
   * event loop turn once before spinning again.
   */
  let chainStart = -1;
  /** Polls for the next batch for at most `spinMs` (see the module comment). */
  const spin = () => {
    const poll = channel.poll;
    if (poll === undefined) return;
    const now = performance.now();
    if (chainStart < 0) {
      chainStart = now;
      setImmediate(() => {
        chainStart = -1;
      }).unref();
    } else if (now - chainStart > MAX_SPIN_CHAIN_MS) return;
    const end = performance.now() + spinMs;
    do {
      const next = poll();
      if (next !== undefined) {
        handle(next);
        return;
      }
    } while (performance.now() < end);
  };
  const emit = (msg: FromWorker) => {
    if (outbox.length === 0) queueMicrotask(flush);
    outbox.push(msg);
  };
  const emitOk = (id: number, value: unknown) => {
    if (oks === undefined) {
      oks = { op: 'oks', ids: [], values: [] };
      emit(oks);
    }
    oks.ids.push(id);
    oks.values.push(value);
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

  /** Replies whose idle check is still under way: a worker dying meanwhile sends them anyway. */
  const checking = new Set<OkMsg | ErrMsg>();

  const settle = (msg: RunMsg, ok: boolean, value: unknown) => {
    running--;
    if (msg.identity) setCurrentIdentity(base);
    let out: OkMsg | ErrMsg;
    if (ok) {
      try {
        const enc = encodeValue(value, destination === 'thread' ? 'thread' : 'process', 'result');
        if (enc.shared === undefined && !msg.checkIdle) {
          emitOk(msg.id, enc.value);
          if (stopping && running === 0) setImmediate(() => channel.close());
          return;
        }
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
      checking.add(out);
      setImmediate(() => {
        const flushing = runFlushHooks();
        const report = () => {
          if (!checking.delete(out)) return; // already sent by dying()
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

  /**
   * Calls whose promise is pending, and how many of them were last reported `awaiting`. A pool
   * hands a worker only a window of tasks at a time; an async task that waits (for another task
   * of this same worker to set an event, say) would otherwise hold its place and starve the task
   * it waits for. Once a turn of the event loop has passed with such calls still pending, they
   * are truly waiting, not running: the parent is told, and may send more.
   */
  let awaiting = 0;
  let reported = 0;
  let checkScheduled = false;
  const checkAwaiting = () => {
    checkScheduled = false;
    if (awaiting > reported) {
      reported = awaiting;
      emit({ op: 'awaiting', n: awaiting });
    }
  };
  const awaitingBegins = () => {
    awaiting++;
    if (!checkScheduled) {
      checkScheduled = true;
      setImmediate(checkAwaiting);
    }
  };
  const awaitingEnds = () => {
    awaiting--;
    if (reported > awaiting) reported = awaiting;
  };

  const progress = channel.progress;
  /** Records that call `id` begins. Every call begun has an id ≤ the word (calls are sent in id order). */
  let highest = 0;
  const begin = (id: number) => {
    if (id > highest) {
      highest = id;
      if (progress !== undefined) progress[0] = id;
    }
  };

  const call = (msg: RunMsg, fn: AnyFunction, args: unknown[], spec: TaskSpec) => {
    begin(msg.id);
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
      awaitingBegins();
      (result as PromiseLike<unknown>).then(
        (v) => {
          awaitingEnds();
          settle(msg, true, v);
        },
        (e) => {
          awaitingEnds();
          fail(msg, e, spec);
        },
      );
    } else settle(msg, true, result);
  };

  /** Runs every item of a chunk; replies once with the results and the failed items' errors. */
  const callChunk = (msg: RunMsg, fn: AnyFunction, items: unknown[], spec: TaskSpec) => {
    begin(msg.id);
    // Filled by push so the array stays packed: a holey `new Array(n)` clones 3–4× slower.
    const values: unknown[] = [];
    let errors: [number, ErrorEnvelope][] | undefined;
    let waiting: Promise<void>[] | undefined;
    const failItem = (i: number, err: unknown) => {
      errors ??= [];
      errors.push([i, toEnvelope(spec.kind === 'inline' ? explainInlineError(err) : err)]);
    };
    for (let i = 0; i < items.length; i++) {
      let r: unknown;
      try {
        r = fn(items[i]);
      } catch (err) {
        failItem(i, err);
        values.push(undefined);
        continue;
      }
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
        values.push(undefined);
        waiting ??= [];
        waiting.push(
          Promise.resolve(r as PromiseLike<unknown>).then(
            (v) => {
              values[i] = v;
            },
            (e) => failItem(i, e),
          ),
        );
      } else values.push(r);
    }
    const reply = () => {
      running--;
      let out: OkMsg | ErrMsg;
      try {
        const enc = encodeValue(values, destination === 'thread' ? 'thread' : 'process', 'result');
        out = { op: 'ok', id: msg.id, value: enc.value, shared: enc.shared, errors };
      } catch (err) {
        out = { op: 'err', id: msg.id, error: toEnvelope(err) };
      }
      emit(out);
      if (stopping && running === 0) setImmediate(() => channel.close());
    };
    if (waiting === undefined) reply();
    else void Promise.all(waiting).then(reply);
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
      args = decodeValue(msg.args, msg.shared, destination);
    } catch (err) {
      fail(msg, err, spec);
      return;
    }
    if (fn instanceof Promise || args instanceof Promise) {
      Promise.all([fn, args]).then(
        ([f, a]) => (msg.chunk ? callChunk(msg, f, a, spec) : call(msg, f, a, spec)),
        (err) => fail(msg, err, spec),
      );
    } else if (msg.chunk) callChunk(msg, fn, args, spec);
    else call(msg, fn, args, spec);
  };

  /** The batch being handled, so that a dying worker can tell which calls it never began. */
  let current: ToWorker[] | undefined;
  let currentMsg = 0;
  let currentRun = 0;

  handle = (batch) => {
    current = batch;
    for (currentMsg = 0; currentMsg < batch.length; currentMsg++) {
      const msg = batch[currentMsg]!;
      currentRun = 0;
      if (msg.op === 'run') run(msg);
      else if (msg.op === 'runs') {
        const { fid, arity, ids, args } = msg;
        for (let i = 0; i < ids.length; i++) {
          currentRun = i;
          run({
            op: 'run',
            id: ids[i]!,
            fid,
            args: arity === 1 ? [args[i]] : args.slice(i * arity, (i + 1) * arity),
          });
        }
      } else if (msg.op === 'define') defined.set(msg.fid, msg.spec);
      else if (msg.op === 'replyPort') {
        const port = msg.port;
        send = (b) => port.postMessage(b);
        spinMs = msg.spinMs;
      } else if (msg.op === 'stop') {
        stopping = true;
        if (running === 0) channel.close();
      }
    }
    current = undefined;
  };
  channel.onMessage((batch) => handle(batch));
  channel.send([{ op: 'ready' }]);

  return {
    dying(): FromWorker[] {
      const out = outbox;
      outbox = [];
      oks = undefined;
      // A task that settled before the fatal error keeps its outcome (a thread whose target
      // returned stays returned); its isolate is dying, so it is not idle.
      for (const m of checking) {
        m.idle = false;
        out.push(m);
      }
      checking.clear();
      const batch = current;
      current = undefined;
      if (batch !== undefined) {
        // Calls after the one under way (which is the one dying) never began.
        const ids: number[] = [];
        for (let m = currentMsg; m < batch.length; m++) {
          const msg = batch[m]!;
          if (msg.op === 'run' && m > currentMsg) ids.push(msg.id);
          else if (msg.op === 'runs')
            ids.push(...(m === currentMsg ? msg.ids.slice(currentRun + 1) : msg.ids));
        }
        if (ids.length > 0) out.push({ op: 'unstarted', ids, begun: highest });
      }
      if (highest > 0 && !out.some((m) => m.op === 'unstarted'))
        out.push({ op: 'unstarted', ids: [], begun: highest });
      return out;
    },
  };
}

/** Reports an error that escaped every task, before the isolate dies of it. */
export function fatalMessage(err: unknown): FromWorker[] {
  const error: ErrorEnvelope = toEnvelope(err);
  return [{ op: 'fatal', error }];
}
