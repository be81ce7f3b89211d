/**
 * The wait behind `Thread.join` and `Process.join`: until the thread or process is done, the
 * timeout passes (resolves all the same — the caller checks `isAlive()`, as in Python), or the
 * signal aborts (rejects with its reason).
 *
 * While it waits it keeps the program alive through `keepAlive`: a Python thread blocked in
 * `join()` holds the process, whereas a bare pending promise would let Node exit.
 *
 * @module
 */

/** How a join keeps the program alive while it waits. */
export interface KeepAlive {
  hold(): void;
  release(): void;
}

/** A keep-alive made of a referenced timer that never fires. */
export function timerKeepAlive(): KeepAlive {
  let timer: NodeJS.Timeout | undefined;
  return {
    hold: () => {
      timer ??= setInterval(() => {}, 2 ** 30);
    },
    release: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * Waits for `done`, at most `timeout` ms (`Infinity`: no limit).
 * @throws the signal's reason (rejects) when aborted, at once if it already is.
 */
export function joinWait(
  done: Promise<void>,
  timeout: number,
  signal: AbortSignal | undefined,
  keepAlive: KeepAlive,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    keepAlive.hold();
    let timer: NodeJS.Timeout | undefined;
    const finish = (settle: () => void) => {
      keepAlive.release();
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(signal!.reason));
    if (timeout !== Number.POSITIVE_INFINITY) timer = setTimeout(() => finish(resolve), timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    void done.then(() => finish(resolve));
  });
}
