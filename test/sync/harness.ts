/**
 * Runs one behaviour three ways (async tasks in one thread, worker threads, both mixed): each
 * party is a self-contained async function, started either as an async task here or as the
 * target of a skein `Thread` (it then receives the shared primitives as themselves).
 */
import { Thread } from 'skein/threading';

export type Mode = 'async' | 'threads' | 'mixed';
export const MODES: readonly Mode[] = ['async', 'threads', 'mixed'];

/** A started party: its result (the function's return value, or its error). */
export interface Party<R> {
  result(): Promise<R>;
  inThread: boolean;
}

/**
 * Starts party number `i` of a behaviour. In `mixed` mode even parties run in threads and odd
 * ones as async tasks of the main thread.
 */
export function spawn<R>(
  mode: Mode,
  i: number,
  fn: (...args: never[]) => R | Promise<R>,
  ...args: unknown[]
): Party<R> {
  const inThread = mode === 'threads' || (mode === 'mixed' && i % 2 === 0);
  if (!inThread) {
    const p = Promise.resolve().then(() => fn(...(args as never[])));
    p.catch(() => {});
    return { result: () => p, inThread };
  }
  const t = new Thread({ target: fn, args: args as never[] });
  t.start();
  const p = t.result() as Promise<R>;
  p.catch(() => {});
  return { result: () => p, inThread };
}

/** For `assert.throws`/`assert.rejects`: the error is an instance of `cls` with the given `code`. */
export function isError(
  cls: abstract new (...args: never[]) => Error,
  code: string,
): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!(e instanceof cls))
      throw new Error(`expected ${cls.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    if ((e as { code?: string }).code !== code)
      throw new Error(`expected code ${code}, got ${(e as { code?: string }).code}`);
    return true;
  };
}
