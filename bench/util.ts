/**
 * Helpers for benchmarks: timing, python3 runs, and the side-by-side table with ratios.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Runs `fn` and returns the elapsed milliseconds. */
export async function time(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Best (lowest) of `runs` timings of `fn`, after one warm-up run. */
export async function best(fn: () => unknown, runs = 3): Promise<number> {
  await fn();
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) b = Math.min(b, await time(fn));
  return b;
}

/** Runs a Python program given as text and returns its stdout (trimmed); `undefined` if python3 is missing. */
export function python(code: string, timeoutMs = 120_000): string | undefined {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error || r.status !== 0) {
    if (r.stderr) console.error(r.stderr);
    return undefined;
  }
  return r.stdout.trim();
}

/** One row of a comparison: a name and a figure, where `higherIsBetter` says which way wins. */
export interface Row {
  name: string;
  value: number | undefined;
  unit: string;
}

/**
 * Prints rows as a table with each row's ratio to the first one (the skein figure), e.g.
 * `skein 1.00×, piscina 0.31×`. For times (lower is better) the ratio is inverted so that
 * above 1 always means "skein is better by this factor".
 */
export function table(title: string, rows: Row[], higherIsBetter: boolean): void {
  const base = rows[0]?.value;
  // bench/run.ts collects every table of the run (one JSON line each) to draw its charts.
  const out = process.env.SKEIN_BENCH_OUT;
  if (out) {
    const bench = basename(process.argv[1] ?? 'bench').replace(/\.bench\.ts$/, '');
    appendFileSync(out, `${JSON.stringify({ bench, title, rows, higherIsBetter })}\n`);
  }
  console.log(`\n${title}`);
  for (const r of rows) {
    const v = r.value === undefined ? 'n/a' : r.value >= 100 ? r.value.toFixed(0) : r.value.toPrecision(3);
    let ratio = '';
    if (base !== undefined && r.value !== undefined && r !== rows[0]) {
      const x = higherIsBetter ? base / r.value : r.value / base;
      ratio = `  skein is ${x.toFixed(2)}× ${x >= 1 ? 'better' : 'worse'}`;
    }
    console.log(`  ${r.name.padEnd(34)} ${v.padStart(12)} ${r.unit}${ratio}`);
  }
}
