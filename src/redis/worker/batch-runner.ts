/**
 * Runs a slice of a batch job inside one pool worker (thread, process, or the worker's own
 * thread for `'local'`), so the tasks of a batch cost one pool message, not one each, and their
 * results are encoded there rather than on the thread that renews BullMQ's locks.
 *
 * The module URL is the worker's own task module (from its configuration, never from a job), and
 * every name was already checked against that module's exports; it is checked again here, as an
 * own function property of the module namespace.
 *
 * @module
 */
import { encodeData, encodeError } from '../codec.js';
import { reply } from '../executor/protocol.js';

/** One call of a batch slice: task id, export name, arguments. */
export type BatchCall = [id: string, name: string, args: unknown[]];

/**
 * Runs every call of `calls` (concurrently, so async tasks overlap) and returns their replies,
 * ready for the executor's reply list: `v` with the encoded value, or `e` with the encoded error.
 */
export async function runBatch(moduleUrl: string, calls: BatchCall[]): Promise<string[]> {
  const mod = (await import(moduleUrl)) as Record<string, unknown>;
  return Promise.all(
    calls.map(async ([id, name, args]) => {
      try {
        const fn = Object.hasOwn(mod, name) ? mod[name] : undefined;
        if (typeof fn !== 'function') throw new TypeError(`task '${name}' is not a function of ${moduleUrl}`);
        return reply('v', id, encodeData(await (fn as (...a: unknown[]) => unknown)(...args), 'result'));
      } catch (err) {
        return reply('e', id, encodeError(err));
      }
    }),
  );
}
