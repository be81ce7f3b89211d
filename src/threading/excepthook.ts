/**
 * What happens to an error that escapes a thread's target. Python: `threading.excepthook`.
 *
 * @module
 */
import type { Thread } from './thread.js';

/** The argument of an excepthook; Python's `ExceptHookArgs`. */
export interface ExceptHookArgs {
  /** The error's class (its constructor), or `undefined` when a non-object was thrown. */
  excType: Function | undefined;
  /** The error thrown by the target. */
  excValue: unknown;
  /** The error's stack (which includes the remote stack), Python's traceback. */
  excTraceback: string | undefined;
  /** The thread whose target threw. */
  thread: Thread | undefined;
}

/** An excepthook: called with the failure of a thread's target. */
export type ExceptHook = (args: ExceptHookArgs) => void;

/**
 * The default hook: prints `Exception in thread NAME:` and the stack to stderr, as Python does.
 */
export const defaultExcepthook: ExceptHook = ({ excValue, excTraceback, thread }) => {
  const name = thread?.name ?? 'unknown';
  const text = excTraceback ?? String(excValue);
  process.stderr.write(`Exception in thread ${name}:\n${text}\n`);
};

/**
 * The hook called, in the thread that started it, when a thread's target throws.
 * Python: `threading.excepthook`. Replace it with {@link setExcepthook}.
 */
export let excepthook: ExceptHook = defaultExcepthook;

/**
 * Replaces {@link excepthook}. Python assigns `threading.excepthook = fn`; ES modules cannot
 * be assigned to from outside, hence a setter.
 * @throws TypeError when `hook` is not a function.
 */
export function setExcepthook(hook: ExceptHook): void {
  if (typeof hook !== 'function') throw new TypeError('excepthook must be a function');
  excepthook = hook;
}
