/**
 * The wait table: who is waiting for what, in shared memory, so that any thread can see every
 * other thread's waits without its cooperation — a thread parked in `Atomics.wait` cannot
 * answer a message, but its record can still be read. Thread dumps and the deadlock detector
 * (`src/diagnostics/`, and the check in `src/sync/park.ts`) read it; primitives write it only
 * when a wait parks, never on their fast path.
 *
 * It lives in the process-wide state buffer (`./identity.ts`, from byte `DIAG_OFFSET`), which
 * every worker skein starts receives, so there is one table per process.
 *
 * ## Layout (byte offsets within the region)
 *
 * ```
 * 0        header, 32 Int32 words:
 *            0 MODE          deadlock mode: 0 unset (report), 1 report, 2 raise, 3 off (store by configure)
 *            1 TIMEOUT       deadlockTimeout in ms, 0 = default 1000 (store by configure)
 *            2 WAIT_SEQ      wait numbers, strictly increasing (Atomics.add by each parking waiter)
 *            3 NEXT_OBJ      object ids for names like `Lock#3` (Atomics.add by constructors)
 *            4 HEAP_TOP      bump pointer of the name heap (Atomics.add by named constructors)
 *            5 QUIET_MAIN    1 = no ERR_SKEIN_MAIN_THREAD_BLOCKED warnings (store by configure)
 *            6 REPORT_LOCK   0/1, taken with CAS by the one thread printing a cycle report
 *            7 REPORT_NEXT   next entry of the REPORTED ring (under REPORT_LOCK)
 *            8…15 REPORTED   signatures of the last 8 cycles reported (under REPORT_LOCK)
 * 128      name index, NAME_IDS Int32 words: for object id i, (heap offset << 8 | byte length),
 *          0 = unnamed (one Atomics.store by the constructor after it wrote the bytes)
 * …        name heap, NAME_HEAP bytes of UTF-8 (written once per named object, before its index)
 * …        SLOTS thread slots of SLOT_BYTES each:
 *            word 0 IDENT   0 free, else the ident of the thread using it (CAS to claim; a slot
 *                           whose ident has ended in the liveness bitmap may be claimed again)
 *            word 1 TKIND   0 main, 1 Thread, 2 pool worker
 *            word 2 NAMELEN byte length of the thread's name (bytes 16…143)
 *            word 3 NSEQ    seqlock of the name: odd while the owner rewrites it
 *            then RECORDS wait records of RECORD_BYTES (several: a thread's async tasks may
 *            wait at once):
 *              word 0 STATE   0 free, 1 waiting (written by the owning thread only)
 *              word 1 SEQ     seqlock: odd while the owner writes the record
 *              word 2 KIND    what is waited on (WAIT_KINDS index)
 *              word 3 OBJ     its object id
 *              word 4 NOWN    how many owners follow (≤ MAX_OWNERS); refreshed by the waiter
 *              words 5…12     owner idents seen by the waiter (the lock's holder, a semaphore's
 *                             hold() holders)
 *              word 13 WAITNO this wait's number (WAIT_SEQ)
 *              word 14 SYNC   1 for a blocking …Sync wait, 0 for an async one
 *              word 15 VICTIM 1 once the detector chose this wait to fail (deadlock 'raise');
 *                             written by any thread, read by the owner
 *              bytes 64…71    since (float64, ms since the epoch)
 *              word 18 TLEN   byte length of the text: the call, a newline, the stack
 *              bytes 80…      the text
 * ```
 *
 * ## Who writes what, and why this is enough
 * A record belongs to one thread: only it writes STATE…TLEN (except VICTIM), so no CAS is
 * needed there; readers use the seqlock (retry while SEQ is odd or changed) to get a
 * consistent copy. Owner snapshots are refreshed by the waiter on every slice of its wait
 * (locks and semaphores park in slices of ≤ 50 ms), so a snapshot is at most one slice stale;
 * the detector therefore confirms a cycle on two checks one slice apart before acting on it.
 * Names are immutable once published (bytes first, then the index word with a seq-cst store).
 * Limits: SLOTS live threads and RECORDS simultaneous waits per thread are tracked; beyond
 * that a wait still works but does not appear in dumps.
 *
 * @module
 */
import { isMainThread } from 'node:worker_threads';
import {
  currentIdentity,
  DIAG_BYTES,
  DIAG_OFFSET,
  isThreadAlive,
  onIdentityChange,
  processState,
  type ThreadIdentity,
} from './identity.js';

/** The kinds of object a wait can be on (indexes are stored in records). */
export const WAIT_KINDS = [
  'Lock',
  'RLock',
  'Semaphore',
  'BoundedSemaphore',
  'Condition',
  'Event',
  'Barrier',
  'Queue',
  'LifoQueue',
  'PriorityQueue',
] as const;
/** A kind of waitable object. */
export type WaitKind = (typeof WAIT_KINDS)[number];

const HEADER_BYTES = 128;
const NAME_IDS = 131072;
const NAME_HEAP = 512 * 1024;
const INDEX_AT = HEADER_BYTES;
const HEAP_AT = INDEX_AT + NAME_IDS * 4;
const SLOTS_AT = HEAP_AT + NAME_HEAP;
const SLOT_META = 16;
const SLOT_NAME = 128;
const RECORD_BYTES = 1024;
const RECORDS = 8;
const SLOT_BYTES = SLOT_META + SLOT_NAME + RECORDS * RECORD_BYTES;
const SLOTS = Math.floor((DIAG_BYTES - SLOTS_AT) / SLOT_BYTES);
const TEXT_AT = 80;
const TEXT_MAX = RECORD_BYTES - TEXT_AT;
/** Owners a record can list. */
export const MAX_OWNERS = 8;

// Header words.
const MODE = 0;
const TIMEOUT = 1;
const WAIT_SEQ = 2;
const NEXT_OBJ = 3;
const HEAP_TOP = 4;
const QUIET_MAIN = 5;
const REPORT_LOCK = 6;
const REPORT_NEXT = 7;
const REPORTED = 8;
const REPORTED_N = 8;

const region = new Int32Array(processState, DIAG_OFFSET, DIAG_BYTES / 4);
const bytes = new Uint8Array(processState, DIAG_OFFSET, DIAG_BYTES);
const floats = new Float64Array(processState, DIAG_OFFSET, DIAG_BYTES / 8);
const encoder = new TextEncoder();
// TextDecoder refuses views of shared memory: decode from a copy.
const decoder = new TextDecoder();
const readText = (at: number, len: number): string => decoder.decode(bytes.slice(at, at + len));

/** Writes UTF-8 of `s` at byte `at`, at most `max` bytes (cut on a character boundary). */
function writeText(s: string, at: number, max: number): number {
  const encoded = encoder.encode(s);
  let n = Math.min(encoded.length, max);
  // Do not cut a multi-byte character in half.
  while (n < encoded.length && n > 0 && ((encoded[n] as number) & 0xc0) === 0x80) n--;
  bytes.set(encoded.subarray(0, n), at);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Configuration (process-wide: configureDiagnostics in any thread applies to all).

/** What the deadlock watchdog does when it finds a cycle. */
export type DeadlockMode = 'report' | 'raise' | 'off';
const MODES: DeadlockMode[] = ['report', 'report', 'raise', 'off'];

/** The deadlock mode now in force. */
export function deadlockMode(): DeadlockMode {
  return MODES[Atomics.load(region, MODE)] ?? 'report';
}

/** Sets the deadlock mode for every thread of the process. */
export function setDeadlockMode(mode: DeadlockMode): void {
  Atomics.store(region, MODE, MODES.indexOf(mode, 1));
}

/** The deadlock timeout now in force, in ms. */
export function deadlockTimeout(): number {
  return Atomics.load(region, TIMEOUT) || 1000;
}

/** Sets the deadlock timeout (ms, ≥ 1) for every thread of the process. */
export function setDeadlockTimeout(ms: number): void {
  Atomics.store(region, TIMEOUT, Math.max(1, Math.min(Math.round(ms), 2 ** 31 - 1)));
}

/** True unless main-thread-blocked warnings were silenced. */
export function mainBlockedWarnings(): boolean {
  return Atomics.load(region, QUIET_MAIN) === 0;
}

/** Turns main-thread-blocked warnings on or off for the process. */
export function setMainBlockedWarnings(on: boolean): void {
  Atomics.store(region, QUIET_MAIN, on ? 0 : 1);
}

// ---------------------------------------------------------------------------------------------
// Object ids and names.

/**
 * A new object id, the same in every thread once stored in the object's shared memory, and
 * its name published for every thread when given. Ids beyond the name index keep their name
 * only locally.
 */
export function newObjectId(name?: string): number {
  const id = Atomics.add(region, NEXT_OBJ, 1) + 1;
  if (name !== undefined && name !== '' && id < NAME_IDS) {
    const encoded = encoder.encode(name).subarray(0, 255);
    const at = Atomics.add(region, HEAP_TOP, encoded.length);
    if (at + encoded.length <= NAME_HEAP) {
      bytes.set(encoded, HEAP_AT + at);
      Atomics.store(region, INDEX_AT / 4 + id, (at << 8) | encoded.length);
    }
  }
  return id;
}

/** The name an object was created with, as every thread sees it, or undefined. */
export function objectName(id: number): string | undefined {
  if (id <= 0 || id >= NAME_IDS) return undefined;
  const w = Atomics.load(region, INDEX_AT / 4 + id);
  if (w === 0) return undefined;
  return readText(HEAP_AT + (w >>> 8), w & 0xff);
}

/** How an object is shown: its name, or `Kind#id`. */
export function objectLabel(kind: string, id: number, name?: string): string {
  return name ?? objectName(id) ?? `${kind}#${id}`;
}

// ---------------------------------------------------------------------------------------------
// Thread slots.

const slotAt = (k: number): number => SLOTS_AT + k * SLOT_BYTES;
const recordAt = (k: number, r: number): number => slotAt(k) + SLOT_META + SLOT_NAME + r * RECORD_BYTES;
const TKINDS = { main: 0, thread: 1, worker: 2 } as const;
const TKIND_NAMES = ['main', 'thread', 'worker'] as const;

let mySlot = -1;

function publishName(k: number, identity: ThreadIdentity): void {
  const w = slotAt(k) / 4;
  Atomics.add(region, w + 3, 1);
  region[w + 1] = TKINDS[identity.kind];
  region[w + 2] = writeText(identity.name, slotAt(k) + SLOT_META, SLOT_NAME);
  Atomics.add(region, w + 3, 1);
}

function claimSlot(identity: ThreadIdentity): void {
  if (mySlot >= 0) {
    // A warm isolate now runs another Thread: the slot follows the isolate.
    Atomics.store(region, slotAt(mySlot) / 4, identity.ident);
    publishName(mySlot, identity);
    return;
  }
  for (let k = 0; k < SLOTS; k++) {
    const w = slotAt(k) / 4;
    let cur = Atomics.load(region, w);
    if (cur !== 0 && isThreadAlive(cur)) continue;
    if (Atomics.compareExchange(region, w, cur, identity.ident) !== cur) {
      cur = Atomics.load(region, w);
      continue;
    }
    mySlot = k;
    for (let r = 0; r < RECORDS; r++) Atomics.store(region, recordAt(k, r) / 4, 0);
    publishName(k, identity);
    return;
  }
}

claimSlot(currentIdentity());
onIdentityChange(claimSlot);

// An operator's switches, read once by the first isolate of the process (workers share its table).
if (isMainThread && Atomics.load(region, MODE) === 0) {
  const mode = process.env.SKEIN_DEADLOCK;
  if (mode === 'report' || mode === 'raise' || mode === 'off') setDeadlockMode(mode);
  else if (mode)
    process.emitWarning(`SKEIN_DEADLOCK=${mode} ignored: use report, raise or off`, 'SkeinWarning');
  const ms = Number(process.env.SKEIN_DEADLOCK_TIMEOUT);
  if (process.env.SKEIN_DEADLOCK_TIMEOUT && ms > 0) setDeadlockTimeout(ms);
}

// ---------------------------------------------------------------------------------------------
// Wait records (written by the waiting thread only).

/** skein's own `dist/` (or `src/`) folder, whose frames a dump leaves out. */
const OWN_ROOT = new URL('..', import.meta.url).href;

/**
 * The frames of a stack that are the user's: skein's own frames (the parking layer, the
 * primitive, the worker runtime) are dropped, except inline functions skein evaluated for the
 * user (their frames read `eval at …`).
 */
function userFrames(stack: string): string {
  return stack
    .split('\n')
    .slice(1)
    .filter((l) => !l.includes(OWN_ROOT) || l.includes('eval at'))
    .join('\n');
}

/** A wait record of this thread, as returned by {@link beginWait}. */
export type WaitRecord = number;

/**
 * Records that this thread (or one of its async tasks) parks on an object. Returns the record,
 * or -1 when none is free (the wait is then not tracked). Captures the calling stack.
 * `since`: when the wait began, in ms since the epoch.
 */
export function beginWait(
  kind: WaitKind,
  objectId: number,
  owners: readonly number[],
  sync: boolean,
  call: string,
  since: number = Date.now(),
): WaitRecord {
  if (mySlot < 0) return -1;
  for (let r = 0; r < RECORDS; r++) {
    const at = recordAt(mySlot, r);
    const w = at / 4;
    if (region[w] !== 0) continue;
    Atomics.add(region, w + 1, 1);
    region[w + 2] = WAIT_KINDS.indexOf(kind);
    region[w + 3] = objectId;
    writeOwners(w, owners);
    region[w + 13] = Atomics.add(region, WAIT_SEQ, 1) + 1;
    region[w + 14] = sync ? 1 : 0;
    region[w + 15] = 0;
    floats[(at + 64) / 8] = since;
    const stack = userFrames(new Error().stack ?? '');
    region[w + 18] = writeText(`${call}\n${stack}`, at + TEXT_AT, TEXT_MAX);
    Atomics.store(region, w, 1);
    Atomics.add(region, w + 1, 1);
    return at;
  }
  return -1;
}

function writeOwners(w: number, owners: readonly number[]): void {
  const n = Math.min(owners.length, MAX_OWNERS);
  region[w + 4] = n;
  for (let i = 0; i < n; i++) region[w + 5 + i] = owners[i] as number;
}

/** Refreshes the owners a waiting record lists (on each slice of its wait). */
export function refreshOwners(rec: WaitRecord, owners: readonly number[]): void {
  if (rec < 0) return;
  const w = rec / 4;
  const n = region[w + 4] as number;
  if (n === owners.length) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = region[w + 5 + i] === owners[i];
    if (same) return;
  }
  Atomics.add(region, w + 1, 1);
  writeOwners(w, owners);
  Atomics.add(region, w + 1, 1);
}

/** Ends a wait: frees its record. */
export function endWait(rec: WaitRecord): void {
  if (rec < 0) return;
  Atomics.store(region, rec / 4, 0);
}

/** True once the deadlock detector chose this wait to fail. */
export function isVictim(rec: WaitRecord): boolean {
  return rec >= 0 && Atomics.load(region, rec / 4 + 15) === 1;
}

/** This record's wait number. */
export function waitNumber(rec: WaitRecord): number {
  return rec < 0 ? 0 : (region[rec / 4 + 13] as number);
}

/** Marks the wait with number `waitNo` of thread `ident` as the one to fail. */
export function markVictim(ident: number, waitNo: number): void {
  for (let k = 0; k < SLOTS; k++) {
    if (Atomics.load(region, slotAt(k) / 4) !== ident) continue;
    for (let r = 0; r < RECORDS; r++) {
      const w = recordAt(k, r) / 4;
      if (Atomics.load(region, w) === 1 && Atomics.load(region, w + 13) === waitNo)
        Atomics.store(region, w + 15, 1);
    }
  }
}

/**
 * Claims the right to print the report of a cycle with signature `sig`: true once per
 * signature (among the last few reported), false when it was reported already or another
 * thread is printing one now.
 */
export function claimReport(sig: number): boolean {
  if (Atomics.compareExchange(region, REPORT_LOCK, 0, 1) !== 0) return false;
  try {
    for (let i = 0; i < REPORTED_N; i++) if (region[REPORTED + i] === sig) return false;
    const next = region[REPORT_NEXT] as number;
    region[REPORTED + (next % REPORTED_N)] = sig;
    region[REPORT_NEXT] = next + 1;
    return true;
  } finally {
    Atomics.store(region, REPORT_LOCK, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading (any thread).

/** One wait as read from the table. */
export interface WaitSnapshot {
  kind: WaitKind;
  objectId: number;
  owners: number[];
  waitNo: number;
  sync: boolean;
  victim: boolean;
  since: number;
  call: string;
  stack: string;
}

/** One thread as read from the table. */
export interface ThreadSnapshot {
  ident: number;
  name: string;
  kind: 'main' | 'thread' | 'worker';
  waits: WaitSnapshot[];
}

function readRecord(at: number): WaitSnapshot | undefined {
  const w = at / 4;
  for (let tries = 0; tries < 100; tries++) {
    const seq = Atomics.load(region, w + 1);
    if (seq & 1) continue;
    if (Atomics.load(region, w) !== 1) return undefined;
    const n = Math.min(region[w + 4] as number, MAX_OWNERS);
    const owners: number[] = [];
    for (let i = 0; i < n; i++) owners.push(region[w + 5 + i] as number);
    const text = readText(at + TEXT_AT, Math.min(region[w + 18] as number, TEXT_MAX));
    const snap: WaitSnapshot = {
      kind: WAIT_KINDS[region[w + 2] as number] ?? 'Lock',
      objectId: region[w + 3] as number,
      owners,
      waitNo: region[w + 13] as number,
      sync: region[w + 14] === 1,
      victim: region[w + 15] === 1,
      since: floats[(at + 64) / 8] as number,
      call: text.slice(0, Math.max(0, text.indexOf('\n'))),
      stack: text.slice(text.indexOf('\n') + 1),
    };
    if (Atomics.load(region, w + 1) === seq && Atomics.load(region, w) === 1) return snap;
  }
  return undefined;
}

/** Every live thread registered in this process, with its current waits. */
export function readThreads(): ThreadSnapshot[] {
  const out: ThreadSnapshot[] = [];
  for (let k = 0; k < SLOTS; k++) {
    const w = slotAt(k) / 4;
    const ident = Atomics.load(region, w);
    if (ident === 0 || !isThreadAlive(ident)) continue;
    let name = '';
    let kind: ThreadSnapshot['kind'] = 'worker';
    for (let tries = 0; tries < 100; tries++) {
      const seq = Atomics.load(region, w + 3);
      if (seq & 1) continue;
      kind = TKIND_NAMES[region[w + 1] as number] ?? 'worker';
      name = readText(slotAt(k) + SLOT_META, Math.min(region[w + 2] as number, SLOT_NAME));
      if (Atomics.load(region, w + 3) === seq) break;
    }
    const waits: WaitSnapshot[] = [];
    for (let r = 0; r < RECORDS; r++) {
      const snap = readRecord(recordAt(k, r));
      if (snap) waits.push(snap);
    }
    waits.sort((a, b) => a.waitNo - b.waitNo);
    out.push({ ident, name, kind, waits });
  }
  // The main thread first, then by ident.
  return out.sort((a, b) => (a.kind === 'main' ? -1 : b.kind === 'main' ? 1 : a.ident - b.ident));
}

/** The name of the live thread `ident` (`ident N` when it is not registered or has ended). */
export function threadName(ident: number): string {
  if (ident === 1 && isMainThread) return 'MainThread';
  for (const t of readThreads()) if (t.ident === ident) return t.name;
  return `ident ${ident}`;
}
