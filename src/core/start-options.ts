/**
 * The options `Thread` and `Process` share (Python's `target=, args=, name=, daemon=`), checked
 * in one place so both reject bad input with the same messages.
 *
 * @module
 */
import { checkOptions } from './options.js';
import { type AnyFunction, type TaskRef, type TaskSpec, toTaskSpec } from './task.js';

/** `Thread` or `Process` options, as a user passes them. */
export interface StartOptions<F extends AnyFunction = AnyFunction> {
  target?: F | TaskRef<F> | undefined;
  args?: Parameters<F> | undefined;
  name?: string | undefined;
  daemon?: boolean | undefined;
}

/** The keys of {@link StartOptions} (`ThreadOptions`, `ProcessOptions`). */
export const START_KEYS: readonly string[] = ['target', 'args', 'name', 'daemon'];

/** The checked options: the target as a spec to send (none: do nothing), and its arguments. */
export interface CheckedStartOptions {
  spec: TaskSpec | undefined;
  args: unknown[];
  name: string | undefined;
  daemon: boolean | undefined;
}

/**
 * Checks `Thread`/`Process` options.
 * @param what `'Thread'` or `'Process'`, for the messages.
 * @throws TypeError when options is not an object, `target` is neither a function nor a module
 *   task, `args` is not an array, `name`/`daemon` have the wrong type, or a key is unknown.
 */
export function checkStartOptions(what: 'Thread' | 'Process', options: unknown): CheckedStartOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${what}(options): options must be an object ({ target, args, name, daemon })`);
  }
  checkOptions(what, options, START_KEYS);
  const { target, args = [], name, daemon } = options as StartOptions;
  const spec = target === undefined || target === null ? undefined : toTaskSpec(target, `${what} target`);
  if (!Array.isArray(args)) throw new TypeError(`${what} args must be an array`);
  checkName(what, name, true);
  if (daemon !== undefined && typeof daemon !== 'boolean')
    throw new TypeError(`${what} daemon must be a boolean`);
  return { spec, args, name, daemon };
}

/** Checks a name (optional when `optional`). @throws TypeError when it is not a string. */
export function checkName(what: 'Thread' | 'Process', name: unknown, optional = false): void {
  if (optional && name === undefined) return;
  if (typeof name !== 'string') throw new TypeError(`${what} name must be a string`);
}
