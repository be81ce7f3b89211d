/**
 * What an executor and its workers say to each other through Redis — one table that both
 * sides read, so they cannot drift apart.
 *
 * ```
 *  RedisExecutor                        Redis                                  RedisWorker
 *  ─────────────                        ─────                                  ───────────
 *  addBulk(jobs) ─────────────► BullMQ queue `PREFIX:QUEUE:*` ──── BullMQ fetch ───► processor
 *                                                                                     │ 's' note
 *  reader: LPOP / BLPOP ◄────── reply list `PREFIX:QUEUE:skein:reply:EXECUTOR` ◄──────┤ 'v'/'e' reply
 *                                                                                     │ (then BullMQ
 *  cancel / signal ───PUBLISH─► channel `PREFIX:QUEUE:skein:abort` ───── SUBSCRIBE ──►│  completes the
 *                                                                                        job, keeping the
 *                                                                                        reply as its
 *                                                                                        returnvalue)
 * ```
 *
 * - A **job** is a BullMQ job whose data is {@link JobData}: a few plain fields and one base64
 *   string of V8-serialized values. It carries either a **batch** of tasks — each a
 *   {@link TaskEntry} `[taskId, name, args, timeout?]`; the tasks an executor was given in one
 *   synchronous stretch share jobs, so BullMQ's per-job cost is paid once per batch — or, with
 *   `c: 1`, one `map` **chunk** (items for one task name, which is then the job's name). Ids are
 *   `EXECUTOR.SEQ`, chosen by the executor so a reply can be matched before `addBulk` returns; a
 *   batch job's id is its first task's.
 * - A **reply** is one string in the executor's reply list: a kind letter, an id, a space, and a
 *   payload — `sJOB ` (a worker started that job), `vTASK DATA` (a value), `eTASK DATA` (an error
 *   envelope). A worker pushes a task's result *before* BullMQ marks the job completed, and keeps
 *   the job's replies as its `returnvalue`; so a worker that dies in between makes the job run
 *   again (at least once) and the executor ignores the second reply, and an executor that lost a
 *   reply (a Redis restart) finds it in the job's hash when it re-checks its pending jobs.
 * - **Cancelling** a task of a batch job that a worker may already hold: the executor adds the
 *   task id to its cancel set (`PREFIX:QUEUE:skein:cancelled:EXECUTOR`), then publishes it on the
 *   abort channel. A worker registers a job's tasks for aborts first and reads the cancel set
 *   second, so whichever way the two race, a cancelled task is skipped or stopped.
 * - Nothing in a job or reply selects code: the task name is looked up among the exports the
 *   worker was started with, the executor id only names a key under the queue's own prefix, and
 *   values are data (`codec.ts`).
 *
 * @module
 */

/** BullMQ key prefix used by skein's queues (BullMQ's default is `bull`). */
export const PREFIX = 'skein';

/** Version of {@link JobData}; a worker refuses jobs of another version with a clear error. */
export const PROTOCOL = 1;

/** How long (seconds) an unread reply list lives after its last push: an executor that died leaves no garbage. */
export const REPLY_TTL = 24 * 3600;

/** The data of a skein job (BullMQ stores it as JSON). */
export interface JobData {
  /** {@link PROTOCOL}. */
  v: number;
  /** The submitting executor's id: 16 hex digits. */
  x: string;
  /** A batch's {@link TaskEntry} list, or a chunk's items, encoded by `codec.ts`. */
  a: string;
  /** Worker deaths tolerated before the job fails with `WorkerDiedError` (`maxRetriesOnDeath`). */
  r: number;
  /** 1 when `a` holds a map chunk: the job's name is the task, run once per item. */
  c?: 1;
}

/** One task of a batch job: its id, task name, arguments, and run-time limit in milliseconds. */
export type TaskEntry = [id: string, name: string, args: unknown[], timeout?: number];

/**
 * Validates a decoded batch (untrusted input).
 * @throws TypeError saying what is wrong.
 */
export function checkEntries(value: unknown): TaskEntry[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError('job data: the batch is not a list of tasks');
  for (const e of value) {
    if (
      !Array.isArray(e) ||
      typeof e[0] !== 'string' ||
      typeof e[1] !== 'string' ||
      !Array.isArray(e[2]) ||
      (e[3] !== undefined && (typeof e[3] !== 'number' || !(e[3] >= 0)))
    )
      throw new TypeError('job data: a batch entry is not [id, name, args, timeout?]');
  }
  return value as TaskEntry[];
}

const executorIdPattern = /^[0-9a-f]{16}$/;

/** True when `id` is a well-formed executor id. */
export function isExecutorId(id: unknown): id is string {
  return typeof id === 'string' && executorIdPattern.test(id);
}

/**
 * Validates job data received from Redis (it is untrusted input).
 * @throws TypeError saying which field is wrong.
 */
export function checkJobData(data: unknown): JobData {
  if (typeof data !== 'object' || data === null) throw new TypeError('job data is not an object');
  const d = data as Record<string, unknown>;
  if (d.v !== PROTOCOL)
    throw new TypeError(
      `job data has protocol version ${String(d.v)}; this worker speaks version ${PROTOCOL}`,
    );
  if (!isExecutorId(d.x)) throw new TypeError('job data has no valid executor id (x)');
  if (typeof d.a !== 'string') throw new TypeError('job data has no encoded arguments (a)');
  if (typeof d.r !== 'number' || !Number.isInteger(d.r) || d.r < 0)
    throw new TypeError('job data has no valid retry count (r)');
  if (d.c !== undefined && d.c !== 1) throw new TypeError('job data has an invalid chunk flag (c)');
  return d as unknown as JobData;
}

/** The reply list of an executor. */
export function replyKey(queue: string, executorId: string): string {
  return `${PREFIX}:${queue}:skein:reply:${executorId}`;
}

/** The set of an executor's cancelled task ids (read by workers taking a batch job). */
export function cancelKey(queue: string, executorId: string): string {
  return `${PREFIX}:${queue}:skein:cancelled:${executorId}`;
}

/** The channel on which executors ask workers to stop a job (the message is the task id). */
export function abortChannel(queue: string): string {
  return `${PREFIX}:${queue}:skein:abort`;
}

/** The hash BullMQ keeps for a job. */
export function jobKey(queue: string, jobId: string): string {
  return `${PREFIX}:${queue}:${jobId}`;
}

/** The kinds of reply. */
export type ReplyKind = 's' | 'v' | 'e';

/** Builds a reply string. */
export function reply(kind: ReplyKind, id: string, payload = ''): string {
  return `${kind}${id} ${payload}`;
}

/** Splits a reply string; `undefined` when it is malformed. */
export function parseReply(text: string): { kind: ReplyKind; id: string; payload: string } | undefined {
  const kind = text[0];
  const space = text.indexOf(' ');
  if ((kind !== 's' && kind !== 'v' && kind !== 'e') || space < 2) return undefined;
  return { kind, id: text.slice(1, space), payload: text.slice(space + 1) };
}

/** Checks a queue name (BullMQ refuses `:` in it). @throws TypeError */
export function checkQueueName(queue: unknown): string {
  if (typeof queue !== 'string' || queue === '' || queue.includes(':'))
    throw new TypeError(`queue must be a non-empty string without ':', got ${JSON.stringify(queue)}`);
  return queue;
}
