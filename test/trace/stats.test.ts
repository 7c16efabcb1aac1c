import { quantileSorted } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { CountHistogram } from '../../src/traffic/trace/countHistogram.js';
import { PrefixReuse } from '../../src/traffic/trace/prefixReuse.js';
import { EXACT_CAPACITY, QuantileSketch } from '../../src/traffic/trace/quantileSketch.js';
import { traceStats } from '../../src/traffic/trace/stats.js';
import { AZURE_CONV, fixture, MOONCAKE_CONV } from './helpers.js';
import { readTraceColumn } from '../../src/traffic/trace/readColumn.js';

const PS = [0, 0.01, 0.5, 0.9, 0.99, 0.999, 1];

describe('percentiles', () => {
  it('CountHistogram equals simple-statistics quantileSorted on the reference columns (type 7)', () => {
    for (const [file, column] of [
      [AZURE_CONV, 'ContextTokens'],
      [MOONCAKE_CONV, 'input_length'],
    ]) {
      const values = readTraceColumn(file, column);
      const h = new CountHistogram();
      for (const v of values) h.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      expect(h.quantiles(PS)).toEqual(PS.map((p) => quantileSorted(sorted, p)));
    }
  });

  it('CountHistogram handles values past the dense range', () => {
    const h = new CountHistogram();
    const values = [5, 3_000_000, 7, 2_500_000, 7];
    for (const v of values) h.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    expect(h.quantiles([0.5, 0.75, 1])).toEqual([0.5, 0.75, 1].map((p) => quantileSorted(sorted, p)));
  });

  it('QuantileSketch is exact up to its capacity, then within 0.1 %', () => {
    const exact = new QuantileSketch();
    const values = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 5003) / 100);
    for (const v of values) exact.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    expect(exact.isExact).toBe(true);
    expect(exact.quantiles(PS)).toEqual(PS.map((p) => quantileSorted(sorted, p)));

    const binned = new QuantileSketch();
    const n = EXACT_CAPACITY + 10_000;
    const all = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      all[i] = i % 10 === 0 ? 0 : 0.001 * (1 + ((i * 7919) % 100_003)); // 10 % zeros
      binned.add(all[i]);
    }
    all.sort();
    const sortedAll = Array.from(all);
    expect(binned.isExact).toBe(false);
    const ps = [0.05, 0.2, 0.5, 0.9, 0.99];
    const got = binned.quantiles(ps);
    expect(got[0]).toBe(0);
    for (let k = 1; k < ps.length; k++) {
      const want = quantileSorted(sortedAll, ps[k]);
      expect(Math.abs(got[k] / want - 1)).toBeLessThan(1.01e-3);
    }
  });
});

describe('PrefixReuse', () => {
  it('counts leading blocks already seen', () => {
    const r = new PrefixReuse();
    r.add([0, 1, 2]); // 0 reused
    r.add([0, 1, 3]); // 2 reused
    r.add([4, 1]); // 0: not a leading run
    r.add([0, 2 ** 40]); // 1 reused; a large id
    r.add([0, 2 ** 40]); // 2 reused
    expect([r.reusedBlocks, r.totalBlocks, r.distinctBlocks, r.maxBlocks]).toEqual([5, 12, 6, 3]);
  });
});

describe('traceStats', () => {
  it('burstgpt: failed counted, classes counted, mean rate', () => {
    const s = traceStats({ file: fixture('burstgpt_sample.csv'), format: 'burstgpt', classColumn: 'Model' });
    expect(s.failed).toBe(8);
    expect(s.rows).toBe(52);
    expect(s.classes && Object.values(s.classes).reduce((a, b) => a + b, 0)).toBe(52);
    expect(Object.keys(s.classes ?? {}).sort()).toEqual(['ChatGPT', 'GPT-4']);
    expect(s.meanRatePerS).toBeCloseTo(52 / (s.spanS ?? 1), 12);
    expect(s.hashBlocks).toBeNull();
    expect(s.prefixReuse).toBeNull();
  });

  it('windowed stats count the hours of the window', () => {
    const s = traceStats({ file: AZURE_CONV, format: 'azure', startS: 600, endS: 1200 });
    expect(s.ratePerHour.length).toBe(1);
    expect(s.ratePerHour[0]).toBe(s.rows);
    expect(s.spanS).toBeLessThan(600);
  });
});
