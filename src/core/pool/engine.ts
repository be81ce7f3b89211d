/**
 * The pool engine under every skein pool: `ThreadPoolExecutor` and `ProcessPoolExecutor`
 * (`skein/futures`) and `Pool`/`ThreadPool` (`skein/multiprocessing`) are thin faces on it.
 * It knows tasks ({@link PoolTask}), workers and a queue — not futures or AsyncResults.
 *
 * ## Implementer's overview
 *
 * ```
 *  submit ──► queue (FIFO) ──dispatch──► slot 1: WorkerClient ─► worker (thread | process)
 *                                  └───► slot 2: WorkerClient ─► worker
 *               ▲                              │ outcome (batched replies)
 *               └────────── refill ◄───────────┘
 * ```
 *
 * **Dispatch and pipelining.** A worker is handed several tasks at once, and the tasks of one
 * dispatch round travel as one message per worker (WorkerClient batches per microtask;
 * the worker runtime answers in batches too). How many tasks a worker may hold (its `window`)
 * follows slow start: it begins at 1, doubles each time a batch comes back quickly, up to
 * `pipeline`, and falls back to 2 when tasks turn out slow (a task's service time above
 * {@link SLOW_TASK_MS}). Tiny tasks thus flow hundreds per message, while long tasks are
 * spread evenly (a worker never sits on a backlog of long tasks while another is idle).
 * Tasks that a worker reports *awaiting* (an async task still pending after a whole turn of
 * its event loop: waiting for I/O or for an event, not computing) do not count against the
 * window, so a task that waits for another task to wake it never keeps that task out of its
 * worker — in a pool of one worker, task A awaiting `event.wait()` and task B calling
 * `event.set()` both run, as they would on one thread's event loop.
 * A round fills each worker in slices of half its window, each slice its own message, so the
 * worker always has the next slice waiting while the parent refills — double buffering.
 *
 * A task is handed out in queue order to the ready worker with the fewest tasks in hand.
 * `start()` is called just before: it is the face's `setRunningOrNotifyCancel` (a cancelled
 * task is dropped there and never runs). From that moment the task belongs to its worker.
 *
 * **Solo tasks.** A task with a `timeout` or `signal` may have to be stopped while it runs, and
 * the only way to stop JavaScript is to end its isolate. Such a task therefore waits for a worker
 * holding nothing, and that worker gets nothing else until the task settles: replacing it
 * (terminate + spawn) then costs no other task anything.
 *
 * **Crashes.** When a worker dies (`process.exit`, an uncaught error in a timer, out of memory,
 * killed), its WorkerClient fails the calls it held with `WorkerDiedError` (exit code, signal,
 * reason) — except those it can prove the worker never began, which it reports `unstarted`:
 * a thread worker publishes the highest call id it has begun in a shared word (`progress`,
 * readable after any death, even out of memory or `terminate()`), and a dying worker's last
 * words list the calls of its current batch after the fatal one. The pool puts those back at the
 * head of the queue for another worker (they cannot have had any effect), so a crash costs the
 * crashing task, plus only tasks that had really begun beside it (an async task awaiting I/O on
 * that worker). The pool spawns a replacement at once and goes on.
 * Invariants: every task submitted settles exactly once (`settle` is guarded; a task is either
 * queued or held, never both); while the pool is open it keeps `maxWorkers` live workers once it
 * has started; a worker with tasks in hand (or booting for queued tasks) keeps the program
 * alive, an idle one never does (`unref`).
 *
 * **Fast path.** Thread workers reply on a port of their own and both sides spin briefly
 * (bounded, {@link SPIN_MS}) when a lone call is in flight — see `worker-client.ts`.
 *
 * **Lifecycle.** The pool, as java.util.concurrent's `ThreadPoolExecutor` documents its own:
 *
 * ```
 *  OPEN ──close()──► CLOSED ──last worker exited──► TERMINATED
 *    │                 ▲
 *    └──breakPool()────┴── BROKEN (closed, with brokenError): queued tasks fail, held ones finish
 *  terminate(): CLOSED, then every worker killed (held tasks fail, queued ones are handed back)
 * ```
 *
 * (`closed` and `brokenError` hold the state; TERMINATED is CLOSED with `slots` empty; OPEN starts
 * its first worker on the first submit or `prestart`.) A worker's slot:
 *
 * ```
 *  booting ──ready [+ initializer]──► ready ──idle timeout, maxTasksPerWorker, close(),──► retiring
 *     │                                 │      a solo task stopped, BROKEN                   │
 *     └──died: breaks the pool          └──died: replaced (a crash)          exited ◄─────────┘
 * ```
 *
 * A slot leaves `slots` when its worker has exited. `ending` says the exit was meant (not a
 * crash); `stopSent` that `stop` or `kill` went out (never twice); `solo` that a solo task holds
 * it; `refd` whether it keeps the program alive.
 *
 * **Initializer.** A worker runs the initializer before any task; a worker whose initializer
 * fails breaks the pool, as in Python: the queued tasks fail with the face's `Broken…` error and
 * later submissions throw it. A worker that dies while booting breaks the pool too (a worker that
 * cannot start would otherwise be respawned forever).
 *
 * @module
 */
import type { ResourceLimits } from 'node:worker_threads';
import { TimeoutError } from '../errors.js';
import { markThreadEnded, nextIdent } from '../identity.js';
import { positiveInt } from '../options.js';
import { spawnProcess } from '../process-transport.js';
import type { HandleTable } from '../serialize.js';
import type { TaskSpec } from '../task.js';
import { spawnThread } from '../thread-transport.js';
import type { Transport } from '../transport.js';
import { type Outcome, WorkerClient } from '../worker-client.js';
import { type PoolMetrics, TimeHistogram } from './metrics.js';

/** A service time (ms) above which tasks count as slow, and a worker holds at most 2 of them. */
export const SLOW_TASK_MS = 1;
/** Smallest window for slow tasks: one task running and the next one waiting in the worker. */
const MIN_WINDOW = 2;
/** Default bound of a fast-path spin (see `worker-client.ts`): 50 µs. */
export const SPIN_MS = 0.05;
/** A fresh worker's window: one task, until replies show how quick tasks are. */
const FIRST_WINDOW = 1;
/**
 * A child process ended on purpose gets SIGTERM first; one that outlives it this long — a task
 * may handle SIGTERM, and a task spinning in JavaScript never lets its handler run, so the
 * signal is then simply lost — gets SIGKILL. A stopped task has no claim to a clean exit.
 */
const KILL_GRACE_MS = 1_000;

/** A unit of work for the pool: one call, or one chunk of calls (`chunk`). */
export interface PoolTask {
  spec: TaskSpec;
  /** Encoded arguments (`encodeValue` already checked them); for a chunk, the items. */
  args: unknown[];
  shared?: HandleTable | undefined;
  transfer?: readonly ArrayBuffer[] | undefined;
  /** `args` is a list of items: one call each with the item as its argument, one reply (a `map` chunk). */
  chunk?: boolean | undefined;
  /** Stops the task after this many milliseconds of running (its worker is replaced). */
  timeout?: number | undefined;
  /** Stops the task when aborted: removed if still queued, its worker replaced if running. */
  signal?: AbortSignal | undefined;
  /**
   * Called just before the task is handed to a worker. Returning false drops it (it was
   * cancelled): it is then never run and `settle` is never called.
   */
  start(): boolean;
  /** Called exactly once with the task's outcome (unless `start` returned false or it was removed). */
  settle(outcome: Outcome): void;
}

/**
 * Most workers one pool may have. Every worker is a real thread or process with its own heap
 * (megabytes each); far more than the cores a machine has only costs memory and start-up time,
 * and a slip such as `processes: 2 ** 31` would otherwise hang the constructor starting them.
 */
export const MAX_POOL_WORKERS = 1024;

/**
 * Checks a pool's worker count (`maxWorkers`, `processes`).
 * @throws TypeError when it is not an integer; RangeError when below 1 or above
 *   {@link MAX_POOL_WORKERS}.
 */
export function checkWorkerCount(value: unknown, name: string): number {
  const n = positiveInt(value, name);
  if (n > MAX_POOL_WORKERS)
    throw new RangeError(
      `${name} must be at most ${MAX_POOL_WORKERS} (one thread or process each), got ${n}`,
    );
  return n;
}

/** How a face configures the engine. */
export interface PoolOptions {
  kind: 'thread' | 'process';
  /** Workers kept alive while the pool is open. */
  maxWorkers: number;
  /** Name of the `n`th worker started (0-based): a thread's or process's name. */
  workerName: (n: number) => string;
  /** Run in every worker before its first task. */
  initializer?: TaskSpec | undefined;
  /** Encoded arguments of the initializer. */
  initargs?: unknown[] | undefined;
  initShared?: HandleTable | undefined;
  /** A worker is retired (and replaced) after this many tasks; Python's `max_tasks_per_child`. */
  maxTasksPerWorker?: number | undefined;
  /** An idle worker stops after this many milliseconds (`Infinity`: never). */
  idleTimeout?: number | undefined;
  /** Limits of each worker thread's heap (threads only). */
  resourceLimits?: ResourceLimits | undefined;
  /** Most tasks a worker holds at once when tasks are quick. Default 256. */
  pipeline?: number | undefined;
  /** Bound of each fast-path spin, ms (threads; 0 turns the fast path off). Default {@link SPIN_MS}. */
  spinMs?: number | undefined;
  /** Builds the error that a broken pool fails tasks with (`BrokenThreadPool`…). */
  broken: (message: string, cause: Error | undefined) => Error;
}

interface Slot {
  n: number;
  client: WorkerClient;
  state: 'booting' | 'ready' | 'retiring';
  /** Tasks handed to this worker and not settled. */
  held: Set<Running>;
  /** Tasks handed out in total (for `maxTasksPerWorker`). */
  sent: number;
  /** A solo task (timeout/signal) running alone here. */
  solo: boolean;
  window: number;
  /**
   * Tasks the worker reported awaiting (pending across an event-loop turn): they do not count
   * against the window. An estimate, lowered as tasks settle (the safe direction).
   */
  awaiting: number;
  /** Tasks settled since `markAt` (a batch of replies), for the service-time estimate. */
  doneSinceMark: number;
  markAt: number;
  busySince: number;
  refd: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  /** `stop` or `kill` was sent. */
  stopSent: boolean;
  /** We ended it on purpose (idle, retired, shutdown, timeout): do not count it as a crash. */
  ending: boolean;
}

interface Running {
  task: PoolTask;
  slot: Slot;
  startedAt: number;
  settled: boolean;
  /** Being stopped (timeout/abort): settles with the stop's error once its worker has exited. */
  stopping: boolean;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
}

interface Queued {
  task: PoolTask;
  /** `start()` was already called: it was handed to a worker that died before beginning it. */
  started: boolean;
  submittedAt: number;
  /** Removed while queued (aborted, cancelled by shutdown). */
  removed: boolean;
  onAbort: (() => void) | undefined;
}

/** The engine: a task queue served by up to `maxWorkers` workers of one kind. */
export class PoolEngine {
  private readonly slots = new Set<Slot>();
  private queue: Queued[] = [];
  private head = 0;
  private queuedCount = 0;
  private scheduled = false;
  private started = false;
  private closed = false;
  private brokenError: Error | undefined;
  private nextWorker = 0;
  private readonly pipeline: number;
  private readonly idleWaiters: (() => void)[] = [];
  // Metrics.
  private readonly bornAt = performance.now();
  private busyMs = 0;
  private completed = 0;
  private failed = 0;
  private crashed = 0;
  private uncaught = 0;
  private runningCount = 0;
  private readonly waitHist = new TimeHistogram();
  private readonly runHist = new TimeHistogram();

  constructor(readonly options: PoolOptions) {
    positiveInt(options.maxWorkers, 'maxWorkers');
    this.pipeline = Math.max(MIN_WINDOW, options.pipeline ?? 256);
  }

  /** The error the pool broke with, if it is broken. */
  get broken(): Error | undefined {
    return this.brokenError;
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of live workers (not counting those being retired). */
  get size(): number {
    let n = 0;
    for (const s of this.slots) if (s.state !== 'retiring') n++;
    return n;
  }

  /** Queued plus held tasks. */
  get pending(): number {
    return this.queuedCount + this.runningCount;
  }

  /** Starts the workers now rather than at the first submission. */
  prestart(): void {
    if (this.started || this.closed || this.brokenError) return;
    this.started = true;
    while (this.size < this.options.maxWorkers) this.spawn();
  }

  /**
   * Queues a task. The caller checks `closed`/`broken` first (each face has its own error).
   * @throws the broken error when the pool is broken; Error when closed.
   */
  submit(task: PoolTask): void {
    if (this.brokenError) throw this.brokenError;
    if (this.closed) throw new Error('skein internal error: submit to a closed pool engine');
    const q: Queued = {
      task,
      started: false,
      submittedAt: performance.now(),
      removed: false,
      onAbort: undefined,
    };
    const signal = task.signal;
    if (signal) {
      q.onAbort = () => {
        if (q.removed) return;
        q.removed = true;
        this.queuedCount--;
        this.failed++;
        task.settle({ ok: false, error: abortReason(signal), idle: undefined });
        this.checkIdle();
      };
      signal.addEventListener('abort', q.onAbort, { once: true });
    }
    this.queue.push(q);
    this.queuedCount++;
    if (!this.started) this.prestart();
    else if (this.size < this.options.maxWorkers) this.spawnFor();
    this.schedule();
  }

  /**
   * Removes every queued task (not yet handed to a worker) and returns them, in order; their
   * `settle` will not be called — the caller settles them (Python's `cancel_futures`).
   */
  drainQueue(): PoolTask[] {
    const out: PoolTask[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const q = this.queue[i]!;
      if (q.removed) continue;
      q.removed = true;
      this.detachAbort(q);
      out.push(q.task);
    }
    this.queue = [];
    this.head = 0;
    this.queuedCount = 0;
    this.checkIdle();
    return out;
  }

  /** Accepts no more tasks; queued and held ones still run. */
  close(): void {
    this.closed = true;
    this.checkIdle();
  }

  /** Resolves once no task is queued or held. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Closes the pool, waits for queued and held tasks to settle, then stops every worker
   * gracefully and resolves once all have exited.
   */
  async shutdown(): Promise<void> {
    this.close();
    await this.whenIdle();
    await this.stopAll(false);
  }

  /**
   * Ends every worker now (Python's `Pool.terminate`): held tasks fail with `WorkerDiedError`
   * (reason `'terminated'`), queued ones are returned unsettled, as by {@link drainQueue}.
   */
  async terminate(): Promise<PoolTask[]> {
    this.closed = true;
    const rest = this.drainQueue();
    await this.stopAll(true);
    return rest;
  }

  /** A snapshot of the pool's counters and time distributions. */
  metrics(): PoolMetrics {
    const now = performance.now();
    let busy = this.busyMs;
    for (const s of this.slots) if (s.held.size > 0) busy += now - s.busySince;
    const elapsed = now - this.bornAt;
    return {
      workers: this.size,
      queued: this.queuedCount,
      running: this.runningCount,
      completed: this.completed,
      failed: this.failed,
      crashed: this.crashed,
      uncaught: this.uncaught,
      utilization: elapsed > 0 ? Math.min(1, busy / (elapsed * this.options.maxWorkers)) : 0,
      waitTime: this.waitHist.summary(),
      runTime: this.runHist.summary(),
    };
  }

  // ── workers ────────────────────────────────────────────────────────────────────────────

  private spawnFor(): void {
    // Replace workers that idled out, as many as the queue needs.
    while (this.size < Math.min(this.options.maxWorkers, this.queuedCount + this.runningCount)) this.spawn();
  }

  private spawn(): void {
    const n = this.nextWorker++;
    const name = this.options.workerName(n);
    let transport: Transport;
    let progress: Float64Array | undefined;
    let ident: number | undefined;
    if (this.options.kind === 'thread') {
      progress = new Float64Array(new SharedArrayBuffer(8));
      ident = nextIdent();
      transport = spawnThread({
        identity: { ident, name, daemon: true, nativeId: 0, kind: 'worker' },
        resourceLimits: this.options.resourceLimits,
        data: { progress },
      });
    } else {
      transport = spawnProcess({ name, daemon: true });
    }
    const label =
      this.options.kind === 'thread'
        ? `pool thread "${name}"`
        : `pool process "${name}" (pid ${transport.id})`;
    const client = new WorkerClient(transport, label, progress);
    if (this.options.kind === 'thread' && (this.options.spinMs ?? SPIN_MS) > 0)
      client.enableFastPath(this.options.spinMs ?? SPIN_MS);
    const slot: Slot = {
      n,
      client,
      state: 'booting',
      held: new Set(),
      sent: 0,
      solo: false,
      window: FIRST_WINDOW,
      awaiting: 0,
      doneSinceMark: 0,
      markAt: 0,
      busySince: 0,
      refd: true,
      idleTimer: undefined,
      stopSent: false,
      ending: false,
    };
    this.slots.add(slot);
    this.updateRef(slot);
    client.onReady = () => this.booted(slot);
    client.onLateError = (error) => {
      this.uncaught++;
      process.stderr.write(
        `Exception in ${label}, after its tasks had settled (the worker died of it and is replaced):\n${error.stack ?? String(error)}\n`,
      );
    };
    client.onAwaiting = (count) => {
      slot.awaiting = Math.min(count, slot.held.size);
      this.schedule();
    };
    client.onExit = () => {
      // A lock or permit the worker thread still held is abandoned now: waiters take it over
      // (the robust model of src/sync/mutex.ts), instead of hanging on a dead holder.
      if (ident !== undefined) markThreadEnded(ident);
      this.exited(slot);
    };
  }

  private booted(slot: Slot): void {
    const init = this.options.initializer;
    if (init === undefined || this.brokenError) {
      this.markReady(slot);
      return;
    }
    void slot.client
      .call(init, this.options.initargs ?? [], { shared: this.options.initShared, label: slot.client.label })
      .then((outcome) => {
        if (outcome.ok) this.markReady(slot);
        else {
          this.breakPool(`a worker's initializer failed: ${outcome.error.message}`, outcome.error);
        }
      });
  }

  private markReady(slot: Slot): void {
    if (slot.state !== 'booting') return;
    slot.state = 'ready';
    if (this.closed && this.pending === 0) {
      this.endSlot(slot, false);
      return;
    }
    this.updateRef(slot);
    this.armIdle(slot);
    this.schedule();
  }

  private exited(slot: Slot): void {
    this.slots.delete(slot);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    // WorkerClient has failed every held call; their `finish`es follow from those outcomes.
    const crashed = !slot.ending;
    if (crashed) this.crashed++;
    if (slot.state === 'booting' && crashed && !this.brokenError) {
      const exit = slot.client.exit;
      const err = exit ? slot.client.diedError(exit) : undefined;
      this.breakPool(`a worker died while starting${err ? `: ${err.message}` : ''}`, err);
      return;
    }
    if ((!this.closed || this.queuedCount > 0) && !this.brokenError && slot.state !== 'retiring' && crashed) {
      // Keep the pool at full size (closed: as long as queued tasks need a worker).
      this.spawn();
    }
    this.schedule();
  }

  private breakPool(message: string, cause: Error | undefined): void {
    if (this.brokenError) return;
    const err = this.options.broken(message, cause);
    this.brokenError = err;
    this.closed = true;
    for (let i = this.head; i < this.queue.length; i++) {
      const q = this.queue[i]!;
      if (q.removed) continue;
      q.removed = true;
      this.detachAbort(q);
      this.failed++;
      q.task.settle({ ok: false, error: err, idle: undefined });
    }
    this.queue = [];
    this.head = 0;
    this.queuedCount = 0;
    // Let held tasks finish; end idle workers now.
    for (const s of this.slots) if (s.held.size === 0) this.endSlot(s, true);
    this.checkIdle();
  }

  /** Ends a worker on purpose: gracefully (`stop`) or at once (`kill`). */
  private endSlot(slot: Slot, hard: boolean): void {
    slot.ending = true;
    slot.state = 'retiring';
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
    if (slot.client.exit !== undefined) return;
    // Keep the program alive until it has exited (a shutdown awaits it); it exits promptly.
    if (!slot.refd) {
      slot.refd = true;
      slot.client.transport.ref();
    }
    if (hard) void this.kill(slot);
    else if (!slot.stopSent) slot.client.transport.stop();
    slot.stopSent = true;
  }

  /** Ends a worker now; resolves once it has exited (see {@link KILL_GRACE_MS}). */
  private kill(slot: Slot): Promise<unknown> {
    const transport = slot.client.transport;
    const exit = transport.kill();
    if (transport.kind === 'process' && !transport.exited) {
      const timer = setTimeout(() => void transport.kill('SIGKILL'), KILL_GRACE_MS);
      timer.unref();
      void exit.then(() => clearTimeout(timer));
    }
    return exit;
  }

  private async stopAll(hard: boolean): Promise<void> {
    const exits: Promise<unknown>[] = [];
    for (const s of this.slots) {
      exits.push(
        new Promise<void>((resolve) => {
          const prev = s.client.onExit;
          if (s.client.exit !== undefined) return resolve();
          s.client.onExit = (e) => {
            prev(e);
            resolve();
          };
        }),
      );
      // A booting worker gets `stop` after its `ready` (messages are queued in order).
      this.endSlot(s, hard);
    }
    await Promise.all(exits);
  }

  private updateRef(slot: Slot): void {
    if (slot.stopSent) return;
    const keep = slot.held.size > 0 || (slot.state === 'booting' && this.queuedCount > 0);
    if (keep === slot.refd) return;
    slot.refd = keep;
    if (keep) slot.client.transport.ref();
    else slot.client.transport.unref();
  }

  private armIdle(slot: Slot): void {
    const t = this.options.idleTimeout;
    if (t === undefined || !Number.isFinite(t) || slot.held.size > 0 || slot.state !== 'ready') return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.held.size === 0 && slot.state === 'ready') this.endSlot(slot, false);
    }, t);
    slot.idleTimer.unref();
  }

  // ── dispatch ───────────────────────────────────────────────────────────────────────────

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private peek(): Queued | undefined {
    while (this.head < this.queue.length) {
      const q = this.queue[this.head]!;
      if (!q.removed) return q;
      this.queue[this.head++] = undefined as never;
    }
    return undefined;
  }

  private shift(): void {
    this.queue[this.head++] = undefined as never;
    this.queuedCount--;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private readyCount(): number {
    let n = 0;
    for (const s of this.slots) if (s.state === 'ready' && !s.solo) n++;
    return Math.max(1, n);
  }

  /** How many more tasks `slot` may take now; `minWindow` overrides a smaller window. */
  private canTake(slot: Slot, minWindow: number): number {
    if (slot.state !== 'ready' || slot.solo || slot.client.exit !== undefined) return 0;
    let room = Math.max(slot.window, minWindow) + slot.awaiting - slot.held.size;
    const max = this.options.maxTasksPerWorker;
    if (max !== undefined) room = Math.min(room, max - slot.sent);
    return Math.max(0, room);
  }

  /**
   * Adjusts each worker's window from the replies since the last round: the time per task is
   * the time since the previous mark divided by the tasks settled (replies come in batches, so
   * per-task timestamps would mislead). Quick tasks double the window; slow ones shrink it.
   */
  private adjustWindows(): void {
    const now = performance.now();
    for (const s of this.slots) {
      if (s.doneSinceMark === 0) continue;
      const per = (now - s.markAt) / s.doneSinceMark;
      s.doneSinceMark = 0;
      s.markAt = now;
      if (per > SLOW_TASK_MS) s.window = Math.max(MIN_WINDOW, s.window >> 2);
      else s.window = Math.min(this.pipeline, s.window * 2);
    }
  }

  /** Hands queued tasks to workers, in queue order, least-loaded worker first. */
  private dispatch(): void {
    this.adjustWindows();
    for (;;) {
      const q = this.peek();
      if (q === undefined) break;
      const solo = q.task.timeout !== undefined || q.task.signal !== undefined;
      // A map chunk is worth double buffering from the start: its cost is amortized over its items.
      const minWindow = q.task.chunk ? MIN_WINDOW : 0;
      let best: Slot | undefined;
      let bestRoom = 0;
      for (const s of this.slots) {
        const room = this.canTake(s, minWindow);
        if (room === 0) continue;
        if (solo && s.held.size > 0) continue;
        if (best === undefined || s.held.size < best.held.size) {
          best = s;
          bestRoom = room;
        }
      }
      if (best === undefined) break;
      // A slice: up to half the window at once, sent as one message — and no more than a fair
      // share of the queue, so that a burst of long tasks is spread over every ready worker.
      const share = Math.ceil(this.queuedCount / this.readyCount());
      const slice = solo ? 1 : Math.max(1, Math.min(bestRoom, best.window >> 1, share));
      let sent = 0;
      while (sent < slice) {
        const next = this.peek();
        if (next === undefined) break;
        const nextSolo = next.task.timeout !== undefined || next.task.signal !== undefined;
        if (nextSolo !== solo || (solo && sent > 0)) break;
        this.shift();
        this.detachAbort(next);
        if (!next.started && !next.task.start()) continue; // cancelled: dropped, never runs
        this.send(best, next, solo);
        sent++;
      }
      best.client.flushNow();
    }
    for (const s of this.slots) this.updateRef(s);
    this.checkIdle();
  }

  private send(slot: Slot, q: Queued, solo: boolean): void {
    const now = performance.now();
    this.waitHist.record(now - q.submittedAt);
    const task = q.task;
    const r: Running = {
      task,
      slot,
      startedAt: now,
      settled: false,
      stopping: false,
      timer: undefined,
      onAbort: undefined,
    };
    if (slot.held.size === 0) {
      slot.busySince = now;
      slot.markAt = now;
      slot.doneSinceMark = 0;
      if (slot.idleTimer) {
        clearTimeout(slot.idleTimer);
        slot.idleTimer = undefined;
      }
    }
    slot.held.add(r);
    slot.sent++;
    this.runningCount++;
    if (solo) {
      slot.solo = true;
      if (task.timeout !== undefined) {
        r.timer = setTimeout(() => {
          this.stopRunning(
            r,
            new TimeoutError(
              `the task did not finish within its timeout of ${task.timeout} ms; its worker was stopped`,
            ),
          );
        }, task.timeout);
      }
      const signal = task.signal;
      if (signal) {
        r.onAbort = () => this.stopRunning(r, abortReason(signal));
        if (signal.aborted) queueMicrotask(r.onAbort);
        else signal.addEventListener('abort', r.onAbort, { once: true });
      }
    }
    const max = this.options.maxTasksPerWorker;
    if (max !== undefined && slot.sent >= max) {
      // Retire after these tasks; start the replacement now, ahead of need — also when the pool
      // is closed but tasks are still queued (they would never run: CPython's
      // test_pool_worker_lifetime_early_close pins the same hang).
      slot.state = 'retiring';
      slot.ending = true;
      if (!this.closed || this.queuedCount > 0) this.spawn();
    }
    void slot.client
      .call(task.spec, task.args, { shared: task.shared, transfer: task.transfer, chunk: task.chunk })
      .then((outcome) => this.finish(r, outcome));
  }

  /**
   * Stops a running solo task: it fails with `error`, and its worker is replaced. The task
   * settles only once its worker has exited — "stopped" means the task can no longer touch
   * anything (a shared counter, a queue) after its future rejects. Until then any outcome the
   * worker still reports (a result racing the stop, its death) is ignored.
   */
  private stopRunning(r: Running, error: Error): void {
    if (r.settled || r.stopping) return;
    r.stopping = true;
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    const slot = r.slot;
    slot.ending = true;
    slot.state = 'retiring';
    this.endSlot(slot, true);
    void this.kill(slot).then(() => this.finish(r, { ok: false, error, idle: undefined }, true));
    // Replace it now, ahead of its exit.
    if (!this.closed && !this.brokenError) this.spawn();
    this.schedule();
  }

  private finish(r: Running, outcome: Outcome, stopped = false): void {
    if (r.settled || (r.stopping && !stopped)) return;
    r.settled = true;
    const slot = r.slot;
    const now = performance.now();
    if (r.timer) clearTimeout(r.timer);
    if (r.onAbort) r.task.signal?.removeEventListener('abort', r.onAbort);
    slot.held.delete(r);
    if (slot.awaiting > 0) slot.awaiting--;
    this.runningCount--;
    if (!outcome.ok && outcome.unstarted && r.task.timeout === undefined && r.task.signal === undefined) {
      // Its worker died before beginning it: back to the head of the queue, for another worker.
      this.requeue(r);
      return;
    }
    this.runHist.record(now - r.startedAt);
    if (outcome.ok) this.completed++;
    else this.failed++;
    slot.doneSinceMark++;
    if (slot.held.size === 0) this.busyMs += now - slot.busySince;
    try {
      r.task.settle(outcome);
    } finally {
      if (slot.client.exit === undefined && !slot.stopSent) {
        if (slot.solo && slot.held.size === 0) slot.solo = false;
        if (slot.held.size === 0) {
          // Idle: what comes next may be of another kind; start slow again.
          if (this.queuedCount === 0) slot.window = FIRST_WINDOW;
          if (slot.state === 'retiring') this.endSlot(slot, false);
          else if (this.brokenError) this.endSlot(slot, true);
          else this.armIdle(slot);
        }
      }
      this.schedule();
    }
  }

  private requeue(r: Running): void {
    const q: Queued = {
      task: r.task,
      started: true,
      submittedAt: r.startedAt,
      removed: false,
      onAbort: undefined,
    };
    if (this.head > 0) this.queue[--this.head] = q;
    else this.queue.unshift(q);
    this.queuedCount++;
    this.schedule();
  }

  private detachAbort(q: Queued): void {
    if (q.onAbort) {
      q.task.signal?.removeEventListener('abort', q.onAbort);
      q.onAbort = undefined;
    }
  }

  private checkIdle(): void {
    if (this.pending !== 0 || this.idleWaiters.length === 0) return;
    const ws = this.idleWaiters.splice(0);
    for (const w of ws) w();
  }
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException(String(r ?? 'This operation was aborted'), 'AbortError');
}
