/**
 * The process-wide diagnostics switches. They live in shared memory (`core/wait-table.ts`), so
 * a call in any thread applies to every thread of the process. An operator can set them
 * without code changes through the environment: `SKEIN_DEADLOCK=report|raise|off` and
 * `SKEIN_DEADLOCK_TIMEOUT=<ms>` (read by the main thread when skein loads).
 *
 * @module
 */
import { checkOptions } from '../core/options.js';
import {
  type DeadlockMode,
  deadlockMode,
  deadlockTimeout,
  mainBlockedWarnings,
  setDeadlockMode,
  setDeadlockTimeout,
  setMainBlockedWarnings,
} from '../core/wait-table.js';

/** The switches of {@link configureDiagnostics}. */
export interface DiagnosticsOptions {
  /**
   * What happens once a wait has lasted `deadlockTimeout` and it is part of a deadlock cycle:
   * `'report'` (default) prints the cycle once to stderr as a process warning with code
   * `ERR_SKEIN_DEADLOCK_DETECTED` and goes on waiting; `'raise'` fails the wait of the cycle
   * that began last with a `DeadlockError` whose `.cycle` names every thread and lock;
   * `'off'` never checks.
   */
  deadlock?: DeadlockMode;
  /** How long a wait lasts before the deadlock check runs, in ms (default 1000). */
  deadlockTimeout?: number;
  /**
   * Whether a `…Sync` wait that blocks the main thread for over 100 ms emits one process
   * warning `ERR_SKEIN_MAIN_THREAD_BLOCKED` (default true).
   */
  warnMainThreadBlocked?: boolean;
}

const KEYS = ['deadlock', 'deadlockTimeout', 'warnMainThreadBlocked'] as const;

/**
 * Sets the diagnostics switches for the whole process (every thread). Options left out keep
 * their current value.
 * @throws TypeError for an unknown option or a wrong type; RangeError for a deadlockTimeout
 *   that is not a positive number.
 * @example
 * ```ts
 * configureDiagnostics({ deadlock: 'raise', deadlockTimeout: 500 });
 * ```
 */
export function configureDiagnostics(options: DiagnosticsOptions): void {
  checkOptions('configureDiagnostics', options, KEYS);
  const { deadlock, deadlockTimeout: ms, warnMainThreadBlocked } = options;
  if (deadlock !== undefined && deadlock !== 'report' && deadlock !== 'raise' && deadlock !== 'off') {
    throw new TypeError(
      `configureDiagnostics: deadlock must be 'report', 'raise' or 'off', got ${String(deadlock)}`,
    );
  }
  if (ms !== undefined) {
    if (typeof ms !== 'number')
      throw new TypeError(`configureDiagnostics: deadlockTimeout must be a number of ms`);
    if (!(ms > 0) || !Number.isFinite(ms)) {
      throw new RangeError(
        `configureDiagnostics: deadlockTimeout must be a positive number of ms, got ${ms}`,
      );
    }
  }
  if (warnMainThreadBlocked !== undefined && typeof warnMainThreadBlocked !== 'boolean') {
    throw new TypeError('configureDiagnostics: warnMainThreadBlocked must be a boolean');
  }
  if (deadlock !== undefined) setDeadlockMode(deadlock);
  if (ms !== undefined) setDeadlockTimeout(ms);
  if (warnMainThreadBlocked !== undefined) setMainBlockedWarnings(warnMainThreadBlocked);
}

/** The switches now in force. */
export function diagnosticsConfig(): Required<DiagnosticsOptions> {
  return {
    deadlock: deadlockMode(),
    deadlockTimeout: deadlockTimeout(),
    warnMainThreadBlocked: mainBlockedWarnings(),
  };
}
