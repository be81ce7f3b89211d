/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line, e.g.
 * `npm run bench -- queue`) one after another in fresh processes, so that one benchmark's
 * threads and garbage never disturb the next. Each benchmark prints its own table with the
 * peers it is compared with, measured in the same run, and the ratios.
 *
 * Beside the tables, every table of the run becomes a bar chart, `docs/bench/<bench>-<title>.svg`,
 * and `docs/bench/results.json` + `results.md` record the figures with the machine and date
 * (a partial run replaces only the benchmarks it ran). `--no-charts` leaves `docs/` alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatValue, type Machine, renderChart, slug, type TableRecord } from './chart.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const docs = fileURLToPath(new URL('../docs/bench/', import.meta.url));
const args = process.argv.slice(2);
const charts = !args.includes('--no-charts');
const only = args.filter((a) => !a.startsWith('--'));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const names = all.map((f) => f.replace('.bench.ts', ''));
const unmatched = only.filter((o) => !names.some((n) => n.includes(o)));
if (unmatched.length > 0) {
  console.error(
    `no benchmark matches ${unmatched.map((u) => `'${u}'`).join(', ')}; the benchmarks are: ${names.join(', ')}`,
  );
  process.exit(2);
}
const files = all.filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

const machine: Machine = {
  date: new Date().toISOString().slice(0, 10),
  node: process.versions.node,
  cpus: cpus().length,
  cpuModel: (cpus()[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim(),
  load: loadavg()
    .map((l) => l.toFixed(1))
    .join(' '),
};
const out = join(tmpdir(), `skein-bench-${process.pid}.jsonl`);
let failed = 0;
try {
  for (const f of files) {
    console.log(`\n=== ${f.replace('.bench.ts', '')} ===`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${dir}${f}`], {
      stdio: 'inherit',
      env: { ...process.env, SKEIN_BENCH_OUT: out },
    });
    if (r.status !== 0) {
      failed++;
      console.error(`benchmark ${f} failed (exit ${r.status ?? r.signal})`);
    }
  }
  if (charts) record(files.map((f) => f.replace('.bench.ts', '')));
} finally {
  if (existsSync(out)) unlinkSync(out);
}
process.exit(failed ? 1 : 0);

/** Writes the charts and the results files for the benchmarks that ran. */
function record(ran: string[]): void {
  const tables: TableRecord[] = existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TableRecord)
    : [];
  mkdirSync(docs, { recursive: true });
  const resultsPath = join(docs, 'results.json');
  type Results = Record<string, { machine: Machine; tables: TableRecord[] }>;
  const results: Results = existsSync(resultsPath)
    ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as Results)
    : {};
  for (const b of ran) {
    delete results[b];
    for (const f of readdirSync(docs)) if (f.startsWith(`${b}-`) && f.endsWith('.svg')) rmSync(join(docs, f));
  }
  for (const t of tables) {
    results[t.bench] ??= { machine, tables: [] };
    results[t.bench]!.tables.push(t);
    writeFileSync(join(docs, `${t.bench}-${slug(t.title)}.svg`), renderChart(t, machine));
  }
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(docs, 'results.md'), markdown(results));
  console.log(`\ncharts and figures written to docs/bench/ (${tables.length} tables)`);
}

/** The results as Markdown: per benchmark, the machine and date, then each chart and its figures. */
function markdown(results: Record<string, { machine: Machine; tables: TableRecord[] }>): string {
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` from the figures of its last run of each benchmark; do not edit by hand.',
    '',
  ];
  for (const b of Object.keys(results).sort()) {
    const { machine: m, tables } = results[b]!;
    lines.push(
      `## ${b}`,
      '',
      `Measured ${m.date}, Node ${m.node}, ${m.cpus} × ${m.cpuModel}, load ${m.load}.`,
      '',
    );
    for (const t of tables) {
      lines.push(
        `### ${t.title}`,
        '',
        `![${t.title}](${b}-${slug(t.title)}.svg)`,
        '',
        '| | figure | skein is |',
        '|---|---:|---:|',
      );
      const base = t.rows[0]?.value;
      for (const [i, r] of t.rows.entries()) {
        const v = r.value === undefined ? 'n/a' : `${formatValue(r.value)} ${r.unit}`;
        let ratio = '';
        if (i > 0 && base !== undefined && r.value !== undefined && r.value > 0)
          ratio = `${(t.higherIsBetter ? base / r.value : r.value / base).toFixed(2)}×`;
        lines.push(`| ${r.name} | ${v} | ${ratio} |`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}
