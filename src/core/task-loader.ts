/**
 * The receiving side of task shipping: turns a {@link TaskSpec} into a callable function in
 * this isolate, once — compiled inline functions and imported module exports are cached, so a
 * pool worker pays for a task's source or module only the first time it sees it.
 *
 * @module
 */
import type { AnyFunction, TaskSpec } from './task.js';
import { nativeTypeStripping, typeScriptTwin } from './task-url.js';

/**
 * esbuild (and so tsx) compiles with `keepNames`, which wraps nested functions and classes in
 * `__name(fn, "name")` calls that reference a helper of the *sending* module. A shipped function
 * has no such helper, so it is supplied here.
 */
function nameHelper<T extends object>(target: T, value: string): T {
  return Object.defineProperty(target, 'name', { value, configurable: true });
}

/** One resource registered by a lowered `using` declaration. */
interface UsingEntry {
  isAsync: boolean;
  dispose?: () => unknown;
  value?: unknown;
}

/**
 * Node 20 cannot run `using` natively, so esbuild lowers `using x = v` to
 * `__using(stack, v, isAsync)` inside `try`, and disposes in `finally` with
 * `__callDispose(stack, error, hasError)` (returning a promise when an entry is async). Those
 * helpers live in the sending module too; these implement the same contract for shipped
 * functions: dispose in reverse order, later errors suppressing earlier ones
 * (`SuppressedError`-shaped, as Node 20 has no `SuppressedError`), rethrow at the end.
 */
function usingHelper(stack: UsingEntry[], value: unknown, isAsync?: boolean): unknown {
  if (value === null || value === undefined) {
    if (isAsync) stack.push({ isAsync: true });
    return value;
  }
  if (typeof value !== 'object' && typeof value !== 'function')
    throw new TypeError('using: an object is expected');
  const rec = value as Record<symbol, unknown>;
  let dispose = isAsync ? rec[Symbol.asyncDispose] : undefined;
  if (dispose === undefined) dispose = rec[Symbol.dispose];
  if (typeof dispose !== 'function') throw new TypeError('using: the value is not disposable');
  stack.push({ isAsync: isAsync === true, dispose: dispose as () => unknown, value });
  return value;
}

function suppressed(error: unknown, suppressedError: unknown): Error {
  return Object.assign(new Error('An error was suppressed during disposal'), {
    name: 'SuppressedError',
    error,
    suppressed: suppressedError,
  });
}

function callDisposeHelper(
  stack: UsingEntry[],
  error: unknown,
  hasError: boolean,
): Promise<void> | undefined {
  const fail = (e: unknown) => {
    error = hasError ? suppressed(e, error) : e;
    hasError = true;
  };
  const next = (): Promise<void> | undefined => {
    for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
      try {
        const result = entry.dispose?.call(entry.value);
        if (entry.isAsync) {
          return Promise.resolve(result).then(next, (e: unknown) => {
            fail(e);
            return next();
          });
        }
      } catch (e) {
        fail(e);
      }
    }
    if (hasError) throw error;
    return undefined;
  };
  return next();
}

/** The helpers esbuild-compiled functions may reference, by name. */
const helpers: Record<string, unknown> = {
  __name: nameHelper,
  __using: usingHelper,
  __callDispose: callDisposeHelper,
};
const helperNames = Object.keys(helpers);
const helperValues = Object.values(helpers);

const inlineCache = new Map<string, AnyFunction>();
const moduleCache = new Map<string, AnyFunction>();
let tsxRegistered: Promise<void> | undefined;

/** Compiles inline source once per isolate. @throws SyntaxError with a hint when it does not parse. */
export function compileInline(source: string): AnyFunction {
  let fn = inlineCache.get(source);
  if (fn === undefined) {
    try {
      fn = new Function(...helperNames, `"use strict"; return (${source}\n);`)(
        ...helperValues,
      ) as AnyFunction;
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

/**
 * Lets this isolate import a TypeScript module task: registers tsx's ESM hooks once when tsx is
 * installed (it resolves the module's own `./x.js` imports to `./x.ts`, as the program's
 * compiler does); otherwise relies on Node's own type stripping where it exists (22.18+, 23.6+;
 * not `.tsx`).
 * @throws Error saying what to install when neither can load it.
 */
function registerTsx(module: string): Promise<void> {
  tsxRegistered ??= (async () => {
    let api: { register: () => unknown };
    try {
      api = (await import('tsx/esm/api')) as { register: () => unknown };
    } catch (err) {
      if (nativeTypeStripping() && !/\.tsx$/.test(new URL(module).pathname)) return;
      tsxRegistered = undefined;
      throw new Error(
        `skein: module task ${module} is a TypeScript file, and loading it in a worker needs tsx, which is not installed (npm install -D tsx), or a Node.js that strips types (22.18+ or 23.6+; this is ${process.version}). Or point the task at the compiled .js file.`,
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
      // A TypeScript source beside a missing .js file: the program runs without a TypeScript
      // loader (task() would have picked the source otherwise), so say what would load it.
      const twin = typeScriptTwin(module);
      const hint = twin
        ? `; ${new URL(twin).pathname.split('/').pop()} is beside it: compile it (tsc), run the program under tsx, or use Node.js 22.18+ (which strips types)`
        : '';
      throw Object.assign(
        new Error(`skein: module task's module not found: ${module} (export '${exportName}')${hint}`, {
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
