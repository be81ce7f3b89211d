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
