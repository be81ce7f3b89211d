/**
 * Deadlock detection on the wait table (`./wait-table.ts`): the wait-for graph and its cycles.
 *
 * Nodes are threads (the main thread's async tasks count as the main thread). A thread waiting
 * on a lock-like object — Lock, RLock (a Condition re-acquiring its lock is a Lock/RLock wait),
 * Semaphore/BoundedSemaphore permits held with `hold()`/`run()` — has an edge to each owner
 * its record lists. A semaphore wait is satisfied by *any* of its holders releasing, so a
 * plain cycle search would report false deadlocks there; instead the set of deadlocked threads
 * is the largest set D in which every wait of every member has owners, all in D (a "knot":
 * computed by repeatedly removing threads that wait on something held outside D, or that wait
 * on something with no known owner, such as an Event). A thread with any other kind of wait
 * (an Event, a queue) is never in D: someone outside the graph may still wake it. Cycles are
 * then read off D for reporting.
 *
 * @module
 */
import {
  objectLabel,
  readThreads,
  type ThreadSnapshot,
  type WaitKind,
  type WaitSnapshot,
} from './wait-table.js';

const LOCK_LIKE: ReadonlySet<WaitKind> = new Set(['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore']);

/** A thread in a report. */
export interface ThreadRef {
  /** Its ident (Python's `ident`). */
  ident: number;
  /** Its name (`MainThread`, `Thread-3`, a pool worker's name). */
  name: string;
}

/** An object in a report. */
export interface ObjectRef {
  /** Its class: `Lock`, `RLock`, `Semaphore`… */
  kind: WaitKind;
  /** Its name, or `Kind#id` when it has none. */
  name: string;
  /** Its object id, the same in every thread. */
  id: number;
}

/** One edge of a deadlock cycle: `thread` waits for `waitsFor`, which `heldBy` holds. */
export interface DeadlockLink {
  thread: ThreadRef;
  waitsFor: ObjectRef;
  heldBy: ThreadRef;
  /** The stack of the waiting call, captured when it parked. */
  stack: string;
  /** The wait's number (later waits have larger numbers). @internal */
  waitNo: number;
}

/** A deadlock: a cycle of threads each waiting for an object held by the next. */
export type Deadlock = DeadlockLink[];

const isLockWait = (w: WaitSnapshot): boolean => LOCK_LIKE.has(w.kind) && w.owners.length > 0;

/** The threads of `threads` that can never proceed (see the module comment). */
function knot(threads: ThreadSnapshot[]): Map<number, ThreadSnapshot> {
  const d = new Map<number, ThreadSnapshot>();
  for (const t of threads) if (t.waits.length > 0 && t.waits.every(isLockWait)) d.set(t.ident, t);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [ident, t] of d) {
      // A thread stays only if every owner of every wait it has is itself stuck (and not itself:
      // an RLock re-entry never waits, so a self-owned wait is a Lock re-acquire — stuck too).
      if (t.waits.some((w) => w.owners.some((o) => o !== ident && !d.has(o)))) {
        d.delete(ident);
        changed = true;
      }
    }
  }
  return d;
}

/** Reads the cycles of the deadlocked set, one per strongly connected walk. */
function cycles(d: Map<number, ThreadSnapshot>): Deadlock[] {
  const out: Deadlock[] = [];
  const done = new Set<number>();
  const ref = (ident: number): ThreadRef => ({ ident, name: d.get(ident)?.name ?? `ident ${ident}` });
  for (const start of [...d.keys()].sort((a, b) => a - b)) {
    if (done.has(start)) continue;
    // Walk: from each thread follow its first wait to an owner in D, until a thread repeats.
    const path: number[] = [];
    const seenAt = new Map<number, number>();
    let cur = start;
    while (!seenAt.has(cur) && !done.has(cur)) {
      seenAt.set(cur, path.length);
      path.push(cur);
      const t = d.get(cur) as ThreadSnapshot;
      const w = t.waits[0] as WaitSnapshot;
      cur = w.owners.find((o) => d.has(o)) ?? cur;
    }
    for (const p of path) done.add(p);
    const from = seenAt.get(cur);
    if (from === undefined) continue; // ran into a cycle reported already
    const ring = path.slice(from);
    const cycle: Deadlock = ring.map((ident, i) => {
      const t = d.get(ident) as ThreadSnapshot;
      const next = ring[(i + 1) % ring.length] as number;
      const w = t.waits.find((x) => x.owners.includes(next)) ?? (t.waits[0] as WaitSnapshot);
      return {
        thread: ref(ident),
        waitsFor: { kind: w.kind, name: objectLabel(w.kind, w.objectId), id: w.objectId },
        heldBy: ref(next),
        stack: w.stack,
        waitNo: w.waitNo,
      };
    });
    out.push(cycle);
  }
  return out;
}

/** The deadlocks among this process's threads now (each a cycle), from the wait table. */
export function detectDeadlocks(): Deadlock[] {
  return cycles(knot(readThreads()));
}

/** A short fingerprint of a cycle: its waits, which change whenever any participant moves. */
export function cycleSignature(cycle: Deadlock): number {
  let h = 0x811c9dc5;
  for (const n of cycle.map((l) => l.waitNo).sort((a, b) => a - b)) h = Math.imul(h ^ n, 0x01000193);
  return h | 0 || 1;
}

/** A cycle in words: `Thread-1 waits for Lock 'a' held by Thread-2; …`. */
export function describeCycle(cycle: Deadlock): string {
  return cycle
    .map(
      (l) =>
        `${l.thread.name} (ident ${l.thread.ident}) waits for ${l.waitsFor.kind} '${l.waitsFor.name}' held by ${l.heldBy.name} (ident ${l.heldBy.ident})`,
    )
    .join('; ');
}
