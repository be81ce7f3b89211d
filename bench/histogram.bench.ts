/**
 * `npm run bench -- histogram`: where the pools' wait/run time percentiles come from.
 * `hdr-histogram-js` (a JavaScript HdrHistogram, a runtime dependency) beside Node's built-in
 * `perf_hooks.createHistogram()` (the C++ HdrHistogram that piscina uses): the cost of recording
 * one duration (what every settled task pays twice), and the accuracy of p50/p90/p99/max
 * against the exact percentiles of the same seeded sample, both at 2 significant digits.
 */
import { createHistogram } from 'node:perf_hooks';
import hdr from 'hdr-histogram-js';
import { best } from './util.ts';

const N = 2_000_000;
// Seeded log-normal-ish durations in microseconds, 1 µs .. ~10 s, like task wait/run times.
let seed = Number(process.env.SKEIN_SEED ?? 12345) >>> 0;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const values = new Float64Array(N);
for (let i = 0; i < N; i++) values[i] = Math.max(1, Math.round(Math.exp(rand() * rand() * 16)));

const js = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
  });
const native = () => createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 2 });

let hj = js();
const tJs = await best(() => {
  hj = js();
  for (let i = 0; i < N; i++) hj.recordValue(values[i] as number);
}, 5);
let hn = native();
const tNative = await best(() => {
  hn = native();
  for (let i = 0; i < N; i++) hn.record(values[i] as number);
}, 5);

const sorted = Float64Array.from(values).sort();
const exact = (p: number) => sorted[Math.min(N - 1, Math.ceil((p / 100) * N) - 1)] as number;
const err = (v: number, p: number) => `${(((v - exact(p)) / exact(p)) * 100).toFixed(2)}%`;
console.log(`recording ${N.toLocaleString('en')} values (best of 5):`);
console.log(`  hdr-histogram-js          ${((tJs * 1e6) / N).toFixed(1)} ns/value`);
console.log(`  perf_hooks.createHistogram ${((tNative * 1e6) / N).toFixed(1)} ns/value`);
console.log('error against the exact percentile of the same sample:');
for (const p of [50, 90, 99, 99.9]) {
  console.log(
    `  p${p}: exact ${exact(p)} µs; hdr-histogram-js ${err(hj.getValueAtPercentile(p), p)}; perf_hooks ${err(hn.percentile(p), p)}`,
  );
}
console.log(`  max: exact ${sorted[N - 1]} µs; hdr-histogram-js ${hj.maxValue}; perf_hooks ${hn.max}`);
