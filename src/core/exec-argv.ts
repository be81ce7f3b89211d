/**
 * The parent's `process.execArgv` as a new thread or child process may inherit it.
 *
 * A program started as `node -e '…'` (or `-p`, `--eval=`, `--print`, `-i`, `-c`, with or without
 * `--input-type`) has those flags, and the program's source, in `process.execArgv`. A worker
 * thread given a file to run refuses `--input-type` ("can only be used with string input") and
 * dies at birth; a child process given `-e <source>` runs that source instead of its entry
 * file — the whole parent program again, which starts its own child, and so on without end.
 * So these flags (and the value that follows them) never travel; every other flag (conditions,
 * memory limits, loaders…) does.
 *
 * @module
 */

/** Flags that take the next argument as their value (unless spelled `--flag=value`). */
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '-pe', '-ep', '--input-type']);
/** Flags that stand alone. */
const ALONE = new Set(['-i', '--interactive', '-c', '--check']);
/** `--flag=value` spellings of {@link WITH_VALUE}. */
const WITH_EQUALS = /^--(eval|print|input-type)=/;

/**
 * `argv` without the flags that make Node run code from the command line (see the module notes).
 * @param argv by default `process.execArgv`.
 */
export function inheritableExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (WITH_VALUE.has(a)) {
      i++; // its value: the program's source, or the input type
      continue;
    }
    if (ALONE.has(a) || WITH_EQUALS.test(a)) continue;
    out.push(a);
  }
  return out;
}

/** True when `argv` has a flag {@link inheritableExecArgv} removes. */
export function hasCommandLineCode(argv: readonly string[] = process.execArgv): boolean {
  return inheritableExecArgv(argv).length !== argv.length;
}

/** Computed once: a program's execArgv never changes. */
let forWorkers: { argv: string[] | undefined } | undefined;

/**
 * The `execArgv` option for `new Worker(file)`: `undefined` (Node's default, the parent's flags)
 * unless the program carries code from the command line; then the flags without it.
 */
export function workerExecArgv(): string[] | undefined {
  forWorkers ??= { argv: hasCommandLineCode() ? inheritableExecArgv() : undefined };
  return forWorkers.argv;
}
