/**
 * Errors crossing a thread or process boundary. Structured clone keeps only built-in error
 * types and drops `name`, `code` and the subclass of anything else (measured on Node 20), so errors
 * travel in an envelope of plain data and are rebuilt here: a class skein exports arrives as
 * that class, a built-in as the built-in, anything else as an `Error` carrying the original
 * `name`. The remote stack is kept and the receiving side's stack appended, the way Python's
 * `_RemoteTraceback` shows where a pool task failed and where its result was awaited.
 *
 * @module
 */
import { errorClasses } from './errors.js';

/** The plain-data form of an error. */
export interface ErrorEnvelope {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: unknown;
  cause?: ErrorEnvelope | { value: unknown } | undefined;
  errors?: ErrorEnvelope[] | undefined;
  /** Other own properties that could be cloned (non-cloneable ones are stringified). */
  props?: Record<string, unknown> | undefined;
  /** True when the thrown value was not an Error (`throw 'text'`): `value` holds it. */
  nonError?: boolean;
  value?: unknown;
}

const builtins: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Frames of skein's own machinery (this folder) and Node's message plumbing: noise in a user's stack. */
const coreDir = new URL('.', import.meta.url).href;
function userFrames(stack: string): string {
  return stack
    .split('\n')
    .map((line) =>
      // `new Function` puts the task's first line on line 3 of its source.
      line.replace(
        /\(?eval at compileInline \(.*?\), <anonymous>:(\d+):(\d+)\)?/,
        (_m, l: string, c: string) => `(inline task, line ${Number(l) - 2}:${c})`,
      ),
    )
    .filter(
      (line) =>
        !(line.startsWith('    at ') && (line.includes(coreDir) || /node:internal\/|node:events/.test(line))),
    )
    .join('\n');
}

const skipProps = new Set(['name', 'message', 'stack', 'code', 'cause', 'errors']);

function plain(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}

/** Turns anything thrown into an envelope that any channel can carry. */
export function toEnvelope(err: unknown, depth = 0): ErrorEnvelope {
  if (!(err instanceof Error)) {
    return { name: 'Error', message: String(err), nonError: true, value: plain(err) };
  }
  const env: ErrorEnvelope = { name: err.name, message: err.message, stack: err.stack };
  const rec = err as unknown as Record<string, unknown>;
  if (rec.code !== undefined) env.code = plain(rec.code);
  if ('cause' in err && depth < 16) {
    env.cause = err.cause instanceof Error ? toEnvelope(err.cause, depth + 1) : { value: plain(err.cause) };
  }
  if (err instanceof AggregateError && depth < 16)
    env.errors = err.errors.map((e) => toEnvelope(e, depth + 1));
  for (const key of Object.keys(err)) {
    if (skipProps.has(key)) continue;
    env.props ??= {};
    env.props[key] = plain(rec[key]);
  }
  return env;
}

/**
 * Rebuilds an error from its envelope.
 * @param where a few words naming where it was thrown (`thread "Thread-1"`), shown in the stack.
 */
export function fromEnvelope(env: ErrorEnvelope, where?: string): Error {
  if (env.nonError) {
    const e = new Error(env.message);
    (e as Error & { value?: unknown }).value = env.value;
    return e;
  }
  const Ctor =
    errorClasses.get(env.name) ?? builtins[env.name] ?? (env.name === 'AggregateError' ? null : Error);
  let err: Error;
  if (Ctor === null) {
    err = new AggregateError(
      (env.errors ?? []).map((e) => fromEnvelope(e, where)),
      env.message,
    );
  } else {
    // Build without running the subclass constructor's own logic (its arguments are unknown),
    // then fill in what the remote error had.
    err = Object.create(Ctor.prototype) as Error;
    Object.defineProperty(err, 'message', { value: env.message, writable: true, configurable: true });
  }
  if (err.name !== env.name) {
    Object.defineProperty(err, 'name', { value: env.name, writable: true, configurable: true });
  }
  const local = userFrames(new Error().stack?.split('\n').slice(1).join('\n') ?? '');
  const remote = userFrames(env.stack ?? `${env.name}: ${env.message}`);
  const stack = `${remote}\n    --- ${where ? `raised in ${where}, ` : ''}received here ---\n${local}`;
  Object.defineProperty(err, 'stack', { value: stack, writable: true, configurable: true });
  if (env.code !== undefined) {
    Object.defineProperty(err, 'code', {
      value: env.code,
      writable: true,
      configurable: true,
      enumerable: true,
    });
  }
  if (env.cause !== undefined) {
    const cause =
      'value' in env.cause && !('name' in env.cause)
        ? env.cause.value
        : fromEnvelope(env.cause as ErrorEnvelope, where);
    Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true });
  }
  if (env.props) Object.assign(err, env.props);
  return err;
}
