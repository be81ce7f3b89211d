/**
 * Shared objects: skein values backed by SharedArrayBuffers (locks, queues, shared values…)
 * that must arrive in another thread as *themselves* — the same memory, with their methods —
 * not as the plain objects structured clone would make of them.
 *
 * A shared object implements {@link kShare}: it returns a small cloneable descriptor (its tag,
 * the URL of the module that defines it, and its data — typically its SABs). On the receiving
 * side {@link reviveShared} finds the decoder registered for the tag, importing the defining
 * module first if this isolate has not loaded it yet (modules register on load).
 *
 * Across a *process* boundary there is no shared memory: a type that cannot cross says so by
 * throwing from its `kShare` method, which `encodeValue` turns into a `TypeError` naming the
 * value's path and the alternative (for example `manager.Lock()`).
 *
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where a value is going: another thread of this process, or another process. */
export type Destination = 'thread' | 'process';

/** What a shared object turns into to cross a boundary. */
export interface SharedDescriptor {
  /** The type's registered tag, e.g. `skein.Lock`. */
  tag: string;
  /** URL of the module that registers the tag's decoder (imported on first use). */
  module: string;
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

/** Marks the envelope of a shared object inside an encoded message. */
export const SHARED_KEY = '__skein_shared__';

/** The encoded form of a shared object inside a message. */
export interface SharedEnvelope {
  [SHARED_KEY]: SharedDescriptor;
}

type Decoder = (data: unknown) => unknown;
const decoders = new Map<string, Decoder>();

/**
 * Registers how to rebuild a shared type on the receiving side. Called once, at module load,
 * by the module that defines the type; re-registering a tag replaces its decoder.
 */
export function registerSharedType(tag: string, decode: Decoder): void {
  decoders.set(tag, decode);
}

/** True when `value` implements {@link kShare}. */
export function isShareable(value: object): value is Shareable {
  return typeof (value as Partial<Shareable>)[kShare] === 'function';
}

/** True when `value` is the envelope of a shared object. */
export function isSharedEnvelope(value: unknown): value is SharedEnvelope {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, SHARED_KEY);
}

/**
 * Makes sure the decoder of a descriptor's tag is registered in this isolate, importing the
 * defining module when it is not.
 * @throws TypeError when the module does not register the tag.
 */
export async function loadSharedType(descriptor: SharedDescriptor): Promise<void> {
  if (decoders.has(descriptor.tag)) return;
  await import(descriptor.module);
  if (!decoders.has(descriptor.tag)) {
    throw new TypeError(`skein: module ${descriptor.module} did not register shared type ${descriptor.tag}`);
  }
}

const requireHere = createRequire(import.meta.url);

/**
 * Like {@link loadSharedType}, without waiting: loads the defining module with `require`, which
 * (Node ≥ 20.19) loads an ES module synchronously and returns the same instance `import()`
 * would. For a thread that must revive a shared object with no event loop turning (a queue's
 * `getSync`). The module must not use top-level `await`.
 * @throws TypeError when the module does not register the tag.
 */
export function loadSharedTypeSync(descriptor: SharedDescriptor): void {
  if (decoders.has(descriptor.tag)) return;
  const m = descriptor.module;
  requireHere(m.startsWith('file:') ? fileURLToPath(m) : m);
  if (!decoders.has(descriptor.tag)) {
    throw new TypeError(`skein: module ${descriptor.module} did not register shared type ${descriptor.tag}`);
  }
}

/** Rebuilds a shared object synchronously; its module must already be loaded in this isolate. */
export function reviveSharedSync(descriptor: SharedDescriptor): unknown {
  const decode = decoders.get(descriptor.tag);
  if (decode === undefined) {
    throw new TypeError(
      `skein: shared type ${descriptor.tag} is not loaded in this thread; import ${descriptor.module} first`,
    );
  }
  return decode(descriptor.data);
}

/** True when every tag in the list is already registered here (so revival can be synchronous). */
export function allRegistered(tags: Iterable<string>): boolean {
  for (const t of tags) if (!decoders.has(t)) return false;
  return true;
}
