import { describe, expect, it } from 'vitest';
import { escapeXml, lineChart, logTicks, niceTicks, stackedBars } from '../../src/report/svg.js';

describe('niceTicks', () => {
  it.each([
    [0, 37, 5, [0, 10, 20, 30, 40]],
    [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 23, 6, [0, 5, 10, 15, 20, 25]],
    [0, 125_000, 5, [0, 25_000, 50_000, 75_000, 100_000, 125_000]],
    [3, 3, 5, [2.6, 2.8, 3, 3.2, 3.4]],
    [0, 0, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
  ])('niceTicks(%d, %d, %d)', (min, max, n, expected) => {
    expect(niceTicks(min, max, n)).toEqual(expected);
  });

  it('covers the range with 1, 2, 2.5 or 5 times a power of ten', () => {
    for (const [min, max] of [[0, 0.0031], [12, 9871], [-40, 260], [0.5, 0.51]]) {
      const t = niceTicks(min, max, 5);
      expect(t[0]).toBeLessThanOrEqual(min);
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(max);
      const step = t[1] - t[0];
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
      expect([1, 2, 2.5, 5]).toContain(mantissa);
    }
  });
});

describe('logTicks', () => {
  it.each([
    [150, 60_000, [100, 1000, 10_000, 100_000]],
    [150, 900, [100, 200, 500, 1000]],
    [1000, 1000, [1000, 2000]],
  ])('logTicks(%d, %d)', (min, max, expected) => {
    expect(logTicks(min, max)).toEqual(expected);
  });

  it('draws a log axis by decades, skipping values <= 0', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', yScale: 'log', series: [{ name: 's', points: [[1, 60_000], [2, 0], [3, 150]] }] });
    const d = /data-series="s" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg).toContain('>100k<');
  });
});

describe('svg charts', () => {
  const spec = {
    title: 'p99 <TTFT> & "E2E"',
    xLabel: 'hour',
    yLabel: 'ms',
    series: [
      { name: 'a<b>', points: [[0, 1], [1, null], [2, 3], [3, 4]] as [number, number | null][] },
      { name: 'lone', points: [[1, 2]] as [number, number | null][] },
    ],
    references: [{ y: 5, label: 'SLO 5 ms' }],
    marker: { x: 2, y: 3, label: 'chosen & cheap' },
  };

  it('escapes every text and attribute', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const svg = lineChart(spec);
    expect(svg).toContain('<title>p99 &lt;TTFT&gt; &amp; &quot;E2E&quot;</title>');
    expect(svg).toContain('data-series="a&lt;b&gt;"');
    expect(svg).toContain('chosen &amp; cheap');
    expect(svg).not.toMatch(/<b>/);
  });

  it('breaks a line at a null value and keeps a lone point visible', () => {
    const svg = lineChart(spec);
    const d = /data-series="a&lt;b&gt;" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(1);
    expect(svg).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="3"/);
    expect(svg).toContain('class="reference"');
    expect(svg).toContain('class="marker"');
    expect(svg).toContain('data-has-data="true"');
  });

  it('gives the same bytes for the same data', () => {
    expect(lineChart(spec)).toBe(lineChart(structuredClone(spec)));
    const bars = { title: 't', xLabel: 'hour', yLabel: 'USD', x: [0, 1, 2], layers: [{ name: 'gpu', values: [5, 5, 5] }, { name: 'api', values: [0, 0, 0] }, { name: 'other', values: [1, 2, 3] }] };
    expect(stackedBars(bars)).toBe(stackedBars(structuredClone(bars)));
  });

  it('stacks bars bottom-up and leaves all-zero layers out', () => {
    const svg = stackedBars({ title: 't', xLabel: 'hour', yLabel: 'USD', x: [0, 1], layers: [{ name: 'gpu', values: [4, 4] }, { name: 'api', values: [0, 0] }, { name: 'other', values: [1, 1] }] });
    expect(svg.match(/class="series"/g)).toHaveLength(2);
    expect(svg).not.toContain('data-series="api"');
    const gpu = /data-series="gpu" d="M[\d.]+ ([\d.]+)H[\d.]+V([\d.]+)/.exec(svg);
    const other = /data-series="other" d="M[\d.]+ ([\d.]+)H[\d.]+V([\d.]+)/.exec(svg);
    expect(Number(other?.[1])).toBeCloseTo(Number(gpu?.[2]), 1);
  });

  it('marks a chart without data', () => {
    expect(lineChart({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] })).toContain('data-has-data="false"');
  });
});
