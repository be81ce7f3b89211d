/**
 * Shared objects: skein values backed by SharedArrayBuffers (locks, queues, shared values…) or
 * by a server (pipe ends, process queues, manager proxies) that must arrive in another thread
 * or process as *themselves* — the same memory or the same server object, with their methods —
 * not as the plain objects structured clone would make of them.
 *
 * A shared object implements {@link kShare}: it returns a small cloneable descriptor, its tag
 * and its data (typically its SABs, or its server's address and its id). On the receiving side
 * {@link reviveSharedSync} finds the decoder registered for the tag. Modules register their
 * decoders when they load; a receiver that has not loaded a type's module yet loads it first.
 *
 * ## The fixed list of shared types
 *
 * Which module defines a tag is not carried by the message: it comes from {@link SHARED_TYPES},
 * a fixed table of skein's own modules (paths relative to this file), so nothing a peer sends
 * is ever passed to `import()` or `require()` — an unknown tag is a `TypeError` and nothing is
 * loaded. This is the one place `core` names modules of the layers above it, as
 * data only: it never imports them statically.
 *
 * Each type also says whether it may arrive from another *process*. Thread-only types (locks,
 * thread queues…) live in this process's shared memory, so a descriptor of one arriving over a
 * socket or an IPC channel can only be forged; reviving it could, for instance, hand the
 * receiver a Barrier whose action is a peer's code. Such a descriptor is refused
 * (`TypeError`), whatever the channel.
 *
 * Across a *process* boundary there is no shared memory: a type that cannot cross says so by
 * throwing from its `kShare` method, which `encodeValue` turns into a `TypeError` naming the
 * value's path and the alternative (for example `manager.Lock()`).
 *
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where a value is going (or, for a received one, where it came from): a thread or a process. */
export type Destination = 'thread' | 'process';

/**
 * The refusal of an object that lives in this process's memory (a threading primitive, a
 * skein/queue queue, a `threading.local`) to be sent to a process: there, the copy could not
 * be the same object. Its `[kShare]` calls this first; nothing happens for a thread.
 * @param destination where the object is being sent.
 * @param what the object as the message names it: `'a threading Lock'`.
 * @param why why it cannot cross: `'no shared memory there'`.
 * @param instead what to use between processes, if anything: `'manager.Lock()'`.
 * @throws TypeError `WHAT cannot be sent to another process (WHY); use INSTEAD` when
 *   `destination` is `'process'`.
 */
export function refuseProcess(destination: Destination, what: string, why: string, instead?: string): void {
  if (destination !== 'process') return;
  throw new TypeError(
    `${what} cannot be sent to another process (${why})${instead ? `; use ${instead}` : ''}`,
  );
}

/**
 * The shared types, by tag: the skein module (relative to this file, without its extension)
 * that registers the tag's decoder, and whether a value of the type may come from another
 * process. Nothing else is ever loaded to revive a received value.
 */
export const SHARED_TYPES = {
  'skein.Lock': { module: '../sync/lock', process: false },
  'skein.RLock': { module: '../sync/rlock', process: false },
  'skein.Semaphore': { module: '../sync/semaphore', process: false },
  'skein.BoundedSemaphore': { module: '../sync/bounded-semaphore', process: false },
  'skein.Condition': { module: '../sync/condition', process: false },
  'skein.Event': { module: '../sync/event', process: false },
  'skein.Barrier': { module: '../sync/barrier', process: false },
  'skein.Value': { module: '../sync/value', process: false },
  'skein.SharedArray': { module: '../sync/shared-array', process: false },
  // The queue index loads all four classes: a thread reviving one can revive the others
  // synchronously too (queue items may hold queues; see queue/codec.ts).
  'skein.queue.Queue': { module: '../queue/index', process: false },
  'skein.queue.LifoQueue': { module: '../queue/index', process: false },
  'skein.queue.PriorityQueue': { module: '../queue/index', process: false },
  'skein.queue.SimpleQueue': { module: '../queue/index', process: false },
  'skein.local': { module: '../threading/local', process: false },
  'skein.Connection': { module: '../multiprocessing/connection', process: true },
  'skein.ProcessQueue': { module: '../multiprocessing/process-queue', process: true },
  'skein.ManagerProxy': { module: '../multiprocessing/manager/proxy', process: true },
} as const satisfies Record<string, { module: string; process: boolean }>;

/** The tag of a shared type: a key of {@link SHARED_TYPES}. */
export type SharedTag = keyof typeof SHARED_TYPES;

/** What a shared object turns into to cross a boundary. */
export interface SharedDescriptor {
  /** The type's tag, e.g. `skein.Lock`. */
  tag: SharedTag;
  /** Cloneable data the decoder rebuilds the object from (SharedArrayBuffers stay shared). */
  data: unknown;
}

/**
 * The method a shared object implements to cross a boundary. A symbol from the global
 * registry, so two copies of skein in one isolate still recognize each other's objects.
 */
export const kShare: unique symbol = Symbol.for('skein.share') as never;

/** A value that can cross into another thread as itself. */
export interface Shareable {
  [kShare](destination: Destination): SharedDescriptor;
}

/** True when `tag` is one of the fixed list's tags (own keys only: never `constructor`…). */
export function isSharedTag(tag: unknown): tag is SharedTag {
  return typeof tag === 'string' && Object.hasOwn(SHARED_TYPES, tag);
}

/**
 * Checks a received descriptor's tag: one of the fixed list, and one that may come from
 * `origin`. Returns the tag.
 * @throws TypeError otherwise (nothing is loaded).
 */
export function checkTag(tag: unknown, origin: Destination): SharedTag {
  if (!isSharedTag(tag)) {
    throw new TypeError(
      `skein: received a shared object of unknown type ${JSON.stringify(String(tag)).slice(0, 80)}; ` +
        'only skein’s own shared types can be revived',
    );
  }
  if (origin === 'process' && !SHARED_TYPES[tag].process) {
    throw new TypeError(
      `skein: received a ${tag} from another process, where it cannot come from (it lives in one ` +
        "process's shared memory); refused",
    );
  }
  return tag;
}

type Decoder = (data: unknown) => unknown;
const decoders = new Map<string, Decoder>();

/**
 * Registers how to rebuild a shared type on the receiving side. Called once, at module load,
 * by the module that defines the type (the module {@link SHARED_TYPES} names for the tag);
 * re-registering a tag replaces its decoder.
 * @throws TypeError when `tag` is not in {@link SHARED_TYPES}.
 */
export function registerSharedType(tag: SharedTag, decode: Decoder): void {
  if (!isSharedTag(tag)) throw new TypeError(`skein: ${String(tag)} is not in the list of shared types`);
  decoders.set(tag, decode);
}

/** True when `value` implements {@link kShare}. */
export function isShareable(value: object): value is Shareable {
  return typeof (value as Partial<Shareable>)[kShare] === 'function';
}

/** This file's extension: `.ts` when running from source under a TypeScript loader. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The URL of the skein module that defines `tag` (a tag already checked). */
function moduleOf(tag: SharedTag): URL {
  return new URL(`${SHARED_TYPES[tag].module}${EXT}`, import.meta.url);
}

function notRegistered(tag: SharedTag): TypeError {
  return new TypeError(`skein internal error: module ${SHARED_TYPES[tag].module} did not register ${tag}`);
}

/**
 * Makes sure the decoder of `tag` is registered in this isolate, importing skein's module for
 * it (from the fixed list) when it is not.
 * @throws TypeError for a tag not in the list (nothing is loaded).
 */
export async function loadSharedType(tag: unknown): Promise<void> {
  if (typeof tag === 'string' && decoders.has(tag)) return;
  const t = checkTag(tag, 'thread');
  await import(moduleOf(t).href);
  if (!decoders.has(t)) throw notRegistered(t);
}

const requireHere = createRequire(import.meta.url);

/**
 * Like {@link loadSharedType}, without waiting: loads the module with `require`, which
 * (Node ≥ 20.19) loads an ES module synchronously and returns the same instance `import()`
 * would. For a thread that must revive a shared object with no event loop turning (a queue's
 * `getSync`). skein's modules use no top-level `await`.
 * @throws TypeError for a tag not in the list (nothing is loaded).
 */
export function loadSharedTypeSync(tag: unknown): void {
  if (typeof tag === 'string' && decoders.has(tag)) return;
  const t = checkTag(tag, 'thread');
  requireHere(fileURLToPath(moduleOf(t)));
  if (!decoders.has(t)) throw notRegistered(t);
}

/**
 * Rebuilds a shared object synchronously; its module must already be loaded in this isolate.
 * (Also used by decoders for the descriptors nested in their data, like a Condition's lock.)
 * @throws TypeError for a malformed descriptor or a tag that is unknown or not loaded.
 */
export function reviveSharedSync(descriptor: unknown): unknown {
  const tag = (descriptor as Partial<SharedDescriptor> | null)?.tag;
  const decode = typeof tag === 'string' ? decoders.get(tag) : undefined;
  if (decode === undefined) {
    const t = checkTag(tag, 'thread');
    throw new TypeError(
      `skein: shared type ${t} is not loaded in this thread; import ${SHARED_TYPES[t].module} first`,
    );
  }
  return decode((descriptor as SharedDescriptor).data);
}

/** True when every tag in the list is already registered here (so revival can be synchronous). */
export function allRegistered(tags: Iterable<string>): boolean {
  for (const t of tags) if (!decoders.has(t)) return false;
  return true;
}
