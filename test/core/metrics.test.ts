// The pools' time histogram (perf_hooks.createHistogram underneath): percentiles of a known
// sample within the histogram's 2 significant digits, an empty summary of zeros, and values
// outside the tracked range clamped rather than thrown or dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeHistogram } from '../../dist/core/pool/metrics.js';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= expected * 0.01,
    `${what}: ${actual} is not within 1% of ${expected}`,
  );

test('percentiles of 1..1000 ms are within 1%', { timeout: 60_000 }, () => {
  const h = new TimeHistogram();
  for (let ms = 1; ms <= 1000; ms++) h.record(ms);
  const s = h.summary();
  assert.equal(s.count, 1000);
  close(s.min, 1, 'min');
  close(s.mean, 500.5, 'mean');
  close(s.p50, 500, 'p50');
  close(s.p90, 900, 'p90');
  close(s.p99, 990, 'p99');
  close(s.max, 1000, 'max');
});

test('an empty histogram summarizes as zeros', { timeout: 60_000 }, () => {
  assert.deepEqual(new TimeHistogram().summary(), {
    count: 0,
    min: 0,
    mean: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    max: 0,
  });
});

test('sub-microsecond, negative and over-an-hour durations are clamped, not lost', {
  timeout: 60_000,
}, () => {
  const h = new TimeHistogram();
  h.record(0);
  h.record(-5);
  h.record(10 * 3_600_000);
  const s = h.summary();
  assert.equal(s.count, 3);
  close(s.min, 0.001, 'min');
  close(s.max, 3_600_000, 'max');
});
