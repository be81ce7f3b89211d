/**
 * `RedisWorker`: takes jobs of a skein queue from Redis (a BullMQ `Worker`) and runs them on a
 * local skein pool, replying to the executor that submitted each one.
 *
 * ## A job's life here
 *
 * ```
 *  BullMQ fetch ─► check data (untrusted) ─► stalled too often? ──yes──► reply WorkerDiedError
 *                                                 │ no
 *                         start note 's' ◄────────┤
 *                                                 ▼
 *                  look up the task name among the module's exports (unknown: reply an error)
 *                                                 ▼
 *                  run on the pool (timeout; abort channel → stop) ─► reply 'v' or 'e'
 *                                                 ▼
 *                  return the reply: BullMQ completes the job with it as `returnvalue`
 * ```
 *
 * **Deaths.** A worker that dies mid-job stops renewing the job's lock; after `lockDuration`
 * another worker's stalled-job check puts the job back in the queue with its stalled counter
 * raised (BullMQ's own bookkeeping, atomic in Redis). The worker that takes it next compares
 * that counter with the executor's `maxRetriesOnDeath`, carried in the job, and past it fails
 * the job with `WorkerDiedError` instead of running it. BullMQ's own limit (`maxStalledCount`)
 * is set out of the way so that the executor's setting rules.
 *
 * **Data is only data.** The job's name is looked up among the functions the task module
 * exports (own properties of the module namespace, so `constructor` or `__proto__` name
 * nothing), its data is checked field by field, and its arguments are decoded by V8's
 * deserializer, which builds values only.
 *
 * @module
 */
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job, Worker } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { CancelledError, RuntimeError, WorkerDiedError } from '../../core/errors.js';
import { positiveInt } from '../../core/options.js';
import { type TaskRef, task } from '../../core/task.js';
import { checkTimeout } from '../../core/wait-options.js';
import { decodeData, encodeData, encodeError } from '../codec.js';
import {
  bullConnection,
  connectionOptions,
  describeConnection,
  newClient,
  type RedisConnection,
} from '../connection.js';
import { loadBullMQ } from '../deps.js';
import {
  abortChannel,
  cancelKey,
  checkEntries,
  checkJobData,
  checkQueueName,
  PREFIX,
  reply,
  replyKey,
  type TaskEntry,
} from '../executor/protocol.js';
import type { BatchCall, runBatch } from './batch-runner.js';
import { createJobPool, type JobPool, type PoolKind } from './job-pool.js';
import { ReplySender } from './reply-sender.js';

/** Options of {@link RedisWorker}. */
export interface RedisWorkerOptions {
  /** Where Redis is: a `redis://host:port` URL or ioredis options. */
  connection: RedisConnection;
  /** The queue to take jobs from. Default `'skein'`. */
  queue?: string | undefined;
  /** The task module: a URL, `file:` URL string or path (relative to the current directory). Its exported functions are the tasks. */
  tasks: URL | string;
  /** The kind of local pool jobs run on. Default `'thread'`. */
  pool?: PoolKind | undefined;
  /** Threads or processes in the pool (`'local'`: calls at once). Default `os.availableParallelism()` (`'local'`: `concurrency`). */
  maxWorkers?: number | undefined;
  /** Jobs taken from Redis at once (running or waiting for a pool worker). Default `maxWorkers * 4` (`'local'`: 16). */
  concurrency?: number | undefined;
  /** Milliseconds a job's lock lasts without renewal: how long a dead worker's job waits before another takes it. Default 30000. */
  lockDuration?: number | undefined;
  /** Milliseconds between this worker's checks for jobs of dead workers. Default `lockDuration`. */
  stalledInterval?: number | undefined;
  /** This worker's name in messages. Default `HOST:PID`. */
  name?: string | undefined;
  /** Told about connection and job-handling trouble. Default: printed to stderr (once per distinct message in a row). */
  onError?: ((error: Error) => void) | undefined;
}

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/** Milliseconds a job runs before its start note is sent (see `ReplySender.noteLater`). */
const START_NOTE_DELAY = 2;

/** Milliseconds `start()` waits for Redis before failing. */
const START_TIMEOUT = 30_000;

/**
 * A worker that runs a skein queue's jobs (submitted by `RedisExecutor`s anywhere) on a local
 * pool. The library form of the `skein-worker` command. Not a Python class (Celery's worker is
 * the nearest).
 *
 * States: `new` ─start()─► `starting` ─► `running` ─close()─► `closing` ─► `closed`.
 *
 * @example
 * const worker = new RedisWorker({ connection: 'redis://127.0.0.1:6379', tasks: new URL('./tasks.js', import.meta.url) });
 * await worker.start();
 * process.once('SIGTERM', () => void worker.close());
 */
export class RedisWorker {
  /** The queue's name. */
  readonly queue: string;
  /** This worker's name. */
  readonly name: string;
  /** The pool kind. */
  readonly pool: PoolKind;
  /** Pool size. */
  readonly maxWorkers: number;
  /** Jobs held at once. */
  readonly concurrency: number;
  /** The task module's URL. */
  readonly tasks: string;
  private readonly redisOptions: RedisOptions;
  private readonly lockDuration: number;
  private readonly stalledInterval: number;
  private readonly onError: (error: Error) => void;
  private state: State = 'new';
  private exports = new Set<string>();
  private readonly refs = new Map<string, TaskRef>();
  private jobPool: JobPool | undefined;
  private bull: Worker | undefined;
  private client: Redis | undefined;
  private subscriber: Redis | undefined;
  private replies: ReplySender | undefined;
  private readonly active = new Map<string, AbortController>();
  private readonly batchRunner = task<typeof runBatch>(
    new URL('./batch-runner.js', import.meta.url),
    'runBatch',
  );
  private closing: Promise<void> | undefined;
  private running: Promise<void> | undefined;

  /**
   * Creates the worker (nothing connects until {@link start}).
   * @throws TypeError/RangeError for bad options; MissingDependencyError when `bullmq` or
   *   `ioredis` is not installed.
   */
  constructor(options: RedisWorkerOptions) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('new RedisWorker({ connection, tasks }): options are required');
    this.redisOptions = connectionOptions(options.connection);
    this.queue = checkQueueName(options.queue ?? 'skein');
    this.tasks = moduleUrl(options.tasks);
    const pool = options.pool ?? 'thread';
    if (pool !== 'thread' && pool !== 'process' && pool !== 'local')
      throw new TypeError(`pool must be 'thread', 'process' or 'local', got ${JSON.stringify(pool)}`);
    this.pool = pool;
    const concurrencyGiven =
      options.concurrency === undefined ? undefined : positiveInt(options.concurrency, 'concurrency', 1);
    this.maxWorkers = positiveInt(
      options.maxWorkers,
      'maxWorkers',
      pool === 'local' ? (concurrencyGiven ?? 16) : availableParallelism(),
    );
    this.concurrency = concurrencyGiven ?? (pool === 'local' ? this.maxWorkers : this.maxWorkers * 4);
    this.lockDuration = positiveInt(options.lockDuration, 'lockDuration', 30_000);
    this.stalledInterval = positiveInt(options.stalledInterval, 'stalledInterval', this.lockDuration);
    this.name = options.name ?? `${hostname()}:${process.pid}`;
    this.onError = options.onError ?? defaultReporter(this.name);
    loadBullMQ();
  }

  /** The task names this worker runs (known once {@link start} has loaded the module). */
  get taskNames(): string[] {
    return [...this.exports].sort();
  }

  /** Jobs this worker is running now. */
  get activeJobs(): number {
    return this.active.size;
  }

  /**
   * Loads the task module, starts the pool, connects, and begins taking jobs. Resolves once the
   * worker is listening.
   * @throws RuntimeError when called twice; the task module's import error; an error when Redis
   *   cannot be reached within 30 s.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new RuntimeError(`RedisWorker ${this.name} was already started`);
    this.state = 'starting';
    const mod = (await import(this.tasks)) as Record<string, unknown>;
    for (const key of Object.keys(mod)) if (typeof mod[key] === 'function') this.exports.add(key);
    if (this.exports.size === 0) throw new TypeError(`the task module ${this.tasks} exports no functions`);
    this.jobPool = createJobPool(this.pool, this.maxWorkers, `skein-worker`);
    this.client = newClient(this.redisOptions, `skein-worker:${this.name}`);
    this.client.on('error', (e: Error) => this.onError(e));
    this.replies = new ReplySender(this.client);
    this.subscriber = newClient(this.redisOptions, `skein-worker:${this.name}:abort`);
    this.subscriber.on('error', () => {}); // the main client reports connection trouble once
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      this.active.get(jobId)?.abort(new CancelledError(`job ${jobId} was cancelled by its executor`));
    });
    const { Worker } = loadBullMQ();
    this.bull = new Worker(this.queue, (job: Job) => this.process(job), {
      connection: bullConnection(this.redisOptions, `skein-worker:${this.name}:jobs`),
      prefix: PREFIX,
      concurrency: this.concurrency,
      lockDuration: this.lockDuration,
      stalledInterval: this.stalledInterval,
      // The executor's maxRetriesOnDeath (carried in each job) rules; see the module comment.
      maxStalledCount: 1_000_000,
      autorun: false,
      name: this.name,
    });
    this.bull.on('error', (e: Error) => this.onError(e));
    const ready = Promise.all([
      this.bull.waitUntilReady(),
      this.subscriber.subscribe(abortChannel(this.queue)),
      this.client.ping(),
    ]);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ready,
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `Redis at ${describeConnection(this.redisOptions)} did not answer within ${START_TIMEOUT / 1000} s`,
                ),
              ),
            START_TIMEOUT,
          );
        }),
      ]);
    } catch (err) {
      await this.close({ force: true });
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.running = this.bull
      .run()
      .catch((e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))));
    this.state = 'running';
  }

  /**
   * Stops taking jobs, lets the running ones finish and reply (unless `force`), then closes the
   * pool and the connections. Calling it again returns the same promise. A job still held when a
   * forced close ends is taken by another worker after its lock expires.
   */
  close(options: { force?: boolean } = {}): Promise<void> {
    this.closing ??= (async () => {
      const force = options.force === true;
      this.state = 'closing';
      if (force) for (const c of this.active.values()) c.abort(new CancelledError('the worker is stopping'));
      await this.bull?.close(force).catch((e: unknown) => this.onError(e as Error));
      await this.running;
      await this.replies?.drain();
      await this.jobPool?.shutdown({ wait: !force, cancelFutures: true });
      this.subscriber?.disconnect();
      await this.client?.quit().catch(() => this.client?.disconnect());
      this.state = 'closed';
    })();
    return this.closing;
  }

  /** Runs one job; its replies become the job's `returnvalue`. */
  private async process(job: Job): Promise<string[]> {
    const jobId = job.id ?? '';
    const data = checkJobData(job.data); // a malformed job fails in BullMQ: there is no one to reply to
    const key = replyKey(this.queue, data.x);
    const replies = this.replies!;
    const chunk = data.c === 1;
    let entries: TaskEntry[] | undefined;
    let sent: string[];
    if (!chunk) {
      try {
        entries = checkEntries(decodeData(data.a));
      } catch (err) {
        // No task ids to answer: fail the job in BullMQ (the executor sees it on a re-check).
        throw err instanceof Error ? err : new Error(String(err));
      }
    }
    const ids = entries === undefined ? [jobId] : entries.map((e) => e[0]);
    if (job.stalledCounter > data.r) {
      const n = job.stalledCounter;
      sent = ids.map((id, i) => {
        const name = entries === undefined ? job.name : entries[i]![1];
        const err = new WorkerDiedError(
          `task ${id} ('${name}'${id === jobId ? '' : `, in job ${jobId}`}) was taken by ${n} worker${n === 1 ? '' : 's'} ` +
            `that died before finishing it (attempts: ${n}, maxRetriesOnDeath: ${data.r})`,
          { reason: 'signal' },
        );
        Object.assign(err, { jobId, attempts: n });
        return reply('e', id, encodeError(err));
      });
      await Promise.all(sent.map((text) => replies.push(key, text)));
      return sent;
    }
    // Register for aborts first, read the cancel set second: see protocol.ts.
    const controls = ids.map((id) => {
      const c = new AbortController();
      this.active.set(id, c);
      return c;
    });
    try {
      const dropNote = replies.noteLater(key, reply('s', jobId), START_NOTE_DELAY);
      if (entries === undefined) {
        let text: string;
        try {
          text = reply('v', jobId, await this.runChunk(job.name, data.a));
        } catch (err) {
          text = reply('e', jobId, encodeError(err));
        }
        dropNote();
        await replies.push(key, text);
        return [text];
      }
      if (entries.length > 1 && this.client !== undefined) {
        const flags = await this.client.smismember(cancelKey(this.queue, data.x), ...ids);
        flags.forEach((f, i) => {
          if (f === 1) controls[i]!.abort(new CancelledError(`task ${ids[i]} was cancelled by its executor`));
        });
      }
      sent = await this.runEntries(entries, controls, (text) => {
        dropNote();
        return replies.push(key, text);
      });
      return sent;
    } finally {
      for (const id of ids) this.active.delete(id);
    }
  }

  /**
   * Runs a batch's tasks and pushes each reply as it is ready. A task with a timeout runs alone
   * (its pool stops it at the deadline); an unknown name is answered here; the rest run as at most
   * `maxWorkers` slices, one pool message each ({@link runBatch}).
   */
  private async runEntries(
    entries: TaskEntry[],
    controls: AbortController[],
    push: (text: string) => Promise<void>,
  ): Promise<string[]> {
    const sent: string[] = [];
    const send = async (text: string) => {
      sent.push(text);
      await push(text);
    };
    const work: Promise<void>[] = [];
    const plain: BatchCall[] = [];
    entries.forEach(([id, name, args, timeout], i) => {
      const signal = controls[i]!.signal;
      if (signal.aborted) return; // cancelled before it began: its future is settled already
      if (!this.exports.has(name)) {
        work.push(send(reply('e', id, encodeError(this.unknownTask(name)))));
      } else if (timeout !== undefined || entries.length === 1) {
        work.push(
          this.runTask(name, args, timeout, signal).then(
            (value) => send(reply('v', id, value)),
            (err: unknown) => send(reply('e', id, encodeError(err))),
          ),
        );
      } else {
        plain.push([id, name, args]);
      }
    });
    const slices = Math.min(this.maxWorkers, plain.length);
    for (let k = 0; k < slices; k++) {
      const slice = plain.slice(
        Math.floor((k * plain.length) / slices),
        Math.floor(((k + 1) * plain.length) / slices),
      );
      work.push(
        this.jobPool!.run(this.batchRunner, [this.tasks, slice], {
          timeout: undefined,
          signal: undefined,
        }).then(
          (texts) => Promise.all((texts as string[]).map(send)).then(() => {}),
          (err: unknown) =>
            Promise.all(slice.map(([id]) => send(reply('e', id, encodeError(err))))).then(() => {}),
        ),
      );
    }
    await Promise.all(work);
    return sent;
  }

  /** Runs one task on the pool and returns its encoded result. */
  private async runTask(
    name: string,
    args: unknown[],
    timeout: number | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    const ref = this.taskRef(name);
    const t = timeout === undefined ? undefined : checkTimeout(timeout);
    return encodeData(await this.jobPool!.run(ref, args, { timeout: t, signal }), 'result');
  }

  /** Runs a map chunk as one pool task and returns its encoded outcomes. */
  private async runChunk(name: string, encoded: string): Promise<string> {
    const ref = this.taskRef(name);
    const items = decodeData(encoded);
    if (!Array.isArray(items)) throw new TypeError("job data: the chunk's items are not an array");
    const r = await this.jobPool!.runChunk(ref, items);
    const errors = r.errors === undefined ? [] : [...r.errors].map(([i, e]) => [i, encodeError(e)]);
    return encodeData({ values: r.values, errors }, 'result');
  }

  private unknownTask(name: string): RuntimeError {
    return new RuntimeError(
      `task '${name}' is not exported by the task module of worker ${this.name} (${this.tasks}); ` +
        `it exports: ${[...this.exports].sort().join(', ')}`,
    );
  }

  private taskRef(name: string): TaskRef {
    let ref = this.refs.get(name);
    if (ref === undefined) {
      if (!this.exports.has(name)) throw this.unknownTask(name);
      ref = task(this.tasks, name);
      this.refs.set(name, ref);
    }
    return ref;
  }
}

function moduleUrl(tasks: URL | string): string {
  if (tasks instanceof URL) return tasks.href;
  if (typeof tasks !== 'string' || tasks === '')
    throw new TypeError('tasks must be the task module: a URL, a file: URL string or a path');
  if (tasks.startsWith('file:')) return tasks;
  return pathToFileURL(resolve(tasks)).href;
}

/** Prints errors to stderr, skipping a message identical to the previous one (a reconnect loop). */
function defaultReporter(name: string): (error: Error) => void {
  let last = '';
  return (error) => {
    const line = `skein-worker ${name}: ${error.message}`;
    if (line === last) return;
    last = line;
    process.stderr.write(`${line}\n`);
  };
}
