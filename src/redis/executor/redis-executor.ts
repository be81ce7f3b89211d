/**
 * `RedisExecutor`: skein's `Executor` whose workers run on any number of machines, on BullMQ.
 *
 * ## Data flow (see `protocol.ts` for the wire format)
 *
 * ```
 *  submit ─► check args ─► batch ──(one microtask later)──► jobs ─► Queue.addBulk ──► Redis
 *                            │                                                      │
 *                 pending: taskId → Future                                   RedisWorker(s)
 *                 jobs:    jobId  → its tasks                                       │
 *                            ▲                                                      │
 *  reader loop: LPOP n / BLPOP on this executor's reply list ◄──── 's', 'v', 'e' replies
 * ```
 *
 * - **Batching.** Everything submitted in one synchronous stretch goes out in one `addBulk`
 *   (pipelines of {@link BULK} jobs), and the tasks share jobs: `n` tasks travel in
 *   `max(min(n, minJobs), n / maxTasksPerJob)` jobs (defaults 256 and 64), so a loop of 10,000
 *   tiny `submit`s pays BullMQ's per-job cost ~250 times, while a handful of big tasks still get a
 *   job — and a worker — each. A `map` chunk is always one job of its own.
 * - **One subscription.** Results come through one reply list per executor, read by one loop on
 *   one dedicated connection (a blocking `BLPOP` when idle, `LPOP count` while replies pile up) —
 *   not one `waitUntilFinished` per job, which hangs when a job is removed or the connection
 *   drops (BullMQ issues #85, #2341, #3298). The loop runs only while futures are pending.
 * - **Reconnects.** A reply pushed while this executor was disconnected stays in the list (lists
 *   are not trimmed as event streams are). A Redis restart can still lose the list itself, so on
 *   every reconnection the executor re-reads the hash of each pending job: a finished job's
 *   replies are its `returnvalue`; a job that no longer exists fails its tasks with
 *   `JobLostError`. Nothing pending can hang.
 * - **Exactly-once settling on at-least-once delivery.** A job may run twice (its worker died
 *   after replying, before BullMQ recorded the completion); a future settles on the first reply
 *   and later ones find no pending entry.
 * - **Stopping.** `cancel()` and a per-task `signal` remove the job if it still waits and holds
 *   nothing else; otherwise the task id goes to this executor's cancel set and the queue's abort
 *   channel, and the worker holding (or about to take) the job skips or stops that task (its
 *   local pool stops a running one). A per-task `timeout` travels with the task and is enforced
 *   by the worker's pool from the moment the task starts.
 * - **States.** A future is PENDING until a worker's start note for its job (`'s'`) makes it
 *   RUNNING — `cancel()` then returns `false`, as in Python — and FINISHED on the result. A
 *   cancel that races a worker taking the job (the note not yet here) still stops the task there.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { RuntimeError } from '../../core/errors.js';
import { positiveInt } from '../../core/options.js';
import type { AnyFunction } from '../../core/task.js';
import { checkTimeout } from '../../core/wait-options.js';
import {
  BaseExecutor,
  type ChunkResult,
  type MapOptions,
  type ShutdownOptions,
  type SubmitOptions,
  type Task,
  type TaskResult,
} from '../../futures/executor.js';
import { Future } from '../../futures/future.js';
import { checkData, decodeData, decodeError, encodeData, serializeData } from '../codec.js';
import { bullConnection, connectionOptions, newClient, type RedisConnection } from '../connection.js';
import { loadBullMQ } from '../deps.js';
import { JobLostError } from './job-lost-error.js';
import {
  abortChannel,
  cancelKey,
  checkQueueName,
  type JobData,
  jobKey,
  PREFIX,
  PROTOCOL,
  parseReply,
  REPLY_TTL,
  replyKey,
  type TaskEntry,
} from './protocol.js';
import { taskName } from './remote-tasks.js';

/** Options of {@link RedisExecutor}. */
export interface RedisExecutorOptions {
  /** Where Redis is: a `redis://host:port` URL or ioredis options. */
  connection: RedisConnection;
  /** The queue's name, shared with the workers (`skein-worker --queue`). Default `'skein'`. */
  queue?: string | undefined;
  /**
   * How many times a job may be taken by a worker that dies before finishing it (killed, out of
   * memory, its machine lost) before its future fails with `WorkerDiedError`. Default 2, so a job
   * runs at most 3 times.
   */
  maxRetriesOnDeath?: number | undefined;
  /** Seconds Redis keeps a finished job (and its result, for re-checks after a reconnect). Default 3600. */
  keepFinished?: number | undefined;
  /**
   * Most tasks one job carries when many are submitted together. Default 64; `1` sends every
   * task as a job of its own (BullMQ's usual way, several times slower for tiny tasks).
   */
  maxTasksPerJob?: number | undefined;
  /**
   * Tasks submitted together are spread over at least this many jobs (if there are that many
   * tasks), so that many workers can share them. Default 256.
   */
  minJobs?: number | undefined;
}

/** Most jobs in one `addBulk` pipeline. */
const BULK = 500;
/** Most replies taken by one `LPOP`. */
const READ_BATCH = 1000;
/**
 * While tasks are pending, their jobs' hashes are re-read this often (ms): a job that finished
 * in Redis but whose reply never reached this executor settles from the replies the worker kept
 * as the job's return value, instead of leaving its future pending for ever.
 */
const RECHECK_MS = 10_000;

/** A task submitted and not yet settled. */
interface Pending {
  readonly id: string;
  readonly name: string;
  readonly future: Future<unknown>;
  /** True for a map chunk (its own job; the reply holds every item's outcome). */
  readonly chunk: boolean;
  /** The encoded items of a chunk, or the arguments of a task. */
  readonly payload: string | unknown[];
  /** Milliseconds the task may run on its worker. */
  readonly timeout: number | undefined;
  /** The batch it was submitted in; `batch.sent` settles once Redis acknowledged the add. */
  readonly batch: Batch;
  /** The job carrying it, once the batch was flushed. */
  job: JobRef | undefined;
  /** True when the future was settled from Redis (a reply or a re-check): nothing to withdraw. */
  answered: boolean;
  /** Removes the per-task signal's listener. */
  unlisten: (() => void) | undefined;
}

/** A job in Redis and the tasks it carries. */
interface JobRef {
  readonly id: string;
  readonly tasks: Pending[];
  readonly batch: Batch;
}

/** Tasks gathered in one synchronous stretch, added together. */
class Batch {
  readonly tasks: Pending[] = [];
  /** Ids withdrawn before the batch was flushed: not added at all. */
  readonly dropped = new Set<string>();
  /** Settles (never rejects) once the add was acknowledged (true) or failed (false). */
  readonly sent: Promise<boolean>;
  resolveSent!: (added: boolean) => void;
  constructor() {
    this.sent = new Promise((resolve) => {
      this.resolveSent = resolve;
    });
  }
}

/** A task's reason for an aborted signal, as an Error. */
function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

/**
 * An executor whose tasks run on `RedisWorker`s (`skein-worker` processes) anywhere that reaches
 * the same Redis — Celery's and BullMQ's job, with `concurrent.futures`' interface. Python has no
 * such class; its futures, `wait` and `asCompleted` are `skein/futures`' own.
 *
 * Tasks are named, never sent: `submit('fib', 30)` runs the export `fib` of the module the
 * workers were started with; `remoteTasks<typeof import('./tasks.js')>()` types those names.
 * Arguments and results are plain data (structured-clone types); errors come back as their
 * class with `name`, `message`, `code`, `cause` and the worker's stack.
 *
 * Delivery is **at least once**: a job whose worker dies is run again by another (up to
 * `maxRetriesOnDeath` times, then its future fails with `WorkerDiedError`), so tasks with side
 * effects should be idempotent. Each future still settles exactly once.
 *
 * Differences from `concurrent.futures`: `cancel()` also succeeds in the moment between a worker
 * taking a job and this executor hearing of it (the worker is then told to stop it); a
 * `Future`'s callbacks run in this process; `map`'s `chunksize` (items per job) matters far more
 * here than for local pools — each job costs a few Redis round trips.
 *
 * @example
 * await using ex = new RedisExecutor({ connection: 'redis://127.0.0.1:6379' });
 * const tasks = remoteTasks<typeof import('./tasks.js')>();
 * console.log(await ex.submit(tasks.fib, 30));
 * for await (const n of ex.map(tasks.fib, [1, 2, 3], { chunksize: 100 })) console.log(n);
 */
export class RedisExecutor extends BaseExecutor {
  /** The queue's name. */
  readonly queue: string;
  /** This executor's id (16 hex digits): the prefix of its task ids and the name of its reply list. */
  readonly id: string;
  /** Worker deaths a job survives. */
  readonly maxRetriesOnDeath: number;
  /** Most tasks per job. */
  readonly maxTasksPerJob: number;
  /** Fewest jobs a large batch is spread over. */
  readonly minJobs: number;
  private readonly keepFinished: number;
  private readonly redisOptions: RedisOptions;
  private readonly replies: string;
  private bull: Queue | undefined;
  private reader: Redis | undefined;
  private control: Redis | undefined;
  private seq = 0;
  /** Tasks not settled yet, by task id. */
  private readonly pending = new Map<string, Pending>();
  /** Jobs with a task not settled yet, by job id (for start notes and re-checks). */
  private readonly jobs = new Map<string, JobRef>();
  private batch: Batch | undefined;
  private reading = false;
  private connectedOnce = false;
  /** The periodic re-check (see {@link RECHECK_MS}); armed while tasks are pending. */
  private recheckTimer: NodeJS.Timeout | undefined;
  /** Withdrawals (removes/aborts) still in flight; shutdown waits for them. */
  private readonly withdrawing = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private closed = false;

  /**
   * Creates the executor. Connections open at the first submission.
   * @throws TypeError for a bad connection, queue name or option; RangeError for a negative
   *   count; MissingDependencyError when `bullmq` or `ioredis` is not installed.
   */
  constructor(options: RedisExecutorOptions) {
    super();
    if (typeof options !== 'object' || options === null)
      throw new TypeError('new RedisExecutor({ connection, queue }): options are required');
    this.redisOptions = connectionOptions(options.connection);
    this.queue = checkQueueName(options.queue ?? 'skein');
    this.maxRetriesOnDeath = nonNegativeInt(options.maxRetriesOnDeath, 'maxRetriesOnDeath', 2);
    this.keepFinished = nonNegativeInt(options.keepFinished, 'keepFinished', 3600);
    this.maxTasksPerJob = positiveInt(options.maxTasksPerJob, 'maxTasksPerJob', 64);
    this.minJobs = positiveInt(options.minJobs, 'minJobs', 256);
    loadBullMQ();
    this.id = randomBytes(8).toString('hex');
    this.replies = replyKey(this.queue, this.id);
  }

  protected get mapBuffer(): number {
    return 64;
  }

  /** Number of tasks submitted whose futures have not settled. */
  get pendingCount(): number {
    return this.pending.size;
  }

  // ── submission ───────────────────────────────────────────────────────────────────────

  /**
   * Schedules the worker task `fn` with `args` and returns its future. `fn` is a task name or
   * a reference from {@link remoteTasks} (which types the result). Python: `submit(fn, *args)`.
   * @throws RuntimeError after `shutdown()`; TypeError for a function (code does not travel) or
   *   an argument that is not plain data (naming its path).
   */
  override submit<F extends AnyFunction>(fn: Task<F>, ...args: Parameters<F>): Future<TaskResult<F>>;
  override submit(name: string, ...args: unknown[]): Future<unknown>;
  override submit(fn: Task<AnyFunction> | string, ...args: unknown[]): Future<unknown> {
    return this.submitWith({}, fn as string, ...args);
  }

  /**
   * `submit` with per-task options: `timeout` (milliseconds the task may run once a worker starts
   * it; then it is stopped there and the future fails with `TimeoutError`) and `signal` (aborting
   * it removes a waiting task or stops a running one, and fails the future with the signal's
   * reason). `transfer` does not apply across machines and is ignored. Not in Python.
   * @throws as {@link submit}; RangeError for a negative timeout.
   */
  override submitWith<F extends AnyFunction>(
    options: SubmitOptions,
    fn: Task<F>,
    ...args: Parameters<F>
  ): Future<TaskResult<F>>;
  override submitWith(options: SubmitOptions, name: string, ...args: unknown[]): Future<unknown>;
  override submitWith(
    options: SubmitOptions,
    fn: Task<AnyFunction> | string,
    ...args: unknown[]
  ): Future<unknown> {
    this.checkOpen();
    const name = taskName(fn);
    // Checked now (principle 9: fail at the call); encoded with the rest of its batch.
    checkData(args, 'args');
    const timeout = options?.timeout === undefined ? undefined : checkTimeout(options.timeout);
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new TypeError('signal must be an AbortSignal');
    const future = new Future<unknown>();
    if (signal?.aborted) {
      future.setException(reasonOf(signal));
      return future;
    }
    const p = this.enqueue(name, args, future, false, Number.isFinite(timeout) ? timeout : undefined);
    if (signal !== undefined) {
      const onAbort = () => {
        if (!future.done()) future.setException(reasonOf(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      p.unlisten = () => signal.removeEventListener('abort', onAbort);
    }
    return future;
  }

  /**
   * Python's `map(fn, iterable, timeout=None, chunksize=1, buffersize=None)` on remote workers:
   * each chunk of `chunksize` items is one job, run item by item on one worker. See
   * {@link MapOptions}.
   */
  override map<F extends AnyFunction>(
    fn: Task<F>,
    iterable: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterable<TaskResult<F>>;
  override map(
    name: string,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options?: MapOptions,
  ): AsyncIterable<unknown>;
  override map(
    fn: Task<AnyFunction> | string,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options?: MapOptions,
  ): AsyncIterable<unknown> {
    taskName(fn);
    return super.map(fn as Task<AnyFunction>, iterable, options);
  }

  protected override submitChunk(
    fn: Task<AnyFunction>,
    items: unknown[],
    firstIndex: number,
  ): Future<ChunkResult> {
    this.checkOpen();
    const name = taskName(fn);
    let a: string;
    try {
      a = encodeData(items, 'items');
    } catch (err) {
      // Name the offending item by its position in the whole iterable.
      for (let i = 0; i < items.length; i++) checkData(items[i], `iterable[${firstIndex + i}]`);
      throw err;
    }
    const future = new Future<ChunkResult>();
    this.enqueue(name, a, future as Future<unknown>, true, undefined);
    return future;
  }

  private checkOpen(): void {
    if (this.shutdownCalled) throw new RuntimeError('cannot schedule new futures after shutdown');
  }

  private enqueue(
    name: string,
    payload: string | unknown[],
    future: Future<unknown>,
    chunk: boolean,
    timeout: number | undefined,
  ): Pending {
    let batch = this.batch;
    if (batch === undefined) {
      batch = new Batch();
      this.batch = batch;
      queueMicrotask(() => this.flush());
    }
    const p: Pending = {
      id: `${this.id}.${++this.seq}`,
      name,
      future,
      chunk,
      payload,
      timeout,
      batch,
      job: undefined,
      answered: false,
      unlisten: undefined,
    };
    batch.tasks.push(p);
    this.pending.set(p.id, p);
    future.addDoneCallback(() => this.settled(p));
    this.recheckTimer ??= this.armRecheck();
    return p;
  }

  /**
   * The safety net behind the reply list: a reply popped from it just as the connection broke
   * is gone, and a reconnection's re-check may come before the worker marked the job finished.
   * Unref'd: the reply loop's connection is what keeps the program alive while tasks run.
   */
  private armRecheck(): NodeJS.Timeout {
    const timer = setInterval(() => {
      if (this.pending.size === 0 || this.closed) {
        clearInterval(timer);
        this.recheckTimer = undefined;
        return;
      }
      void this.recheck(false);
    }, RECHECK_MS);
    timer.unref();
    return timer;
  }

  /** A future settled, by a reply or locally (cancel, signal, failed add). */
  private settled(p: Pending): void {
    this.pending.delete(p.id);
    p.unlisten?.();
    const job = p.job;
    if (job?.tasks.every((t) => t.future.done())) this.jobs.delete(job.id);
    if (!p.answered) this.withdraw(p);
  }

  /** Sends a batch: chunks as jobs of their own, tasks grouped into jobs, `addBulk` pipelines of {@link BULK}. */
  private flush(): void {
    const batch = this.batch;
    this.batch = undefined;
    if (batch === undefined) return;
    const live = batch.tasks.filter((p) => !batch.dropped.has(p.id));
    const singles = live.filter((p) => !p.chunk);
    const perJob = Math.min(this.maxTasksPerJob, Math.max(1, Math.ceil(singles.length / this.minJobs)));
    const bulk: { name: string; data: JobData; opts: object }[] = [];
    const opts = (jobId: string) => ({
      jobId,
      removeOnComplete: { age: this.keepFinished },
      removeOnFail: { age: this.keepFinished },
    });
    try {
      for (const p of live) {
        if (!p.chunk) continue;
        this.addJob({ id: p.id, tasks: [p], batch });
        bulk.push({
          name: p.name,
          data: { v: PROTOCOL, x: this.id, a: p.payload as string, r: this.maxRetriesOnDeath, c: 1 },
          opts: opts(p.id),
        });
      }
      for (let i = 0; i < singles.length; i += perJob) {
        const tasks = singles.slice(i, i + perJob);
        const job: JobRef = { id: tasks[0]!.id, tasks, batch };
        this.addJob(job);
        const entries: TaskEntry[] = tasks.map((p) =>
          p.timeout === undefined
            ? [p.id, p.name, p.payload as unknown[]]
            : [p.id, p.name, p.payload as unknown[], p.timeout],
        );
        bulk.push({
          name: tasks.every((p) => p.name === tasks[0]!.name) ? tasks[0]!.name : 'batch',
          data: { v: PROTOCOL, x: this.id, a: serializeData(entries), r: this.maxRetriesOnDeath },
          opts: opts(job.id),
        });
      }
    } catch (err) {
      // Only if an argument changed between submit and now into something V8 cannot write.
      this.failBatch(batch, err);
      return;
    }
    const queue = this.queueClient();
    const adds: Promise<unknown>[] = [];
    for (let i = 0; i < bulk.length; i += BULK) adds.push(queue.addBulk(bulk.slice(i, i + BULK)));
    this.ensureReading();
    Promise.all(adds).then(
      () => batch.resolveSent(true),
      (err: unknown) => this.failBatch(batch, err),
    );
  }

  private addJob(job: JobRef): void {
    for (const p of job.tasks) p.job = job;
    this.jobs.set(job.id, job);
  }

  private failBatch(batch: Batch, err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    for (const p of batch.tasks) {
      if (!p.future.done()) {
        p.answered = true;
        p.future.setException(
          new RuntimeError(`could not add task ${p.id} to Redis: ${e.message}`, { cause: e }),
        );
      }
    }
    batch.resolveSent(false);
  }

  /**
   * Takes back a task whose future settled here (cancel, signal): a job holding only withdrawn
   * tasks is removed if it still waits; otherwise the task is marked cancelled for the worker
   * that holds or will take its job (see `protocol.ts`).
   */
  private withdraw(p: Pending): void {
    const job = p.job;
    if (job === undefined) {
      p.batch.dropped.add(p.id);
      return;
    }
    const work = (async () => {
      if (!(await p.batch.sent)) return;
      if (job.tasks.every((t) => t.future.done() && !t.answered)) {
        // 1: removed before any worker took it. 0, or an error (BullMQ throws for a job locked
        // by a worker): a worker may hold it, so it is told below.
        if (
          (await this.queueClient()
            .remove(job.id)
            .catch(() => 0)) === 1
        )
          return;
      }
      const key = cancelKey(this.queue, this.id);
      await this.controlClient()
        .multi()
        .sadd(key, p.id)
        .expire(key, REPLY_TTL)
        .publish(abortChannel(this.queue), p.id)
        .exec();
    })().catch(() => {
      // Redis unreachable: the task (if its job still exists) runs and its reply is ignored.
    });
    this.withdrawing.add(work);
    void work.finally(() => this.withdrawing.delete(work));
  }

  // ── results ──────────────────────────────────────────────────────────────────────────

  private queueClient(): Queue {
    if (this.bull === undefined) {
      const { Queue } = loadBullMQ();
      this.bull = new Queue(this.queue, {
        connection: bullConnection(this.redisOptions, `skein-executor:${this.id}`),
        prefix: PREFIX,
      });
      // Connection trouble is reported through the futures (and healed by reconnecting).
      this.bull.on('error', () => {});
    }
    return this.bull;
  }

  /** A plain client for cancels and re-checks (the reader's connection is blocked in BLPOP). */
  private controlClient(): Redis {
    if (this.control === undefined) {
      this.control = newClient(this.redisOptions, `skein-executor:${this.id}:control`);
      this.control.on('error', () => {});
    }
    return this.control;
  }

  private readerClient(): Redis {
    if (this.reader === undefined) {
      const reader = newClient(this.redisOptions, `skein-executor:${this.id}:replies`);
      reader.on('error', () => {});
      reader.on('ready', () => {
        if (this.connectedOnce) void this.recheck();
        this.connectedOnce = true;
      });
      this.reader = reader;
    }
    return this.reader;
  }

  /** Starts the reply loop unless it runs. It stops by itself once nothing is pending. */
  private ensureReading(): void {
    if (this.reading || this.closed) return;
    this.reading = true;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    const reader = this.readerClient();
    try {
      while (this.pending.size > 0 && !this.closed) {
        // Pipelined: LPOP takes what has piled up, BLPOP then waits for the next reply — so an
        // idle executor is woken by a reply at once, and a busy one takes replies in batches.
        const batch = reader.lpop(this.replies, READ_BATCH) as Promise<string[] | null>;
        const next = reader.blpop(this.replies, 0);
        // Marked handled: if `batch` fails first (connection closed), `next` is never awaited.
        next.catch(() => undefined);
        for (const text of (await batch) ?? []) this.onReply(text);
        const got = await next;
        if (got !== null) this.onReply(got[1]);
      }
    } catch {
      // The connection was closed by shutdown (or will be re-established, and then re-checked).
    } finally {
      this.reading = false;
    }
    if (this.pending.size > 0 && !this.closed) this.ensureReading();
  }

  private onReply(text: string): void {
    const r = parseReply(text);
    if (r === undefined) return;
    if (r.kind === 's') {
      const job = this.jobs.get(r.id);
      if (job !== undefined)
        for (const p of job.tasks) if (p.future.state === 'PENDING') p.future.setRunningOrNotifyCancel();
      return;
    }
    const p = this.pending.get(r.id);
    if (p === undefined) return; // settled already: a second delivery, or cancelled here
    p.answered = true;
    try {
      if (r.kind === 'v')
        p.future.setResult(p.chunk ? this.decodeChunk(p, r.payload) : decodeData(r.payload));
      else p.future.setException(decodeError(r.payload, this.where(p)));
    } catch (err) {
      if (!p.future.done()) p.future.setException(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private where(p: Pending): string {
    return `Redis task ${p.id} ('${p.name}')`;
  }

  private decodeChunk(p: Pending, payload: string): ChunkResult {
    const data = decodeData(payload) as { values?: unknown; errors?: unknown };
    if (!Array.isArray(data?.values))
      throw new TypeError(`${this.where(p)}: a map chunk's reply has no values`);
    let errors: Map<number, Error> | undefined;
    if (Array.isArray(data.errors) && data.errors.length > 0) {
      errors = new Map();
      for (const entry of data.errors as [number, string][])
        errors.set(entry[0], decodeError(entry[1], this.where(p)));
    }
    return { values: data.values, errors };
  }

  /**
   * After a reconnection, and every {@link RECHECK_MS} while tasks are pending: reads the hash of
   * every job with a pending task. A finished job settles its tasks from its stored replies, a
   * failed one with BullMQ's reason, and — after a reconnection only (`lost`) — a vanished one
   * with `JobLostError`. (The periodic check leaves vanished jobs alone: with `keepFinished: 0` a
   * job is removed as it completes, while its reply may still wait in the list.)
   */
  private async recheck(lost = true): Promise<void> {
    const todo = [...this.jobs.values()].filter((j) => j.batch !== this.batch);
    if (todo.length === 0) return;
    try {
      const client = this.controlClient();
      for (let i = 0; i < todo.length; i += READ_BATCH) {
        const part = todo.slice(i, i + READ_BATCH);
        // A job whose add was not acknowledged yet is looked at once it is.
        const sent = await Promise.all(part.map((j) => j.batch.sent));
        const pipe = client.pipeline();
        for (const j of part)
          pipe.hmget(jobKey(this.queue, j.id), 'name', 'returnvalue', 'failedReason', 'finishedOn');
        const rows = (await pipe.exec()) ?? [];
        part.forEach((job, k) => {
          const [err, row] = rows[k] ?? [null, null];
          if (!sent[k] || err) return;
          const [name, returnvalue, failedReason, finishedOn] = (row as (string | null)[] | null) ?? [];
          if (name === null || name === undefined) {
            if (!lost) return;
            this.failJob(
              job,
              (p) =>
                new JobLostError(
                  `${this.where(p)} is no longer in Redis: the server restarted without persistence, ` +
                    'evicted it (set maxmemory-policy noeviction), or the queue was deleted',
                  p.id,
                ),
            );
          } else if (typeof returnvalue === 'string' && returnvalue !== 'null') {
            const stored: unknown = JSON.parse(returnvalue);
            if (Array.isArray(stored))
              for (const text of stored) if (typeof text === 'string') this.onReply(text);
          } else if (finishedOn && failedReason) {
            this.failJob(
              job,
              (p) => new RuntimeError(`${this.where(p)} failed in the worker: ${failedReason}`),
            );
          }
        });
      }
    } catch {
      // Disconnected again: the next reconnection re-checks.
    }
  }

  private failJob(job: JobRef, error: (p: Pending) => Error): void {
    for (const p of job.tasks) {
      if (p.future.done()) continue;
      p.answered = true;
      p.future.setException(error(p));
    }
  }

  // ── shutdown ─────────────────────────────────────────────────────────────────────────

  /**
   * Accepts no more tasks; with `cancelFutures`, cancels every task no worker has started (they
   * are taken out of the queue); with `wait` (the default), resolves once every pending future
   * has settled, then closes the connections. Python: `shutdown(wait=True, *, cancel_futures=False)`.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options;
    this.shutdownCalled = true;
    if (cancelFutures) for (const p of [...this.pending.values()]) p.future.cancel();
    this.closing ??= this.close();
    return wait ? this.closing : Promise.resolve();
  }

  private async close(): Promise<void> {
    await Promise.all(
      [...this.pending.values()].map(
        (p) => new Promise<void>((resolve) => p.future.addDoneCallback(() => resolve())),
      ),
    );
    await Promise.all(this.withdrawing);
    this.closed = true;
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
    this.reader?.disconnect();
    await this.control?.quit().catch(() => this.control?.disconnect());
    await this.bull?.close();
  }
}

function nonNegativeInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  if (value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
  return value;
}
