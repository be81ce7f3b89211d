/**
 * How a shared primitive is rebuilt in another thread through its public constructor: the
 * decoder puts the received data aside with {@link reviving}, and the constructor's first
 * statement takes it with {@link takeRevived} (nested constructions then see nothing).
 *
 * @module
 */

let pending: unknown;

/** Runs `make` (a `new …()` call) with `data` handed to the constructor it runs. @internal */
export function reviving<T>(data: unknown, make: () => T): T {
  pending = data;
  try {
    return make();
  } finally {
    pending = undefined;
  }
}

/** In a constructor: the data being revived, or undefined for an ordinary construction. @internal */
export function takeRevived<D>(): D | undefined {
  const d = pending;
  pending = undefined;
  return d as D | undefined;
}
