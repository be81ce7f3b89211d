/**
 * `wait()` and `asCompleted()`: waiting on many futures at once. Python:
 * `concurrent.futures.wait` and `concurrent.futures.as_completed`.
 *
 * As in CPython, each call installs one small waiter on every future it watches and removes it
 * when done; futures notify waiters before their done callbacks.
 *
 * @module
 */
import { TimeoutError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { checkTimeout } from '../core/wait-options.js';
import { Future, type FutureWaiter } from './future.js';

/** `wait()` returns when any future finishes or is cancelled. Python: `FIRST_COMPLETED`. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait()` returns when any future fails (or all are done). Python: `FIRST_EXCEPTION`. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait()` returns when every future is done. Python: `ALL_COMPLETED`. */
export const ALL_COMPLETED = 'ALL_COMPLETED';

/** When `wait()` returns. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of {@link wait}. */
export interface WaitForOptions {
  /** Milliseconds to wait at most; then `wait` returns the sets as they are (it does not throw). */
  timeout?: number | undefined;
  /** Default `ALL_COMPLETED`. */
  returnWhen?: ReturnWhen | undefined;
}

/** The keys of {@link WaitForOptions}. */
export const WAIT_FOR_KEYS: readonly string[] = ['timeout', 'returnWhen'];

/**
 * The futures of `fs`, checked: each must be a skein {@link Future} (a plain promise or value
 * has no `done()` and could never be waited for the way `wait` does).
 * @throws TypeError naming the call and the position of the first item that is not a Future.
 */
function futuresOf<F extends Future<unknown>>(what: string, fs: Iterable<F>): Set<F> {
  if (fs === null || typeof (fs as Partial<Iterable<F>>)?.[Symbol.iterator] !== 'function')
    throw new TypeError(
      `${what}: fs must be an iterable of Futures, got ${fs === null ? 'null' : typeof fs}`,
    );
  const all = new Set<F>();
  let i = 0;
  for (const f of fs) {
    if (!(f instanceof Future)) {
      const shown = typeof f === 'string' ? JSON.stringify(f) : f === null ? 'null' : typeof f;
      throw new TypeError(`${what}: fs[${i}] is not a Future (got ${shown})`);
    }
    all.add(f);
    i++;
  }
  return all;
}

/** The result of {@link wait}: Python's `DoneAndNotDoneFutures`. */
export interface DoneAndNotDone<F> {
  /** The futures that finished (with a result, an error, or cancelled). */
  done: Set<F>;
  /** The futures still pending or running when `wait` returned. */
  notDone: Set<F>;
}

/** True when a future finished with an error. */
function failed(f: Future<unknown>): boolean {
  return f.failed();
}

function addWaiter(f: Future<unknown>, w: FutureWaiter): void {
  f._waiters ??= new Set();
  f._waiters.add(w);
}
function removeWaiter(f: Future<unknown>, w: FutureWaiter): void {
  f._waiters?.delete(w);
}

/**
 * Waits for futures, possibly from different executors, until `returnWhen` holds or `timeout`
 * passes. Python: `wait(fs, timeout=None, return_when=ALL_COMPLETED)`. Duplicates count once.
 *
 * - `FIRST_COMPLETED`: when at least one is done (finished or cancelled);
 * - `FIRST_EXCEPTION`: when one finishes with an error — or when all are done;
 * - `ALL_COMPLETED`: when all are done.
 *
 * Never rejects on timeout: the sets show what was done by then.
 * @throws TypeError for an unknown `returnWhen`; RangeError for a negative timeout.
 * @example
 * const { done, notDone } = await wait(futures, { returnWhen: FIRST_COMPLETED, timeout: 1000 });
 */
export function wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: WaitForOptions = {},
): Promise<DoneAndNotDone<F>> {
  checkOptions('wait()', options, WAIT_FOR_KEYS);
  const timeout = checkTimeout(options.timeout);
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new TypeError(
      `returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(returnWhen)}`,
    );
  }
  const all = futuresOf('wait()', fs);
  const done = new Set<F>();
  const notDone = new Set<F>();
  for (const f of all) (f.done() ? done : notDone).add(f);
  const satisfied = () =>
    notDone.size === 0 ||
    (returnWhen === FIRST_COMPLETED && done.size > 0) ||
    (returnWhen === FIRST_EXCEPTION && [...done].some((f) => failed(f)));
  if (satisfied() || timeout === 0) return Promise.resolve({ done, notDone });
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (timer) clearTimeout(timer);
      for (const f of notDone) removeWaiter(f, waiter);
      resolve({ done: new Set(done), notDone: new Set(notDone) });
    };
    const waiter: FutureWaiter = (f) => {
      const g = f as F;
      if (!notDone.delete(g)) return;
      done.add(g);
      removeWaiter(f, waiter);
      if (
        notDone.size === 0 ||
        returnWhen === FIRST_COMPLETED ||
        (returnWhen === FIRST_EXCEPTION && failed(f))
      )
        finish();
    };
    for (const f of notDone) addWaiter(f, waiter);
    if (Number.isFinite(timeout)) timer = setTimeout(finish, timeout);
  });
}

/**
 * A future as {@link asCompleted} yields it. TypeScript types the items of `for await` as their
 * awaited value, which for a (thenable) future would be its result; hiding `then` from the type
 * keeps the item typed as the future it is. Call `result()` / `exception()` on it, as in Python.
 */
export type CompletedFuture<F> = Omit<F, 'then'>;

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions {
  /** Milliseconds, from the call, for every future to complete; then the iteration throws `TimeoutError`. */
  timeout?: number | undefined;
}

/** The keys of {@link AsCompletedOptions}. */
export const AS_COMPLETED_KEYS: readonly string[] = ['timeout'];

/**
 * Yields the futures as they complete (finished or cancelled): those already done first, then
 * each as it completes. Duplicates are yielded once. Python: `as_completed(fs, timeout=None)`.
 * @throws (the iteration) `TimeoutError` (`ERR_SKEIN_TIMEOUT`) naming how many futures were
 *   unfinished when `timeout` ran out.
 * @example
 * for await (const f of asCompleted(futures)) console.log(await f.result());
 * // (`f` is typed CompletedFuture<Future<T>>: the future without `then`, see there.)
 */
export function asCompleted<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: AsCompletedOptions = {},
): AsyncIterable<CompletedFuture<F>> {
  checkOptions('asCompleted()', options, AS_COMPLETED_KEYS);
  const timeout = checkTimeout(options.timeout);
  const deadline = Number.isFinite(timeout) ? performance.now() + timeout : Number.POSITIVE_INFINITY;
  const all = futuresOf('asCompleted()', fs);
  const total = all.size;
  // Not an async generator: `yield future` there would await the (thenable) future and yield
  // its result instead of the future itself.
  return {
    [Symbol.asyncIterator](): AsyncIterator<CompletedFuture<F>> {
      const ready: F[] = [];
      const pending = new Set<F>();
      for (const f of all) {
        if (f.done()) ready.push(f);
        else pending.add(f);
      }
      let wake: (() => void) | undefined;
      const waiter: FutureWaiter = (f) => {
        const g = f as F;
        if (!pending.delete(g)) return;
        removeWaiter(f, waiter);
        ready.push(g);
        wake?.();
      };
      for (const f of pending) addWaiter(f, waiter);
      const close = () => {
        for (const f of pending) removeWaiter(f, waiter);
        pending.clear();
        ready.length = 0;
      };
      const next = async (): Promise<IteratorResult<F>> => {
        for (;;) {
          const f = ready.shift();
          if (f !== undefined) return { value: f, done: false };
          if (pending.size === 0) return { value: undefined, done: true };
          const left = deadline - performance.now();
          if (left <= 0) {
            const n = pending.size;
            close();
            throw new TimeoutError(
              `asCompleted() timed out after ${timeout} ms: ${n} (of ${total}) futures unfinished`,
            );
          }
          await new Promise<void>((resolve) => {
            let timer: NodeJS.Timeout | undefined;
            wake = () => {
              wake = undefined;
              if (timer) clearTimeout(timer);
              resolve();
            };
            if (Number.isFinite(left)) timer = setTimeout(() => wake?.(), left);
          });
        }
      };
      return {
        next,
        return: async () => {
          close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
