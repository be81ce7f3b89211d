/**
 * Python's module-level `threading` functions: `current_thread`, `main_thread`, `enumerate`,
 * `active_count`, `get_ident`.
 *
 * @module
 */
import { currentIdentity, MAIN_IDENT } from '../core/identity.js';
import { aliveThreads, kMain, Thread } from './thread.js';

const views = new Map<number, Thread>();

function viewOf(): Thread {
  const id = currentIdentity();
  let t = views.get(id.ident);
  if (t === undefined || t.name !== id.name) {
    t = new Thread({ [kMain]: id } as never);
    // Keep one view per live thread of this isolate; a reused isolate sees a new ident.
    if (views.size > 64) views.clear();
    views.set(id.ident, t);
  }
  return t;
}

/**
 * The Thread object of the caller (Python's `threading.current_thread()`): the main thread's
 * in the main thread, and inside a thread's target a Thread with that thread's `name` and `ident`.
 */
export function currentThread(): Thread {
  return viewOf();
}

let main: Thread | undefined;

/**
 * The main thread's Thread object (Python's `threading.main_thread()`). In a worker it
 * describes the main thread of the process (name `MainThread`, ident 1).
 */
export function mainThread(): Thread {
  if (currentIdentity().ident === MAIN_IDENT) return currentThread();
  main ??= new Thread({
    [kMain]: { ident: MAIN_IDENT, name: 'MainThread', daemon: false, nativeId: 0, kind: 'main' },
  } as never);
  return main;
}

/**
 * The threads alive that this thread knows of (Python's `threading.enumerate()`): the calling
 * thread itself and every thread it started that has not finished. (In Python this lists all
 * threads of the process; skein threads started by *other* threads are not visible here.)
 */
export function enumerate(): Thread[] {
  return [currentThread(), ...aliveThreads()];
}

/** `enumerate().length` (Python's `threading.active_count()`). */
export function activeCount(): number {
  return enumerate().length;
}
