/**
 * Where a worker thread's entry module is, for `new Worker(url, { eval })`.
 *
 * When skein itself runs from its TypeScript sources (under tsx, in development and tests), a
 * worker cannot load a `.ts` entry directly (measured on Node 20): it gets a small JavaScript bootstrap,
 * evaluated as code, that registers tsx and then imports the entry.
 *
 * @module
 */

/**
 * The entry `name` (without extension) next to the module at `base` (its `import.meta.url`).
 * @returns what `new Worker` takes: a URL, or bootstrap code with `eval: true`.
 */
export function workerEntry(base: string, name: string): { url: URL | string; eval: boolean } {
  if (base.endsWith('.ts')) {
    const target = new URL(`./${name}.ts`, base).href;
    const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
    return { url: code, eval: true };
  }
  return { url: new URL(`./${name}.js`, base), eval: false };
}
