import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderChart, slug } from '../../bench/chart.ts';
import { runNode } from '../helpers.ts';

describe('npm run bench', { timeout: 120_000 }, () => {
  test('a name that matches no benchmark is an error listing the names', async () => {
    const r = await runNode('bench/run.ts', ['no-such-bench'], { timeout: 60_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no benchmark matches 'no-such-bench'/);
    assert.match(r.stderr, /futures/);
    assert.match(r.stderr, /queue/);
  });

  test('a chart shows every row, its figure and the ratio to skein, and the machine', () => {
    const svg = renderChart(
      {
        bench: 'futures',
        title: 'latency <p50>',
        higherIsBetter: false,
        rows: [
          { name: 'skein', value: 20, unit: 'µs' },
          { name: 'piscina', value: 50, unit: 'µs' },
          { name: 'python', value: undefined, unit: 'µs' },
        ],
      },
      { date: '2026-12-03', node: '20.20.2', cpus: 2, cpuModel: 'cpu', load: '0.1 0.1 0.1' },
    );
    assert.match(svg, /^<svg /);
    assert.match(svg, /latency &lt;p50&gt;/);
    assert.match(svg, /50\.0 µs · skein 2\.50×/);
    assert.match(svg, /not measured/);
    assert.match(svg, /Node 20\.20\.2 · 2 × cpu/);
    // Lower is better: skein's bar (20 µs) is the longer one.
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(widths.length, 2);
    assert.ok(widths[0]! > widths[1]!);
    assert.equal(slug('100k tiny tasks, x => x + 1!'), '100k-tiny-tasks-x-x-1');
  });
});
