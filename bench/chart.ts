/**
 * Bar charts of benchmark tables, as standalone SVG: one chart per table, skein and each peer
 * as a bar, the value and the ratio to skein printed on the bar, the machine and date in the
 * caption. Drawn from the figures a run measured — never by hand — by `bench/run.ts`.
 *
 * Bars are drawn so that longer is always better: for a "lower is better" table (a latency, a
 * duration) the bar length is proportional to 1/value, and the axis says so.
 */
import type { Row } from './util.ts';

/** One table as recorded by a benchmark process (see `table()` in util.ts). */
export interface TableRecord {
  bench: string;
  title: string;
  rows: Row[];
  higherIsBetter: boolean;
}

/** Where and when the figures were measured, for the caption. */
export interface Machine {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  load: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A figure as the tables print it: whole numbers from 100 up, three significant digits below. */
export function formatValue(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return v >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

/** A file-name slug of a table title. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** Renders one table as an SVG document. */
export function renderChart(t: TableRecord, m: Machine): string {
  const rows = t.rows;
  const base = rows[0]?.value;
  const label = (r: Row, i: number): string => {
    if (r.value === undefined) return 'not measured';
    let l = `${formatValue(r.value)} ${r.unit}`;
    if (i > 0 && base !== undefined && r.value > 0)
      l += ` · skein ${(t.higherIsBetter ? base / r.value : r.value / base).toFixed(2)}×`;
    return l;
  };
  // Text widths estimated at ~7.4 px a character (13 px sans-serif), so names and labels fit.
  const textW = (s: string): number => Math.ceil(s.length * 7.4);
  const width = 820;
  const left = Math.min(Math.max(...rows.map((r) => textW(r.name))) + 20, 360);
  const right = Math.max(...rows.map((r, i) => textW(label(r, i)))) + 16;
  const barH = 22;
  const gap = 8;
  const top = 48;
  const plotW = Math.max(width - left - right, 120);
  const height = top + rows.length * (barH + gap) + 46;
  // "Goodness" so that a longer bar is always better.
  const good = (v: number | undefined): number =>
    v === undefined || v <= 0 ? 0 : t.higherIsBetter ? v : 1 / v;
  const max = Math.max(...rows.map((r) => good(r.value)), Number.MIN_VALUE);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(t.title)}</text>`,
    `<text x="12" y="38" fill="#555">${esc(rows[0]?.unit ?? '')} — ${t.higherIsBetter ? 'higher' : 'lower'} is better; bars: longer is better</text>`,
  );
  rows.forEach((r, i) => {
    const y = top + i * (barH + gap);
    const w = max > 0 ? (good(r.value) / max) * plotW : 0;
    const isSkein = i === 0;
    out.push(
      `<text x="${left - 8}" y="${y + barH * 0.7}" text-anchor="end"${isSkein ? ' font-weight="bold"' : ''}>${esc(r.name)}</text>`,
    );
    if (r.value === undefined) {
      out.push(`<text x="${left + 4}" y="${y + barH * 0.7}" fill="#888">not measured</text>`);
      return;
    }
    out.push(
      `<rect x="${left}" y="${y}" width="${Math.max(w, 1).toFixed(1)}" height="${barH}" fill="${isSkein ? '#2b6cb0' : '#a0aec0'}"/>`,
    );
    out.push(`<text x="${left + Math.max(w, 1) + 6}" y="${y + barH * 0.7}">${esc(label(r, i))}</text>`);
  });
  const cap = `measured ${m.date} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · load ${m.load} · npm run bench -- ${t.bench}`;
  out.push(`<text x="12" y="${height - 14}" font-size="11" fill="#555">${esc(cap)}</text>`, '</svg>', '');
  return out.join('\n');
}
