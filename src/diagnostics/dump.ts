/**
 * Thread dumps: every skein thread of this process, what it waits on (since when, held by
 * whom, from which call), and what it holds — read from the wait table in shared memory, so a
 * thread blocked in `Atomics.wait` appears as it is. Java's `jstack`, Python's
 * `faulthandler.dump_traceback`.
 *
 * What a thread holds is known from the waiters: a lock appears under its holder once some
 * thread waits for it (skein records nothing on the uncontended fast path, so a lock nobody
 * waits for is not listed).
 *
 * @module
 */
import { isMainThread } from 'node:worker_threads';
import { describeCycle, detectDeadlocks, type ObjectRef, type ThreadRef } from '../core/wait-graph.js';
import { objectLabel, readThreads, type WaitKind } from '../core/wait-table.js';

/** One wait of a thread. */
export interface WaitInfo {
  /** What it waits on: `Lock`, `Semaphore`, `Event`… */
  kind: WaitKind;
  /** The object's name, or `Kind#id`. */
  name: string;
  /** The object's id (the same in every thread). */
  id: number;
  /** When the wait began (ms since the epoch). */
  since: number;
  /** The thread holding the object (a lock's holder; for a semaphore, the first holder), or null. */
  owner: ThreadRef | null;
  /** Every holder the waiter sees (a semaphore's `hold()` holders). */
  owners: ThreadRef[];
  /** The call that waits (`acquire`, `acquireSync`, `wait`…). */
  call: string;
  /** True for a blocking `…Sync` call, false for an awaited one. */
  sync: boolean;
  /** The stack of the waiting call, captured when it parked. */
  stack: string;
}

/** One thread of a dump. */
export interface ThreadInfo {
  /** Python's `name`. */
  name: string;
  /** Python's `ident`. */
  ident: number;
  /** `main`, a `thread` started by `Thread`, or a pool `worker`. */
  kind: 'main' | 'thread' | 'worker';
  /** `waiting` while it (or, on the main thread, one of its async tasks) waits on a skein object. */
  state: 'running' | 'waiting';
  /** The oldest wait, or null. */
  waitingOn: WaitInfo | null;
  /** Every wait (the main thread's async tasks may wait on several objects at once). */
  waits: WaitInfo[];
  /** The objects it holds that some thread waits for. */
  holding: ObjectRef[];
}

/**
 * Every skein thread of this process now: the main thread, `Thread`s and pool workers, each
 * with what it waits on and what it holds. Callable from any thread.
 */
export function dumpThreads(): ThreadInfo[] {
  const threads = readThreads();
  const names = new Map(threads.map((t) => [t.ident, t.name]));
  const ref = (ident: number): ThreadRef => ({ ident, name: names.get(ident) ?? `ident ${ident}` });
  const holding = new Map<number, ObjectRef[]>();
  for (const t of threads) {
    for (const w of t.waits) {
      for (const o of w.owners) {
        const list = holding.get(o) ?? [];
        if (!list.some((x) => x.id === w.objectId)) {
          list.push({ kind: w.kind, name: objectLabel(w.kind, w.objectId), id: w.objectId });
        }
        holding.set(o, list);
      }
    }
  }
  return threads.map((t) => {
    const waits: WaitInfo[] = t.waits.map((w) => ({
      kind: w.kind,
      name: objectLabel(w.kind, w.objectId),
      id: w.objectId,
      since: w.since,
      owner: w.owners.length > 0 ? ref(w.owners[0] as number) : null,
      owners: w.owners.map(ref),
      call: w.call,
      sync: w.sync,
      stack: w.stack,
    }));
    return {
      name: t.name,
      ident: t.ident,
      kind: t.kind,
      state: waits.length > 0 ? 'waiting' : 'running',
      waitingOn: waits[0] ?? null,
      waits,
      holding: holding.get(t.ident) ?? [],
    };
  });
}

/**
 * A thread dump as text, laid out as Java's `jstack` prints one, with any deadlocks found at
 * the end.
 */
export function formatThreadDump(threads: ThreadInfo[] = dumpThreads()): string {
  const now = Date.now();
  const out = [
    `Full thread dump (skein, Node ${process.version}, pid ${process.pid}, ${new Date(now).toISOString()}):`,
    '',
  ];
  for (const t of threads) {
    out.push(`"${t.name}" ident=${t.ident} ${t.kind}  ${t.state === 'waiting' ? 'WAITING' : 'RUNNABLE'}`);
    for (const w of t.waits) {
      const held =
        w.owners.length > 0
          ? `, held by ${w.owners.map((o) => `"${o.name}" ident=${o.ident}`).join(', ')}`
          : '';
      out.push(
        `   - waiting on ${w.kind} '${w.name}' in ${w.call}() for ${((now - w.since) / 1000).toFixed(1)} s (${w.sync ? 'blocking' : 'async'})${held}`,
      );
      for (const line of w.stack
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(0, 10))
        out.push(`        ${line.trim()}`);
    }
    for (const h of t.holding) out.push(`   - holding ${h.kind} '${h.name}'`);
    out.push('');
  }
  const deadlocks = detectDeadlocks();
  if (deadlocks.length > 0) {
    out.push(`Found ${deadlocks.length} deadlock${deadlocks.length > 1 ? 's' : ''}:`);
    for (const d of deadlocks) out.push(`  ${describeCycle(d)}`);
    out.push('');
  }
  return out.join('\n');
}

/**
 * Prints a thread dump to stderr whenever the process receives `signal` (Python's
 * `faulthandler.register`). Returns a function that uninstalls it. The handler does not keep
 * the process alive on its own… except as any signal listener does in Node: it replaces the
 * signal's default action (for SIGUSR2 the default is to terminate).
 * @throws TypeError when not called on the main thread (signals are delivered there).
 */
export function dumpThreadsOnSignal(signal: NodeJS.Signals = 'SIGUSR2'): () => void {
  if (!isMainThread)
    throw new TypeError('dumpThreadsOnSignal(): signals are delivered to the main thread; call it there');
  const handler = (): void => {
    process.stderr.write(`${formatThreadDump()}\n`);
  };
  process.on(signal, handler);
  return () => {
    process.off(signal, handler);
  };
}
