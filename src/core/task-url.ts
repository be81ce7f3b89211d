/**
 * One module task URL for development and production. A TypeScript program names its task
 * module as it imports it — `new URL('./tasks.js', import.meta.url)`, the NodeNext spelling — so
 * that the same line works after `tsc` (where `tasks.js` exists) and under a TypeScript loader
 * (where only `tasks.ts` does). This is the resolution TypeScript and tsx apply to imports: a
 * `.js` specifier whose file is missing means the `.ts` (or `.tsx`) beside it; `.mjs` means
 * `.mts`, `.cjs` means `.cts`, `.jsx` means `.tsx`.
 *
 * The substitution happens only when a TypeScript loader is active in this process — tsx (by
 * `--import tsx`, `--require tsx/cjs`, `--loader tsx` or the `tsx` command, in the flags or
 * `NODE_OPTIONS`) or Node's own type stripping (Node 22.18+, 23.6+) — so a compiled program that
 * forgot to build a file still fails with "not found" instead of silently running a source file.
 * It happens where the task is named (`task()`), the one place that knows the loader: child
 * processes start without tsx, and the `.ts` URL tells them to load it.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** For each JavaScript extension, the TypeScript files that compile to it, in TypeScript's order. */
const TWINS: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};

/** A flag (or `NODE_OPTIONS`) that loads tsx: `--import tsx`, `--import=tsx/esm`, `…/node_modules/tsx/…`. */
const TSX_FLAG = /(^|[\s=/\\])tsx([/\\\s]|$)/;

/** Whether Node strips TypeScript types itself (22.18+, 23.6+; `process.features.typescript`). */
export function nativeTypeStripping(): boolean {
  const ts = (process.features as { typescript?: unknown }).typescript;
  return ts === 'strip' || ts === 'transform';
}

/** Whether a TypeScript loader is active in this process: tsx, or Node's type stripping. */
export function typeScriptLoaderActive(): boolean {
  if (nativeTypeStripping()) return true;
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''];
  return flags.some((f) => TSX_FLAG.test(f));
}

/** The TypeScript file that `url` (a `file:` URL of a JavaScript file) compiles from, if one exists. */
export function typeScriptTwin(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'file:') return undefined;
  const ext = /\.[cm]?jsx?$/.exec(parsed.pathname)?.[0];
  const twins = ext === undefined ? undefined : TWINS[ext];
  if (ext === undefined || twins === undefined) return undefined;
  const path = fileURLToPath(parsed);
  const stem = path.slice(0, -ext.length);
  for (const twin of twins) {
    if (existsSync(stem + twin)) return pathToFileURL(stem + twin).href + parsed.search + parsed.hash;
  }
  return undefined;
}

/**
 * The URL a module task is loaded from: `url` itself, or — when `url` is a missing `.js` file and
 * a TypeScript loader is active — the TypeScript file beside it.
 */
export function resolveTaskUrl(url: string): string {
  if (!url.startsWith('file:') || !/\.[cm]?jsx?$/.test(new URL(url).pathname)) return url;
  if (!typeScriptLoaderActive() || existsSync(fileURLToPath(url))) return url;
  return typeScriptTwin(url) ?? url;
}
