/**
 * What a thread or process runs: an inline function (sent as source text) or a module task
 * (a module URL and an export name).
 *
 * @module
 */
import { resolveTaskUrl } from './task-url.js';

/** Any function a task may be: sync or async, any arguments. */
// biome-ignore lint/suspicious/noExplicitAny: the widest function type, needed for inference of Parameters/ReturnType.
export type AnyFunction = (...args: any[]) => unknown;

const kTask: unique symbol = Symbol.for('skein.task') as never;

/**
 * A reference to a function exported by a module, runnable in any thread or process.
 * Created by {@link task}. `F` is the function's type, so executors infer argument and result
 * types from it.
 */
export interface TaskRef<F extends AnyFunction = AnyFunction> {
  /** Brand: marks a reference made by {@link task}. */
  readonly [kTask]: true;
  /** The module's URL (`file:` URL as a string), after the `.js` → `.ts` resolution of {@link task}. */
  readonly module: string;
  /** The export's name (`'default'` for the default export). */
  readonly exportName: string;
  /** Phantom: carries the function type for inference; never set at run time. */
  readonly __fn?: F;
}

/**
 * Names a function exported by a module as a task that threads and processes can run. Unlike
 * an inline function, a module task may close over module state and import anything.
 *
 * Name the module as you import it: `new URL('./tasks.js', import.meta.url)` works both after
 * `tsc` (where `tasks.js` exists) and under a TypeScript loader such as tsx, or on a Node that
 * strips types (22.18+, 23.6+), where only `tasks.ts` exists: a missing `.js` file is then
 * replaced by the `.ts` (`.tsx`; `.mts` for `.mjs`, `.cts` for `.cjs`) beside it, as TypeScript
 * resolves imports. A `.ts` URL works too; workers load it with tsx when it is installed, or
 * with Node's own type stripping.
 *
 * @example
 * const fib = task<typeof import('./tasks.js')['fib']>(new URL('./tasks.js', import.meta.url), 'fib');
 * await pool.submit(fib, 30);
 *
 * @param module the module's URL (`URL`, `file:` URL string, or absolute path).
 * @param exportName the export to run; `'default'` when omitted.
 * @throws TypeError when `module` is not a URL or absolute path, or `exportName` is not a string.
 */
export function task<F extends AnyFunction = AnyFunction>(
  module: URL | string,
  exportName = 'default',
): TaskRef<F> {
  let url: string;
  if (module instanceof URL) url = module.href;
  else if (typeof module === 'string' && /^(file|data):/.test(module)) url = module;
  else if (typeof module === 'string' && module.startsWith('/')) url = new URL(`file://${module}`).href;
  else {
    throw new TypeError(
      `task(module): expected a URL (new URL('./tasks.js', import.meta.url)) or an absolute path, got ${
        typeof module === 'string' ? JSON.stringify(module) : typeof module
      }`,
    );
  }
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError('task(module, exportName): exportName must be a non-empty string');
  }
  return Object.freeze({ [kTask]: true as const, module: resolveTaskUrl(url), exportName });
}

/** True when `value` is a {@link TaskRef}. */
export function isTaskRef(value: unknown): value is TaskRef {
  return typeof value === 'object' && value !== null && (value as Partial<TaskRef>)[kTask] === true;
}

/** A task as it travels: inline source, or a module reference. Plain data. */
export type TaskSpec =
  | { kind: 'inline'; source: string }
  | { kind: 'module'; module: string; exportName: string };

const sourceCache = new WeakMap<AnyFunction, string>();

/**
 * Turns a function into source text that evaluates to it in another isolate.
 * Method shorthand (`m(x) {…}`) is rewritten into a function expression.
 * @throws TypeError for bound or native functions and classes, which have no usable source.
 */
export function functionSource(fn: AnyFunction, what = 'target'): string {
  const cached = sourceCache.get(fn);
  if (cached !== undefined) return cached;
  let src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    throw new TypeError(
      `${what} ${fn.name ? `'${fn.name}' ` : ''}is a bound or native function, which has no source to send to another thread. ` +
        'Pass a plain function, or a module task: task(new URL(...), name).',
    );
  }
  if (/^class[\s{]/.test(src)) {
    throw new TypeError(`${what} ${fn.name ? `'${fn.name}' ` : ''}is a class, not a function`);
  }
  src = normalizeMethod(src);
  sourceCache.set(fn, src);
  return src;
}

/** Makes method shorthand (`name(a) {}`, `async name() {}`, `*gen() {}`) an expression. */
function normalizeMethod(src: string): string {
  if (/^(async\s+)?function[\s*(]/.test(src)) return src;
  if (/^(async\s*)?(\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>/.test(src)) return src;
  const m = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)\s*\(/.exec(src);
  if (m) {
    const rest = src.slice(m[0].length - 1);
    return `${m[1] ? 'async ' : ''}function${m[2] ? '*' : ''} ${m[3]}${rest}`;
  }
  return src;
}

/**
 * Describes a task for sending.
 * @throws TypeError when it is neither a function nor a {@link TaskRef}.
 */
export function toTaskSpec(target: unknown, what = 'target'): TaskSpec {
  if (typeof target === 'function')
    return { kind: 'inline', source: functionSource(target as AnyFunction, what) };
  if (isTaskRef(target)) return { kind: 'module', module: target.module, exportName: target.exportName };
  throw new TypeError(
    `${what} must be a function or a module task (task(url, name)), got ${target === null ? 'null' : typeof target}`,
  );
}
