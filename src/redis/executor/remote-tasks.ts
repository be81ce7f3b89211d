/**
 * Naming the tasks a Redis worker runs. No code travels over the network: a job
 * carries only an export name of the worker's task module. {@link remoteTasks} gives those
 * names the functions' types, so `submit(tasks.fib, 30)` is a `Future<number>` checked by
 * TypeScript, while at run time `tasks.fib` is only a name.
 *
 * @module
 */
import { type AnyFunction, isTaskRef, type TaskRef, task } from '../../core/task.js';

/** The module URL of a task reference made by {@link remoteTasks}: not loadable, only a name holder. */
const REMOTE_MODULE = 'skein-remote:tasks';

/** The functions exported by a task module `M`, as named task references. */
export type RemoteTasks<M> = {
  readonly [K in keyof M as K extends string
    ? M[K] extends AnyFunction
      ? K
      : never
    : never]: M[K] extends AnyFunction ? TaskRef<M[K]> : never;
};

/**
 * Typed names for the tasks of a worker's module: `remoteTasks<typeof import('./tasks.js')>()`
 * returns an object whose property `fib` names the export `fib`, typed as that function, for
 * `RedisExecutor.submit(tasks.fib, 30)`. Nothing is imported: the type parameter is erased, and
 * each property is a task reference holding only its name.
 *
 * @example
 * const tasks = remoteTasks<typeof import('./tasks.js')>();
 * const f = executor.submit(tasks.fib, 30); // Future<number>
 */
export function remoteTasks<M extends object>(): RemoteTasks<M> {
  const made = new Map<string, TaskRef>();
  return new Proxy(Object.create(null) as RemoteTasks<M>, {
    get(_target, key) {
      // `then` would make the object look like a promise to `await`; symbols are protocol hooks.
      if (typeof key !== 'string' || key === 'then') return undefined;
      let ref = made.get(key);
      if (ref === undefined) {
        ref = task(new URL(REMOTE_MODULE), key);
        made.set(key, ref);
      }
      return ref;
    },
  });
}

/**
 * The export name a job should carry for `fn`: the string itself, or a task reference's export
 * name (from {@link remoteTasks}, or `task(url, name)` — the URL is not sent; the worker runs its
 * own module's export of that name).
 * @throws TypeError for a function (code does not travel) or anything else.
 */
export function taskName(fn: unknown): string {
  if (typeof fn === 'string') {
    if (fn === '') throw new TypeError('task name must not be empty');
    return fn;
  }
  if (isTaskRef(fn)) return fn.exportName;
  if (typeof fn === 'function') {
    throw new TypeError(
      `RedisExecutor cannot send a function${fn.name ? ` (${fn.name})` : ''}: no code travels over the network. ` +
        "Name an export of the workers' task module: submit('fib', 30), or remoteTasks<typeof import('./tasks.js')>().fib",
    );
  }
  throw new TypeError(
    `task must be a task name (string) or a task reference from remoteTasks(), got ${fn === null ? 'null' : typeof fn}`,
  );
}
