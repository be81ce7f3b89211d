/**
 * Removing what skein made outside the process — socket folders, a manager's server process,
 * child processes — when the program ends, however it ends:
 *
 * - **Normal exit** (`exit` event, also reached through `process.exit()`): every task runs.
 * - **SIGINT / SIGTERM** with no handler of the program's own: Node's default would kill the
 *   process at once, skipping `exit` handlers, and leave those things behind. skein listens
 *   to both signals (in the main thread, where signals are delivered); when one arrives and
 *   skein's listener is the only one, every task runs, skein's listeners are removed, and the
 *   same signal is raised again, so the program dies of it exactly as it would have (status
 *   128 + n, `signal` seen by its parent).
 * - **The program handles the signal itself** (`process.on('SIGINT', …)`, before or after
 *   skein's listener was added): skein does nothing on the signal — the program decides what
 *   happens, and its eventual exit runs the tasks.
 *
 * **A blocked main thread.** A JavaScript signal listener runs only when the event loop turns,
 * so while the main thread sits in a blocking `…Sync` call a listened-to signal would be held
 * back — Ctrl-C would not stop a program stuck in `q.getSync()`. So {@link waitSync} (every
 * blocking wait of skein goes through it) lets such a wait block with skein's listeners
 * attached for at most {@link SIGNAL_GRACE_MS}, then detaches them until the event loop turns
 * again: a signal that arrives later ends the program at once, as it would without skein (what
 * it leaves is handled as after a SIGKILL, below). Detaching and attaching cost 0.1–1 ms, paid
 * only by waits longer than the grace. The price: a signal that arrived before the detach —
 * in the grace, or while the thread was busy just before blocking — was taken by skein's
 * listener, which is then gone before it could run, so that one signal is lost (a second one
 * ends the program). Without the detach, every signal would wait for the block to end.
 * Worker threads do not receive signals; their waits are plain `Atomics.wait`s.
 *
 * A SIGKILL cannot be caught: what it leaves is handled elsewhere (a child sees its IPC
 * channel close and exits; stale socket folders are swept by the next program that starts a
 * local host, see `multiprocessing/wire/temp-dir.ts`).
 *
 * Tasks must be quick and synchronous (remove a folder, send a signal) and must not throw
 * (a throw is swallowed: one failing task must not keep the others from running).
 *
 * @module
 */
import { isMainThread } from 'node:worker_threads';

const tasks = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const listeners = new Map<NodeJS.Signals, () => void>();
let installed = false;
/** skein's listeners are detached for the current blocking stretch (see the module notes). */
let detached = false;
/** When the current blocking stretch began (`performance.now()`), or -1 outside one. */
let blockedSince = -1;

/** How long a blocking wait may hold back a signal before skein steps aside, in ms. */
export const SIGNAL_GRACE_MS = 50;

function runAll(): void {
  for (const task of [...tasks]) {
    tasks.delete(task);
    try {
      task();
    } catch {
      // Best effort: the other tasks still run.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  if (!isMainThread) return;
  for (const sig of SIGNALS) {
    const onSignal = (): void => {
      // Another listener: the program handles this signal itself.
      if (process.listenerCount(sig) > 1) return;
      runAll();
      for (const [s, fn] of listeners) process.removeListener(s, fn);
      listeners.clear();
      // No listener left: the default action applies, as if skein had never listened.
      process.kill(process.pid, sig);
    };
    listeners.set(sig, onSignal);
    process.on(sig, onSignal);
  }
}

/**
 * Runs `task` when this program ends: at exit, or on a SIGINT/SIGTERM that the program does
 * not handle itself (see the module notes). Returns a function that cancels it (call it once
 * the thing is cleaned up another way).
 */
export function atTermination(task: () => void): () => void {
  tasks.add(task);
  install();
  return () => {
    tasks.delete(task);
  };
}

/** The loop turned: the blocking stretch is over; listen again. */
function endStretch(): void {
  blockedSince = -1;
  if (!detached) return;
  detached = false;
  for (const [sig, fn] of listeners) process.on(sig, fn);
}

/**
 * `Atomics.wait`, for skein's blocking waits: the same result, but a main thread that blocks
 * longer than {@link SIGNAL_GRACE_MS} stops holding back SIGINT/SIGTERM (module notes).
 */
export function waitSync(
  cells: Int32Array,
  index: number,
  expected: number,
  timeout: number,
): 'ok' | 'not-equal' | 'timed-out' {
  const forever = timeout === Number.POSITIVE_INFINITY;
  if (listeners.size === 0 || detached)
    return Atomics.wait(cells, index, expected, forever ? undefined : timeout);
  const now = performance.now();
  if (blockedSince < 0) {
    blockedSince = now;
    setImmediate(endStretch);
  }
  const grace = Math.max(0, SIGNAL_GRACE_MS - (now - blockedSince));
  if (timeout <= grace) return Atomics.wait(cells, index, expected, timeout);
  const first = Atomics.wait(cells, index, expected, grace);
  if (first !== 'timed-out') return first;
  // Still blocked: step aside, unless the program listens too (then it decides, as without skein).
  if (SIGNALS.every((sig) => process.listenerCount(sig) === 1)) {
    detached = true;
    for (const [sig, fn] of listeners) process.removeListener(sig, fn);
  }
  return Atomics.wait(cells, index, expected, forever ? undefined : timeout - grace);
}
