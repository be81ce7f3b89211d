/**
 * The one check every skein constructor and call that takes an options object runs first: a key
 * it does not know is a `TypeError` naming the key — a Python habit (`max_workers=`) or a typo
 * would otherwise be ignored silently and the default used. A snake_case key whose camelCase
 * spelling is known gets that spelling suggested: "unknown option max_workers (did you mean
 * maxWorkers?)".
 *
 * Each options type keeps its list of allowed keys next to its interface (an exported
 * `…_KEYS` constant), so that adding an option means adding it in one place beside the type.
 *
 * @module
 */

/** snake_case (or kebab-case) to camelCase: `max_workers` → `maxWorkers`. */
function camelCase(key: string): string {
  return key.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The allowed key that `key` most likely means, if any: its camelCase, or the same letters in another case. */
function suggestion(key: string, allowed: readonly string[]): string | undefined {
  const camel = camelCase(key);
  if (camel !== key && allowed.includes(camel)) return camel;
  const folded = camel.toLowerCase();
  return allowed.find((k) => k.toLowerCase() === folded);
}

/**
 * Checks that `options` has only the keys in `allowed` (own enumerable string keys; a key whose
 * value is `undefined` counts too, since a caller who spelled it meant something by it).
 * `undefined` and `null` pass (no options); anything that is not an object is left to the
 * caller's own type checks.
 * @param what the constructor or call, for the message (`'ThreadPoolExecutor'`, `'Queue.get()'`).
 * @throws TypeError `${what}: unknown option KEY` — with `(did you mean camelKey?)` when a known
 *   key is the camelCase (or another letter case) of it.
 */
export function checkOptions(what: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined || options === null || typeof options !== 'object') return;
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const hint = suggestion(key, allowed);
    throw new TypeError(`${what}: unknown option ${key}${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
}

/** The value as a message shows it: a string quoted (a CLI flag's `"many"`), anything else as `String` does. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * The one check of a count that must be a positive integer (workers, tasks per child, a chunk
 * size, a lease in ms): `value` when it is an integer of 1 or more.
 * @param value what the caller gave.
 * @param name the option, argument or flag as the caller spelled it, for the message
 *   (`'maxWorkers'`, `'chunksize'`, `'--concurrency'`).
 * @param fallback returned when `value` is `undefined`; without one, `undefined` is wrong too.
 * @throws TypeError `NAME must be a positive integer, got VALUE` when it is not an integer (a
 *   string, `1.5`, `NaN`); RangeError `NAME must be a positive integer (1 or more), got VALUE`
 *   when it is 0 or negative.
 */
export function positiveInt(value: unknown, name: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new TypeError(`${name} must be a positive integer, got ${shown(value)}`);
  if (value < 1) throw new RangeError(`${name} must be a positive integer (1 or more), got ${value}`);
  return value;
}
