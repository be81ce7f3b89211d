/**
 * Who is running: the identity of the current thread (name, ident, daemon flag), and the
 * process-wide counters that hand out idents and default names.
 *
 * Layout of the process-wide state (one SharedArrayBuffer, created by the main thread and
 * handed to every worker skein starts, so counters are unique across the whole process):
 *
 * ```
 * Int32 word 0  next ident            (Atomics.add by whoever starts a thread)
 * Int32 word 1  next Thread-N number  (Atomics.add when a Thread gets a default name)
 * Int32 word 2  next Process-N number (Atomics.add when a Process gets a default name)
 * Int32 word 3  depot wanted: 0 no, 1 a worker wants it (compareExchange + notify), 2 started
 *               (stored by the main thread alone, which waits on this word; see depot.ts)
 * Int32 words 4…  liveness bitmap: bit `ident` set ⇔ that thread has ended
 * Int32 word after the bitmap: ENDED, how many threads have been marked ended (Atomics.add by
 *               whoever sets a bit), so a structure can tell cheaply whether anyone died since
 *               it last looked (see barrier.ts)
 * bytes DIAG_OFFSET…  the diagnostics region ({@link DIAG_BYTES}): who waits for what, object
 *               names (laid out and described in `./wait-table.ts`)
 * ```
 *
 * The liveness bitmap lets shared-memory primitives notice that a thread holding them died
 * (see `src/sync/lock.ts`, "dead holders"). Bits start clear ("alive or unknown") and are only
 * ever set, with `Atomics.or`, by whoever ran the thread (the thread host, when the target
 * settles or the isolate dies). Idents beyond the bitmap's capacity ({@link LIVENESS_CAPACITY})
 * always read as alive.
 *
 * Idents are never reused within a process (Python allows reuse; never reusing keeps a lock's
 * recorded owner unambiguous). The main thread is ident 1.
 *
 * @module
 */
import { isMainThread, type MessagePort, threadId, workerData } from 'node:worker_threads';

/** The identity of a thread as every isolate can see it. */
export interface ThreadIdentity {
  /** Unique within the process, never 0; Python's `ident`. */
  ident: number;
  /** Python's `name`. */
  name: string;
  /** Python's `daemon`. */
  daemon: boolean;
  /** Node's `threadId` of the isolate running it (0 for the main thread); Python's `native_id`. */
  nativeId: number;
  /** The kind of thread, for printing (`_MainThread`, `Thread`, a pool's worker). */
  kind: 'main' | 'thread' | 'worker';
  /** The class of the Thread object that started it (`Timer`…), for printing; default `Thread`. */
  cls?: string | undefined;
}

/** What skein passes to the workers it starts, under `workerData.skein`. */
export interface SkeinWorkerData {
  state: SharedArrayBuffer;
  identity: ThreadIdentity;
  /** The worker's link to skein's depot (see depot.ts); absent when its parent had none. */
  depot?: MessagePort | undefined;
  /** Opaque data for the runtime (for example which transport it serves). */
  [key: string]: unknown;
}

const inherited = (workerData as { skein?: SkeinWorkerData } | null | undefined)?.skein;

/** Int32 words of the liveness bitmap (one bit per ident). */
const BITMAP_WORDS = (1 << 20) / 32;
/** Index of the ENDED counter. */
const ENDED = 4 + BITMAP_WORDS;
/** Where the diagnostics region starts in {@link processState} (8-aligned, after ENDED). */
export const DIAG_OFFSET = Math.ceil((4 * (ENDED + 1)) / 8) * 8;
/** Size of the diagnostics region (see `./wait-table.ts`); untouched pages cost no memory. */
export const DIAG_BYTES = 2 << 20;

/** The process-wide counters; shared with every worker skein starts. */
export const processState: SharedArrayBuffer =
  inherited?.state ?? new SharedArrayBuffer(DIAG_OFFSET + DIAG_BYTES);
const counters = new Int32Array(processState);
if (inherited === undefined) {
  // First isolate of this process: ident 1 is the main thread's.
  Atomics.store(counters, 0, 2);
  Atomics.store(counters, 1, 1);
  Atomics.store(counters, 2, 1);
}

/** The identity of the main thread of this process. */
export const MAIN_IDENT = 1;

let current: ThreadIdentity =
  inherited?.identity ??
  (isMainThread
    ? { ident: MAIN_IDENT, name: 'MainThread', daemon: false, nativeId: 0, kind: 'main' }
    : // A worker that skein did not start: give it an identity of its own.
      {
        ident: Atomics.add(counters, 0, 1),
        name: `Worker-${threadId}`,
        daemon: true,
        nativeId: threadId,
        kind: 'worker',
      });

/** A fresh ident, unique within the process. */
export function nextIdent(): number {
  return Atomics.add(counters, 0, 1);
}

/** How many idents the liveness bitmap covers; larger idents always read as alive. */
export const LIVENESS_CAPACITY = BITMAP_WORDS * 32;

/**
 * Records that the thread `ident` has ended (its target settled or its isolate died). Called
 * by whoever ran it; never undone, since idents are never reused.
 */
export function markThreadEnded(ident: number): void {
  if (ident <= 0 || ident >= LIVENESS_CAPACITY) return;
  const bit = 1 << (ident & 31);
  if ((Atomics.or(counters, 4 + (ident >>> 5), bit) & bit) === 0) Atomics.add(counters, ENDED, 1);
}

/**
 * How many threads have been marked ended so far in this process: when it has not changed
 * since a structure last looked, no holder of it can have died since.
 */
export function endedCount(): number {
  return Atomics.load(counters, ENDED);
}

/** False once the thread `ident` has ended; true while it runs (or when skein cannot tell). */
export function isThreadAlive(ident: number): boolean {
  if (ident <= 0 || ident >= LIVENESS_CAPACITY) return true;
  return (Atomics.load(counters, 4 + (ident >>> 5)) & (1 << (ident & 31))) === 0;
}

/** The next number for a default `Thread-N` name. */
export function nextThreadNumber(): number {
  return Atomics.add(counters, 1, 1);
}

/** The next number for a default `Process-N` name. */
export function nextProcessNumber(): number {
  return Atomics.add(counters, 2, 1);
}

/** The identity of the thread running this code. */
export function currentIdentity(): ThreadIdentity {
  return current;
}

const identityListeners: Array<(identity: ThreadIdentity) => void> = [];

/**
 * Calls `fn` whenever this isolate's identity changes (a warm isolate starting another
 * Thread's target). For the thread registry of `./wait-table.ts`, which identity cannot import.
 */
export function onIdentityChange(fn: (identity: ThreadIdentity) => void): void {
  identityListeners.push(fn);
}

/** Replaces the current identity (the worker runtime does it when a Thread's target starts). */
export function setCurrentIdentity(identity: ThreadIdentity): void {
  current = identity;
  currentIdent = identity.ident;
  for (const fn of identityListeners) fn(identity);
}

/**
 * The current thread's ident as a live binding (what {@link getIdent} returns), for hot paths:
 * reading an imported binding is cheaper than a call in every isolate's optimized code.
 */
export let currentIdent: number = current.ident;

/** Python's `threading.get_ident()`: the current thread's ident. */
export function getIdent(): number {
  return current.ident;
}

/** What a process knows of itself: Python's `current_process()` name and daemon flag. */
export interface ProcessInfo {
  name: string;
  daemon: boolean;
  /** True in a process skein forked (a `Process` or a process pool's worker). */
  child: boolean;
}

/** Environment variable through which a forked child learns its name and daemon flag. */
export const CHILD_ENV = 'SKEIN_CHILD';

const processInfo: ProcessInfo = (() => {
  const raw = process.env[CHILD_ENV];
  if (raw) {
    try {
      const parsed = JSON.parse(raw) as Partial<ProcessInfo>;
      return { name: String(parsed.name ?? 'Process'), daemon: parsed.daemon === true, child: true };
    } catch {
      // Not ours: fall through.
    }
  }
  return { name: 'MainProcess', daemon: false, child: false };
})();

/** This process's name and daemon flag (`MainProcess` unless skein forked it). */
export function currentProcessInfo(): ProcessInfo {
  return processInfo;
}
