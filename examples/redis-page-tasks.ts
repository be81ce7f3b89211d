/**
 * The task module of the tour's skein/redis section: what a `skein-worker` runs. Its exported
 * functions are the only code a worker will run; clients name them (`remoteTasks`).
 */

/** One fetched page, and the worker that fetched it. */
export interface Page {
  url: string;
  status: number;
  length: number;
  worker: string;
}

/** The tutorial's get_page: fetches one page (within `timeout` ms) on whichever worker takes the job. */
export async function getPage(url: string, timeout: number): Promise<Page> {
  const worker = process.env.SKEIN_TOUR_WORKER ?? `pid ${process.pid}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeout) });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status} (fetched by ${worker})`);
  return { url, status: response.status, length: text.length, worker };
}

/** One turn with the tour's RedisLock: who held it, with which fence, and when. */
export interface LockTurn {
  holder: string;
  fence: number;
  from: number;
  to: number;
}

/**
 * Takes the RedisLock named `name` (in the tour's namespace on the Redis at `url`), holds it for
 * `ms` and answers with its fencing token — run by whichever worker takes the job, and by the
 * tour's own process.
 */
export async function lockTurn(url: string, name: string, ms: number, holder?: string): Promise<LockTurn> {
  const { RedisManager } = await import('skein/redis');
  await using manager = await RedisManager.connect({ connection: url, namespace: 'tour' });
  const lock = manager.Lock(name);
  using _ = await lock.hold();
  const from = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  return {
    holder: holder ?? process.env.SKEIN_TOUR_WORKER ?? `pid ${process.pid}`,
    fence: lock.fence ?? 0,
    from,
    to: Date.now(),
  };
}
