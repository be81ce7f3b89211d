/**
 * The receiving side of task shipping: turns a {@link TaskSpec} into a callable function in
 * this isolate, once — compiled inline functions and imported module exports are cached, so a
 * pool worker pays for a task's source or module only the first time it sees it.
 *
 * @module
 */
import type { AnyFunction, TaskSpec } from './task.js';

/**
 * esbuild (and so tsx) compiles with `keepNames`, which wraps nested functions and classes in
 * `__name(fn, "name")` calls that reference a helper of the *sending* module. A shipped function
 * has no such helper, so it is supplied here (FACTS.md).
 */
function nameHelper<T extends object>(target: T, value: string): T {
  return Object.defineProperty(target, 'name', { value, configurable: true });
}

const inlineCache = new Map<string, AnyFunction>();
const moduleCache = new Map<string, AnyFunction>();
let tsxRegistered: Promise<void> | undefined;

/** Compiles inline source once per isolate. @throws SyntaxError with a hint when it does not parse. */
export function compileInline(source: string): AnyFunction {
  let fn = inlineCache.get(source);
  if (fn === undefined) {
    try {
      fn = new Function('__name', `"use strict"; return (${source}\n);`)(nameHelper) as AnyFunction;
    } catch (err) {
      throw new SyntaxError(
        `skein could not compile the inline task function in this thread (${(err as Error).message}). ` +
          'Inline tasks must be self-contained function expressions; use a module task for anything else.',
      );
    }
    if (typeof fn !== 'function') throw new TypeError('inline task source did not evaluate to a function');
    inlineCache.set(source, fn);
  }
  return fn;
}

/** Loads tsx's ESM hooks in this isolate, once, so `.ts` module tasks can be imported. */
function registerTsx(module: string): Promise<void> {
  tsxRegistered ??= (async () => {
    let api: { register: () => unknown };
    try {
      api = (await import('tsx/esm/api')) as { register: () => unknown };
    } catch (err) {
      tsxRegistered = undefined;
      throw new Error(
        `skein: module task ${module} is a TypeScript file, and loading it in a worker needs tsx, which is not installed (npm install -D tsx). Or point the task at the compiled .js file.`,
        { cause: err },
      );
    }
    api.register();
  })();
  return tsxRegistered;
}

/** Imports a module task's export once per isolate. @throws Error naming the module and export. */
export async function loadModuleTask(module: string, exportName: string): Promise<AnyFunction> {
  const key = `${exportName}\u0000${module}`;
  const cached = moduleCache.get(key);
  if (cached !== undefined) return cached;
  if (/\.[cm]?tsx?$/.test(new URL(module).pathname)) await registerTsx(module);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(module)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (
      code === 'ERR_MODULE_NOT_FOUND' &&
      String((err as Error).message).includes(new URL(module).pathname)
    ) {
      throw Object.assign(
        new Error(`skein: module task's module not found: ${module} (export '${exportName}')`, {
          cause: err,
        }),
        {
          code: 'ERR_SKEIN_TASK_NOT_FOUND',
        },
      );
    }
    throw err;
  }
  const fn = ns[exportName];
  if (typeof fn !== 'function') {
    const names = Object.keys(ns).filter((k) => typeof ns[k] === 'function');
    throw Object.assign(
      new Error(
        fn === undefined
          ? `skein: module ${module} has no export '${exportName}' (its function exports: ${names.join(', ') || 'none'})`
          : `skein: export '${exportName}' of module ${module} is not a function (it is ${typeof fn})`,
      ),
      { code: 'ERR_SKEIN_TASK_NOT_FOUND' },
    );
  }
  moduleCache.set(key, fn as AnyFunction);
  return fn as AnyFunction;
}

/** Resolves a task spec to a function (synchronously when it is cached or inline). */
export function loadTask(spec: TaskSpec): AnyFunction | Promise<AnyFunction> {
  if (spec.kind === 'inline') return compileInline(spec.source);
  return (
    moduleCache.get(`${spec.exportName}\u0000${spec.module}`) ?? loadModuleTask(spec.module, spec.exportName)
  );
}

const hint =
  ' (inline task functions are sent to the worker as source text, so variables and imports they capture from the ' +
  "enclosing scope do not travel: import inside the function — `const { x } = await import('pkg')` — pass values as " +
  'arguments, or use a module task)';

/** Adds the captured-variables hint to a ReferenceError thrown by an inline task. */
export function explainInlineError(err: unknown): unknown {
  if (err instanceof ReferenceError && !err.message.includes(hint)) {
    err.message += hint;
    if (err.stack) err.stack = err.stack.replace(/^ReferenceError: .*$/m, `ReferenceError: ${err.message}`);
  }
  return err;
}
