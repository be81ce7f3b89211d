/**
 * Loading skein/redis's optional peer dependencies.
 *
 * `bullmq` and `ioredis` are optional peers: a user who never imports `skein/redis` need not
 * install them, and no other entry loads this module. They are loaded with `require` (both
 * ship CommonJS builds), so loading stays synchronous — a constructor can fail at once with a
 * clear message — and an ES module importer of `skein/redis` does not need top-level `await`
 * (which `require(esm)` would refuse).
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';

const requireHere = createRequire(import.meta.url);

/** The error thrown when an optional peer dependency is not installed. */
export class MissingDependencyError extends Error {
  /** Stable code: `ERR_SKEIN_MISSING_DEPENDENCY`. */
  readonly code = 'ERR_SKEIN_MISSING_DEPENDENCY';
  /** The npm package to install. */
  readonly packageName: string;
  constructor(packageName: string, cause: unknown) {
    super(`skein/redis needs the package ${packageName}: install it with \`npm install ${packageName}\``, {
      cause,
    });
    this.name = 'MissingDependencyError';
    this.packageName = packageName;
  }
}

function load<T>(name: string): T {
  try {
    return requireHere(name) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND')
      throw new MissingDependencyError(name, err);
    throw err;
  }
}

let bullmq: typeof BullMQ | undefined;
let ioredis: typeof IORedis | undefined;

/**
 * The `bullmq` module.
 * @throws MissingDependencyError when `bullmq` is not installed.
 */
export function loadBullMQ(): typeof BullMQ {
  bullmq ??= load<typeof BullMQ>('bullmq');
  return bullmq;
}

/**
 * The `ioredis` module.
 * @throws MissingDependencyError when `ioredis` is not installed.
 */
export function loadIORedis(): typeof IORedis {
  ioredis ??= load<typeof IORedis>('ioredis');
  return ioredis;
}
