/**
 * The parking layer: put the calling thread (or async task) to sleep on one 32-bit word of a
 * SharedArrayBuffer until another thread wakes that word, and wake sleepers. Every skein
 * primitive and queue is a thin face on this (as parking_lot's locks sit on its parking lot).
 *
 * It is the shape of `Atomics.wait` / `Atomics.waitAsync` / `Atomics.notify`, plus what those
 * lack for skein:
 *
 * - **A wait keeps the program alive.** A pending `Atomics.waitAsync` holds no event-loop
 *   handle, so a program whose only remaining work is `await event.wait()` would simply exit
 *   (or end with "unsettled top-level await") while a thread is about to set the event. A
 *   Python thread blocked in a wait keeps the process alive, so an async park holds a
 *   referenced timer until it settles, timed or not. (A real deadlock therefore hangs, as in
 *   Python; the `…Sync` calls detect the ones that can be detected.)
 * - **Aborts leave no phantom waiter.** V8 cannot withdraw one `waitAsync` waiter; a withdrawn
 *   but still-registered waiter could swallow a later `notify(…, 1)` meant for a live one (a
 *   lost wake-up). So an aborted park wakes *every* waiter of its word, removing itself; the
 *   others see a spurious wake-up and re-check their condition, which every caller of this
 *   layer must do anyway.
 *
 * - **Waits may poll.** A caller that must notice something no one will `unpark` for (a lock
 *   holder that died) parks in bounded slices; {@link parkUntil} holds one keep-alive timer for
 *   the whole wait and parks its slices with `keepAlive = false`.
 *
 * Callers follow the usual futex discipline: read the word, decide to sleep, then park with
 * the value read as `expected` — if the word changed in between, the park returns
 * `'not-equal'` at once, so a wake-up that lands between the check and the sleep is never lost.
 *
 * Waits that pass a {@link WaitSubject} are also recorded for thread dumps and deadlock
 * detection once they park (see `./watch.ts`).
 *
 * @module
 */

import { waitSync } from '../core/exit-cleanup.js';
import { WATCH_AFTER_MS, type WaitSubject, Watch } from './watch.js';

/** Why a park returned: woken (`'ok'`, possibly spuriously), the word had already changed, or time ran out. */
export type ParkResult = 'ok' | 'not-equal' | 'timed-out';

/**
 * Sleeps this thread while `cells[index] === expected`, for at most `timeout` ms (`Infinity`:
 * no limit). Blocks the event loop: meant for `…Sync` calls and worker code.
 */
export function parkSync(cells: Int32Array, index: number, expected: number, timeout: number): ParkResult {
  // Not a bare Atomics.wait: a long block must not hold back Ctrl-C (core/exit-cleanup.ts).
  return waitSync(cells, index, expected, timeout);
}

/**
 * Sleeps this async task while `cells[index] === expected`, for at most `timeout` ms
 * (`Infinity`: no limit), without blocking the event loop.
 * `keepAlive = false` skips the timer that keeps the event loop alive while it waits (for
 * slices of a longer wait that holds its own).
 * @throws the signal's reason (rejects) when `signal` is or becomes aborted.
 */
export function park(
  cells: Int32Array,
  index: number,
  expected: number,
  timeout: number,
  signal?: AbortSignal,
  keepAlive = true,
): Promise<ParkResult> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const finite = timeout !== Number.POSITIVE_INFINITY;
  const w = Atomics.waitAsync(cells, index, expected, finite ? timeout : undefined);
  if (!w.async) return Promise.resolve(w.value);
  if (!keepAlive && signal === undefined) return w.value;
  return new Promise<ParkResult>((resolve, reject) => {
    let settled = false;
    // Only keeps the event loop alive, until the wait settles; the wait's own timeout decides
    // the result. (Not `timeout + 1`: V8 resolves a timed-out waitAsync from a platform task
    // that holds no loop handle and may run after such a timer, and Node would exit first.)
    const keepAliveTimer = keepAlive ? setTimeout(() => {}, 2 ** 31 - 1) : undefined;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      if (keepAliveTimer) clearTimeout(keepAliveTimer);
      // Remove our registered waiter (see the module comment): wake everyone on this word.
      Atomics.notify(cells, index);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    w.value.then((result) => {
      if (settled) return;
      settled = true;
      if (keepAliveTimer) clearTimeout(keepAliveTimer);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    });
  });
}

/**
 * Wakes up to `count` threads or tasks parked on `cells[index]` (all by default). Returns how
 * many were woken. Never blocks; callable from any thread.
 */
export function unpark(cells: Int32Array, index: number, count = Number.POSITIVE_INFINITY): number {
  return Atomics.notify(cells, index, count);
}

/**
 * What a wait loop's `attempt` reports: `true` when the caller got what it waits for, or the
 * value it read from the parking word, to park on (futex discipline: the park returns at once
 * if the word no longer holds that value).
 */
export type Attempt = () => true | number;

/**
 * The wait loop of every `…Sync` call: `attempt()`, and while it fails, park on
 * `cells[index]` with the value it read, until the deadline (`timeout` ms, `Infinity`: none).
 * Parks in slices of at most `slice` ms, so `attempt` can notice what nobody wakes the word for.
 * Returns true when `attempt` succeeded, false when time ran out; `attempt` always runs once
 * more after each wake-up, so a wake-up is never wasted on a waiter that then gives up.
 */
export function parkUntilSync(
  cells: Int32Array,
  index: number,
  attempt: Attempt,
  timeout: number,
  slice = Number.POSITIVE_INFINITY,
  subject?: WaitSubject,
  call = 'waitSync',
): boolean {
  const start = performance.now();
  const deadline = timeout === Number.POSITIVE_INFINITY ? timeout : start + timeout;
  let watch: Watch | undefined;
  try {
    for (;;) {
      const seen = attempt();
      if (seen === true) return true;
      const now = performance.now();
      const left = deadline === Number.POSITIVE_INFINITY ? deadline : deadline - now;
      if (left <= 0) return false;
      parkSync(cells, index, seen, sliceFor(subject, watch, slice, left, now - start));
      // Diagnostics bookkeeping (a stack capture, a record) only for waits that last.
      if (subject !== undefined && watch === undefined && performance.now() - start >= WATCH_AFTER_MS)
        watch = new Watch(subject, call, true, start);
      watch?.tick();
    }
  } finally {
    watch?.end();
  }
}

/**
 * How long a wait parks next: its own slice, shortened while it is young so that a wait that
 * lasts gets its diagnostics record after {@link WATCH_AFTER_MS}, and as its Watch asks.
 */
function sliceFor(
  subject: WaitSubject | undefined,
  watch: Watch | undefined,
  slice: number,
  left: number,
  elapsed: number,
): number {
  if (watch !== undefined) return watch.slice(slice, left);
  if (subject === undefined) return Math.min(left, slice);
  return Math.min(left, slice, Math.max(1, WATCH_AFTER_MS - elapsed));
}

/**
 * The async twin of {@link parkUntilSync}: same loop, parking with {@link park} so the event
 * loop runs meanwhile. Only a timed wait keeps the event loop alive.
 * @throws the signal's reason (rejects) when `signal` is or becomes aborted.
 */
export async function parkUntil(
  cells: Int32Array,
  index: number,
  attempt: Attempt,
  timeout: number,
  signal: AbortSignal | undefined,
  slice = Number.POSITIVE_INFINITY,
  subject?: WaitSubject,
  call = 'wait',
): Promise<boolean> {
  const finite = timeout !== Number.POSITIVE_INFINITY;
  const start = performance.now();
  const deadline = finite ? start + timeout : timeout;
  let keepAlive: NodeJS.Timeout | undefined;
  let watch: Watch | undefined;
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const seen = attempt();
      if (seen === true) return true;
      const now = performance.now();
      const left = finite ? deadline - now : deadline;
      if (left <= 0) return false;
      // One referenced timer for the whole wait (see the module comment), not one per slice.
      keepAlive ??= setTimeout(() => {}, 2 ** 31 - 1);
      await park(cells, index, seen, sliceFor(subject, watch, slice, left, now - start), signal, false);
      if (subject !== undefined && watch === undefined && performance.now() - start >= WATCH_AFTER_MS)
        watch = new Watch(subject, call, false, start);
      watch?.tick();
    }
  } finally {
    if (keepAlive) clearTimeout(keepAlive);
    watch?.end();
  }
}

/**
 * The diagnostics of a wait made of several parks by its caller's own loop (a queue's `get`
 * re-tries after each wake-up): like the loops above, it records the wait for dumps once it has
 * lasted {@link WATCH_AFTER_MS} and warns when a `…Sync` wait blocks the main thread. Created
 * only when the caller is about to park, never on a fast path.
 */
export class LongWait {
  readonly #subject: WaitSubject;
  readonly #call: string;
  readonly #sync: boolean;
  readonly #start = performance.now();
  #watch: Watch | undefined;

  constructor(subject: WaitSubject, call: string, sync: boolean) {
    this.#subject = subject;
    this.#call = call;
    this.#sync = sync;
  }

  /** How long the next park may last, given the `left` ms of the caller's deadline. */
  slice(left: number): number {
    return sliceFor(
      this.#subject,
      this.#watch,
      Number.POSITIVE_INFINITY,
      left,
      performance.now() - this.#start,
    );
  }

  /** After each park: the record once the wait has lasted, and the main-thread warning. */
  tick(): void {
    if (this.#watch === undefined && performance.now() - this.#start >= WATCH_AFTER_MS)
      this.#watch = new Watch(this.#subject, this.#call, this.#sync, this.#start);
    this.#watch?.tick();
  }

  /** Ends the wait's record, if it has one. */
  end(): void {
    this.#watch?.end();
  }
}
