/**
 * What makes the example programs behave like command-line tools: arguments parsed with
 * `node:util` `parseArgs` (strict: an unknown option or a missing value is an error that says
 * so, with the usage, exit status 2), `--help`/`-h` on every program, and colour only on a
 * terminal (never escape codes in a pipe or a file, and never with `NO_COLOR` set).
 */
import { type ParseArgsConfig, parseArgs, styleText } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A program's command line. */
export interface Cli<O extends Options> {
  /** The program's file, as run: `examples/page-fetcher.ts`. */
  program: string;
  /** What the program does (the first line of `--help`). */
  summary: string;
  /** The options (without `--help`, which every program has). */
  options?: O;
  /** One line of help per option, by name; shown after the option's spelling. */
  help?: { [K in keyof O]?: string };
  /** The name of the positional arguments, when the program takes some (`[MS]`). */
  positionals?: string;
}

/** The parsed command line: option values (by name) and positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function usage<O extends Options>(cli: Cli<O>): string {
  const opts = Object.entries(cli.options ?? {}).map(([name, o]) =>
    o.type === 'string' ? `[--${name} ${name.toUpperCase()}]` : `[--${name}]`,
  );
  return `usage: node --import tsx ${cli.program} ${[...opts, cli.positionals ?? ''].join(' ')}`.trimEnd();
}

function helpText<O extends Options>(cli: Cli<O>): string {
  const lines = [usage(cli), '', cli.summary, '', 'options:'];
  for (const [name, o] of Object.entries(cli.options ?? {})) {
    const spelling = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${name.toUpperCase()}` : ''}`;
    const dflt = o.default === undefined ? '' : ` (default: ${String(o.default)})`;
    lines.push(`  ${spelling.padEnd(22)} ${cli.help?.[name as keyof O] ?? ''}${dflt}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(22)} show this help and exit`);
  return lines.join('\n');
}

/**
 * Parses `argv` (default: this process's arguments) for `cli`. Prints the help and exits 0 on
 * `--help`; prints the error and the usage to stderr and exits 2 on a bad command line.
 */
export function command<O extends Options>(cli: Cli<O>, argv = process.argv.slice(2)): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...cli.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: cli.positionals !== undefined,
      strict: true,
    }) as Parsed;
  } catch (err) {
    fail(cli, (err as Error).message);
  }
  if (parsed.values.help) {
    console.log(helpText(cli));
    process.exit(0);
  }
  return parsed;
}

/** Reports a bad command line (with the usage) on stderr and exits with status 2. */
export function fail<O extends Options>(cli: Cli<O>, message: string): never {
  console.error(`${cli.program}: ${message}\n${usage(cli)}\n(--help for more)`);
  process.exit(2);
}

/** Whether `stream` is a terminal that takes colour (not a pipe or file; `NO_COLOR` unset). */
export function colourful(stream: { isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && typeof styleText === 'function';
}

/** `text` in `format` on a terminal; plain text anywhere else. */
export function paint(
  format: Parameters<typeof styleText>[0],
  text: string,
  stream: { isTTY?: boolean } = process.stdout,
): string {
  // The decision is made here, for `stream`: styleText's own check looks at process.stdout.
  return colourful(stream) ? styleText(format, text, { validateStream: false }) : text;
}
