/**
 * The one way every skein call that may wait reads its last argument:
 * a number is the timeout in milliseconds, an object is `{ timeout?, signal?, blocking? }`,
 * and `undefined` means "wait forever". Validation lives here so that every primitive
 * rejects a bad timeout with the same error.
 *
 * @module
 */
import { checkOptions } from './options.js';

/** Options of a call that may wait. */
export interface WaitOptions {
  /** Milliseconds to wait at most; `undefined` waits forever, `0` does not wait. */
  timeout?: number | undefined;
  /** Abort the wait: it rejects with the signal's reason and leaves the object consistent. */
  signal?: AbortSignal | undefined;
}

/** The keys of {@link WaitOptions}. */
export const WAIT_KEYS: readonly string[] = ['timeout', 'signal'];

/** Options of a call that may wait and, as in Python, may be told not to block at all. */
export interface BlockingWaitOptions extends WaitOptions {
  /** `false` never waits (Python's `blocking=False`); a timeout is then not allowed. */
  blocking?: boolean | undefined;
}

/** The keys of {@link BlockingWaitOptions}. */
export const BLOCKING_WAIT_KEYS: readonly string[] = [...WAIT_KEYS, 'blocking'];

/** A wait argument: a timeout in milliseconds, or options. */
export type WaitArg = number | WaitOptions | undefined;

/** The normalized form of a wait argument. */
export interface ParsedWait {
  /** Milliseconds, or `Infinity` to wait forever; `0` when not blocking. */
  timeout: number;
  signal: AbortSignal | undefined;
}

/**
 * Checks a timeout in milliseconds.
 * @throws TypeError when it is not a number; RangeError when negative or NaN.
 */
export function checkTimeout(timeout: unknown, what = 'timeout'): number {
  if (timeout === undefined || timeout === null) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== 'number') {
    throw new TypeError(`${what} must be a number of milliseconds or undefined, got ${typeof timeout}`);
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${what} must be a non-negative number of milliseconds, got ${timeout}`);
  }
  return timeout;
}

/**
 * Reads a wait argument (`500`, `{ timeout: 500, signal }`, `{ blocking: false }`).
 * @throws TypeError for a wrong type (including a non-AbortSignal `signal`);
 *   RangeError for a negative or NaN timeout; ValueError-like misuse (`blocking: false`
 *   together with a timeout) is a TypeError too, as Python raises ValueError there; an unknown
 *   key is a TypeError naming it (see {@link checkOptions}).
 * @param what the call, for messages (`'Lock.acquire()'`).
 * @param allowed the keys the call takes; by default those of {@link BlockingWaitOptions}.
 */
export function parseWait(
  arg: number | BlockingWaitOptions | undefined | null,
  what = 'wait',
  allowed: readonly string[] = BLOCKING_WAIT_KEYS,
): ParsedWait {
  if (arg === undefined || arg === null) return { timeout: Number.POSITIVE_INFINITY, signal: undefined };
  if (typeof arg === 'number') return { timeout: checkTimeout(arg), signal: undefined };
  if (typeof arg !== 'object') {
    throw new TypeError(`expected a timeout in milliseconds or an options object, got ${typeof arg}`);
  }
  checkOptions(what, arg, allowed);
  const { signal, blocking } = arg;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('signal must be an AbortSignal');
  }
  let timeout = checkTimeout(arg.timeout);
  if (blocking !== undefined && typeof blocking !== 'boolean') {
    throw new TypeError('blocking must be a boolean');
  }
  if (blocking === false) {
    if (arg.timeout !== undefined) {
      throw new TypeError("can't specify a timeout for a non-blocking call");
    }
    timeout = 0;
  }
  return { timeout, signal };
}

/** A deadline in `performance.now()` milliseconds for a parsed timeout (`Infinity` for none). */
export function deadlineOf(timeout: number): number {
  return timeout === Number.POSITIVE_INFINITY ? timeout : performance.now() + timeout;
}

/** Milliseconds left until a deadline, never negative. */
export function remaining(deadline: number): number {
  return deadline === Number.POSITIVE_INFINITY ? deadline : Math.max(0, deadline - performance.now());
}
