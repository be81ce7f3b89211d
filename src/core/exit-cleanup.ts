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
      installed = false;
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
