/**
 * The diagnostics side of a parked wait: it records the wait in the wait table
 * (`core/wait-table.ts`) when the wait first parks, refreshes the owners it sees on every
 * slice, runs the deadlock check once the wait has lasted `deadlockTimeout`, fails the wait
 * when the detector chose it (mode `'raise'`), and warns once when a `…Sync` wait blocks the
 * main thread's event loop for over 100 ms. None of it runs on a primitive's fast path: a
 * Watch exists only for a wait that parks.
 *
 * Where the deadlock check runs: in the waiters themselves, each time one of their slices
 * ends (locks and semaphores park in slices of ≤ 50 ms to notice dead holders anyway). A
 * parked thread cannot run a check, but every member of a cycle wakes from its slices, so some
 * member always runs it — no watchdog thread, no timer, and nothing at all for a program whose
 * waits are short (PostgreSQL's `deadlock_timeout` model). A cycle is acted on only when the
 * same cycle (same waits) is seen on two consecutive checks, one slice apart, so an owner
 * snapshot that is one slice stale cannot produce a false report.
 *
 * @module
 */
import { writeSync } from 'node:fs';
import { DeadlockError } from '../core/errors.js';
import { currentIdentity } from '../core/identity.js';
import { cycleSignature, type Deadlock, describeCycle, detectDeadlocks } from '../core/wait-graph.js';
import {
  beginWait,
  claimReport,
  deadlockMode,
  deadlockTimeout,
  endWait,
  isVictim,
  mainBlockedWarnings,
  markVictim,
  objectLabel,
  refreshOwners,
  type WaitKind,
  type WaitRecord,
  waitNumber,
} from '../core/wait-table.js';

/** What a primitive tells the parking layer about itself, for dumps and deadlock detection. */
export interface WaitSubject {
  /** Its class name as shown in dumps. */
  readonly diagKind: WaitKind;
  /** Its object id (stored in its shared memory, the same in every thread). */
  readonly diagId: number;
  /** The threads holding it now (lock-like objects only). */
  diagOwners?(): readonly number[];
}

/**
 * Waits shorter than this leave no trace: the record and its stack capture (several µs) are
 * made only once a wait has lasted this long, so a briefly contended lock pays nothing extra.
 */
export const WATCH_AFTER_MS = 10;

/** How long a `…Sync` wait may block the main thread before the warning. */
export const MAIN_BLOCKED_MS = 100;
/** Longest slice of a lock-like wait while deadlock detection is on. */
const CHECK_SLICE_MS = 50;

const NO_OWNERS: readonly number[] = [];

/** The bookkeeping of one parked wait. */
export class Watch {
  readonly #subject: WaitSubject;
  readonly #call: string;
  readonly #sync: boolean;
  readonly #rec: WaitRecord;
  readonly #start: number;
  #warned = false;
  #seen: number[] = [];

  /** @param start when the wait began (`performance.now()`). */
  constructor(subject: WaitSubject, call: string, sync: boolean, start: number) {
    this.#start = start;
    this.#subject = subject;
    this.#call = call;
    this.#sync = sync;
    this.#rec = beginWait(
      subject.diagKind,
      subject.diagId,
      subject.diagOwners?.() ?? NO_OWNERS,
      sync,
      call,
      Date.now() - (performance.now() - start),
    );
  }

  /** The longest park slice this wait should use now, given the caller's own slice. */
  slice(base: number, left: number): number {
    let s = Math.min(base, left);
    if (this.#subject.diagOwners !== undefined && deadlockMode() !== 'off') s = Math.min(s, CHECK_SLICE_MS);
    if (this.#sync && !this.#warned && currentIdentity().kind === 'main') {
      s = Math.min(s, Math.max(1, MAIN_BLOCKED_MS - (performance.now() - this.#start)));
    }
    return s;
  }

  /**
   * After each slice: refresh, warn, check.
   * @throws DeadlockError when the detector chose this wait to break a cycle.
   */
  tick(): void {
    const elapsed = performance.now() - this.#start;
    if (this.#sync && !this.#warned && elapsed >= MAIN_BLOCKED_MS && currentIdentity().kind === 'main') {
      this.#warned = true;
      if (mainBlockedWarnings()) {
        process.emitWarning(
          `${this.#call}() on ${this.#subject.diagKind} '${objectLabel(this.#subject.diagKind, this.#subject.diagId)}' ` +
            `has blocked the main thread for over ${MAIN_BLOCKED_MS} ms; its event loop is frozen meanwhile ` +
            '(use the async form, or configureDiagnostics({ warnMainThreadBlocked: false }) to silence this)',
          { type: 'SkeinWarning', code: 'ERR_SKEIN_MAIN_THREAD_BLOCKED' },
        );
      }
    }
    if (this.#rec < 0 || this.#subject.diagOwners === undefined) return;
    refreshOwners(this.#rec, this.#subject.diagOwners());
    if (isVictim(this.#rec)) throw this.#deadlockError();
    const mode = deadlockMode();
    if (mode === 'off' || elapsed < deadlockTimeout()) return;
    const found = detectDeadlocks();
    const sigs = found.map(cycleSignature);
    for (const [i, cycle] of found.entries()) {
      const sig = sigs[i] as number;
      if (!this.#seen.includes(sig)) continue; // confirm on the next check first
      if (mode === 'raise') {
        const victim = cycle.reduce((a, b) => (b.waitNo > a.waitNo ? b : a));
        markVictim(victim.thread.ident, victim.waitNo);
      } else if (claimReport(sig)) {
        report(cycle);
      }
    }
    this.#seen = sigs;
    if (isVictim(this.#rec)) throw this.#deadlockError();
  }

  /** Ends the wait's record. */
  end(): void {
    endWait(this.#rec);
  }

  #deadlockError(): DeadlockError {
    const mine = waitNumber(this.#rec);
    const cycle = detectDeadlocks().find((c) => c.some((l) => l.waitNo === mine)) ?? [];
    const err = new DeadlockError(
      `deadlock detected: ${cycle.length > 0 ? describeCycle(cycle) : 'a cycle of waits'}. ` +
        `This ${this.#call}() was failed to break the cycle (the wait of the cycle that began last); ` +
        'take locks in one fixed order to avoid it.',
    );
    (err as DeadlockError & { cycle: Deadlock }).cycle = cycle;
    return err;
  }
}

/** Prints a cycle once, as a process warning (main thread) or straight to stderr (a worker). */
function report(cycle: Deadlock): void {
  const lines = [
    `deadlock detected: ${describeCycle(cycle)}. These threads will wait forever; take locks in one fixed order, ` +
      "or configureDiagnostics({ deadlock: 'raise' }) to fail one of the waits.",
  ];
  for (const l of cycle) lines.push(`  ${l.thread.name} waiting at:\n${indent(l.stack)}`);
  const message = lines.join('\n');
  if (currentIdentity().kind === 'main') {
    process.emitWarning(message, { type: 'SkeinWarning', code: 'ERR_SKEIN_DEADLOCK_DETECTED' });
  } else {
    // A worker's own warnings reach stderr through the main thread, which may be blocked (or
    // part of the cycle): write to the process's stderr directly.
    writeSync(2, `(node:${process.pid}) [ERR_SKEIN_DEADLOCK_DETECTED] SkeinWarning: ${message}\n`);
  }
}

const indent = (stack: string): string =>
  stack
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 8)
    .map((l) => `      ${l.trim()}`)
    .join('\n');
