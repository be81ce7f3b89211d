/**
 * `findDeadlocks()`: the cycles of the wait-for graph among this process's threads, now. The
 * graph and the cycle search are in `core/wait-graph.ts` (the parking layer's watchdog uses
 * the same code); this is the public face.
 *
 * @module
 */
import {
  detectDeadlocks,
  type DeadlockLink as Link,
  type ObjectRef,
  type ThreadRef,
} from '../core/wait-graph.js';

export type { ObjectRef, ThreadRef };

/** One edge of a deadlock: `thread` waits for `waitsFor`, which `heldBy` holds. */
export interface DeadlockLink {
  /** The waiting thread. */
  thread: ThreadRef;
  /** The lock (or semaphore) it waits for. */
  waitsFor: ObjectRef;
  /** The thread holding it. */
  heldBy: ThreadRef;
  /** The stack of the waiting call, captured when it parked. */
  stack: string;
}

/** A deadlock: a cycle of threads each waiting for an object the next one holds. */
export type Deadlock = DeadlockLink[];

const strip = (l: Link): DeadlockLink => ({
  thread: l.thread,
  waitsFor: l.waitsFor,
  heldBy: l.heldBy,
  stack: l.stack,
});

/**
 * The deadlocks among this process's threads now — main thread (its async tasks count as it),
 * `Thread`s and pool workers — through Lock, RLock, a Condition's lock, and Semaphore /
 * BoundedSemaphore permits held with `hold()`/`run()`. Each is a cycle of
 * `{ thread, waitsFor, heldBy }`. A snapshot: a cycle it returns is real only if it is still
 * there a moment later (the watchdog confirms each cycle twice before it reports).
 * Java: `ThreadMXBean.findDeadlockedThreads()`.
 */
export function findDeadlocks(): Deadlock[] {
  return detectDeadlocks().map((c) => c.map(strip));
}
