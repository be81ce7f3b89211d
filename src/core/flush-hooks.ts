/**
 * Flush hooks: work a thread must finish before its isolate is judged idle — and the end of a
 * thread's holdings.
 *
 * A `Thread`'s isolate is reused only when the thread left no handles behind; otherwise it is
 * terminated (see `threading/thread-host.ts`). Some skein objects write to sockets on the
 * thread's behalf without waiting (`Connection.send` is synchronous, as calls that do not wait are): if
 * the target returns while such a write is still queued in JavaScript (the socket still
 * connecting or authenticating), terminating the isolate would lose it. Modules that queue
 * writes register a hook here; the worker runtime awaits every hook (bounded by
 * {@link FLUSH_LIMIT_MS}) after a thread's target settles and before it checks idleness.
 *
 * A hook may also end what the thread held: `skein/multiprocessing` closes the thread's
 * connections there, because a thread that ended is a holder that exited (its pipe ends are
 * closed, its manager locks released) even when its isolate is kept for reuse — an unref'ed
 * socket does not make an isolate look busy.
 *
 * @module
 */

/** The longest a settled thread waits for its hooks, in milliseconds. */
export const FLUSH_LIMIT_MS = 5000;

const hooks = new Set<() => Promise<void> | undefined>();

/**
 * Registers a hook returning a promise that settles once this isolate's queued writes have
 * left (or `undefined` when there is nothing to wait for). Returns a function that removes it.
 */
export function registerFlushHook(hook: () => Promise<void> | undefined): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Resolves once every registered hook has settled (or the limit passed); never rejects. */
export function runFlushHooks(): Promise<void> | undefined {
  const waits: Promise<void>[] = [];
  for (const h of hooks) {
    const p = h();
    if (p) waits.push(p.catch(() => {}));
  }
  if (waits.length === 0) return undefined;
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, FLUSH_LIMIT_MS);
    void Promise.all(waits).then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
