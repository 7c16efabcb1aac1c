import { describe, expect, it } from 'vitest';
import { quantile, quantileSorted } from 'simple-statistics';
import { Samples, sortFloat64 } from '../../src/metrics/Samples.js';
import { quantilesBySelection } from '../../src/metrics/quantilesBySelection.js';
import { stream } from '../../src/random/streams.js';
import { exponential, standardNormal } from '../../src/random/sample.js';

const PS = [0.5, 0.9, 0.99];
const ALPHA = Samples.ALPHA;

function fill(values: ArrayLike<number>): Samples {
  const s = new Samples();
  for (let i = 0; i < values.length; i++) s.push(values[i]);
  return s;
}

/** 1M seeded draws: latencies in ms, lognormal (median 800 ms, sigma 1) or exponential (mean 50 ms). */
function draws(kind: 'lognormal' | 'exponential', n: number, name: string = kind): Float64Array {
  const u = stream(7, `samples-test:${name}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = kind === 'lognormal' ? 800 * Math.exp(standardNormal(u)) : exponential(u, 50);
  return out;
}

/** simple-statistics' quantile; `sorted` input goes to quantileSorted (same definition, no re-sort). */
function exactQuantile(values: Float64Array, p: number, isSorted = false): number {
  return isSorted ? quantileSorted(values as unknown as number[], p) : quantile(Array.from(values), p);
}

function relativeError(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) / Math.abs(exact);
}

describe('Samples below the exact limit', () => {
  it('equals simple-statistics quantile, and mean/max/count exactly', () => {
    const values = draws('lognormal', 10_000);
    const s = fill(values);
    expect(s.approximate).toBe(false);
    for (const p of [0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1]) expect(s.quantile(p)).toBe(exactQuantile(values, p));
    expect(s.count).toBe(10_000);
    expect(s.max()).toBe(Math.max(...values));
    expect(s.mean()).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
  });

  it('stays exact at exactly EXACT_LIMIT values, including after addAll of two halves', () => {
    const values = draws('exponential', Samples.EXACT_LIMIT);
    const a = fill(values.subarray(0, Samples.EXACT_LIMIT / 2));
    a.addAll(fill(values.subarray(Samples.EXACT_LIMIT / 2)));
    expect(a.approximate).toBe(false);
    for (const p of PS) expect(a.quantile(p)).toBe(exactQuantile(values, p));
  });

  it('returns NaN when empty and the known values of the simple-statistics docs example', () => {
    const empty = new Samples();
    expect(empty.quantile(0.5)).toBeNaN();
    expect(empty.mean()).toBeNaN();
    expect(empty.max()).toBeNaN();
    // quantileSorted([3, 6, 7, 8, 8, 9, 10, 13, 15, 16, 20], 0.5) === 9 (simple-statistics docs)
    expect(fill([20, 3, 16, 6, 15, 7, 13, 8, 10, 8, 9]).quantile(0.5)).toBe(9);
  });
});

describe.each(['lognormal', 'exponential'] as const)('Samples above the exact limit (%s, 1M values)', (kind) => {
  const values = draws(kind, 1_000_000);
  const s = fill(values);
  const sorted = Float64Array.from(values).sort();

  it('switches to the sketch and keeps p50/p90/p99 within alpha = 0.5% of exact', () => {
    expect(s.approximate).toBe(true);
    for (const p of PS) expect(relativeError(s.quantile(p), exactQuantile(sorted, p, true))).toBeLessThanOrEqual(ALPHA);
  });

  it('keeps the bound at every percentile from 1 to 99.9, and count/mean/max exact', () => {
    for (let k = 1; k <= 999; k++) {
      const p = k / 1000;
      expect(relativeError(s.quantile(p), exactQuantile(sorted, p, true))).toBeLessThanOrEqual(ALPHA);
    }
    expect(s.count).toBe(1_000_000);
    expect(s.max()).toBe(sorted[sorted.length - 1]);
    expect(s.quantile(0)).toBe(sorted[0]);
    expect(s.quantile(1)).toBe(sorted[sorted.length - 1]);
    let sum = 0;
    for (const x of values) sum += x;
    expect(s.mean()).toBe(sum / values.length);
  });

  it('merges: sketch + sketch equals the sketch of the concatenation', () => {
    const a = fill(values.subarray(0, 400_000));
    const b = fill(values.subarray(400_000));
    a.addAll(b);
    expect(a.count).toBe(s.count);
    for (const p of PS) {
      expect(a.quantile(p)).toBe(s.quantile(p));
      expect(relativeError(a.quantile(p), exactQuantile(sorted, p, true))).toBeLessThanOrEqual(ALPHA);
    }
    expect(a.max()).toBe(s.max());
  });
});

describe('Samples merging across modes', () => {
  const lognormal = draws('lognormal', 300_000, 'merge-a');
  const exponentialDraws = draws('exponential', 1_000, 'merge-b');
  const all = new Float64Array(lognormal.length + exponentialDraws.length);
  all.set(lognormal);
  all.set(exponentialDraws, lognormal.length);
  const sorted = Float64Array.from(all).sort();

  it.each([
    ['sketch += exact', () => { const s = fill(lognormal); s.addAll(fill(exponentialDraws)); return s; }],
    ['exact += sketch', () => { const s = fill(exponentialDraws); s.addAll(fill(lognormal)); return s; }],
    ['exact += exact past the limit', () => {
      const s = new Samples();
      for (let i = 0; i < all.length; i += 50_000) s.addAll(fill(all.subarray(i, i + 50_000)));
      return s;
    }],
  ])('%s stays within the bound and leaves the argument unchanged', (_name, build) => {
    const s = build();
    expect(s.approximate).toBe(true);
    expect(s.count).toBe(all.length);
    for (const p of [0.01, ...PS, 0.999]) expect(relativeError(s.quantile(p), exactQuantile(sorted, p, true))).toBeLessThanOrEqual(ALPHA);
    expect(s.max()).toBe(sorted[sorted.length - 1]);
  });

  it('merges into itself: every value counted twice, in both modes', () => {
    for (const values of [exponentialDraws, lognormal]) {
      const s = fill(values);
      const p99 = s.quantile(0.99);
      s.addAll(s);
      expect(s.count).toBe(2 * values.length);
      expect(relativeError(s.quantile(0.99), p99)).toBeLessThanOrEqual(2 * ALPHA);
    }
  });

  it('does not change the argument of addAll', () => {
    const small = fill([1, 2, 3]);
    const big = fill(lognormal);
    const before = big.quantile(0.5);
    small.addAll(big);
    expect(big.count).toBe(lognormal.length);
    expect(big.quantile(0.5)).toBe(before);
  });
});

describe('Samples sketch edge cases', () => {
  it('counts zeros exactly and handles negative values', () => {
    const s = new Samples();
    const n = Samples.EXACT_LIMIT * 2;
    // a quarter zeros (queue time of requests that start at once), a quarter negative
    const values = new Float64Array(n);
    const u = stream(3, 'samples-test:signs');
    for (let i = 0; i < n; i++) {
      const x = exponential(u, 10);
      values[i] = i % 4 === 0 ? 0 : i % 4 === 1 ? -x : x;
      s.push(values[i]);
    }
    const sorted = values.sort();
    expect(s.approximate).toBe(true);
    expect(s.quantile(0.3)).toBe(0);
    for (const p of [0.01, 0.1, 0.2, 0.5, 0.9, 0.99]) {
      const exact = exactQuantile(sorted, p, true);
      expect(Math.abs(s.quantile(p) - exact)).toBeLessThanOrEqual(ALPHA * Math.abs(exact));
    }
  });

  it('keeps the bucket count bounded whatever the range and number of values', () => {
    const s = new Samples();
    const u = stream(5, 'samples-test:range');
    // 2M values spread over 60 decades: far more than MAX_BUCKETS distinct buckets.
    for (let i = 0; i < 2_000_000; i++) s.push(10 ** (60 * u() - 30));
    expect(s.approximate).toBe(true);
    expect(s.bucketCount).toBeGreaterThan(0);
    expect(s.bucketCount).toBeLessThanOrEqual(Samples.MAX_BUCKETS);
    // the top of the range keeps its accuracy even though the bottom was folded
    expect(s.quantile(0.99)).toBeGreaterThan(1e28 * (1 - ALPHA));
  });

  it('uses a realistic latency range (0.01 ms to 1 h) in well under MAX_BUCKETS buckets', () => {
    const s = new Samples();
    const u = stream(6, 'samples-test:latency');
    for (let i = 0; i < 200_000; i++) s.push(10 ** (8.5 * u() - 2));
    expect(s.bucketCount).toBeLessThanOrEqual(Math.ceil(Math.log(3.6e6 / 0.01) / Math.log((1 + ALPHA) / (1 - ALPHA))) + 1);
  });
});

describe('sortFloat64 (the exact mode\'s radix sort)', () => {
  it.each([10, 1_023, 1_024, 5_000, Samples.EXACT_LIMIT])('orders %i mixed values exactly like Float64Array.prototype.sort', (n) => {
    const u = stream(11, `samples-test:sort:${n}`);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = exponential(u, 100) * (u() < 0.2 ? -1 : 1);
      a[i] = u() < 0.05 ? 0 : u() < 0.05 ? Math.round(x) : x; // zeros and ties
    }
    const specials = [-0, 0, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MAX_VALUE];
    specials.forEach((x, i) => { if (i < n) a[(i * 7919) % n] = x; });
    const expected = Float64Array.from(a).sort();
    sortFloat64(a);
    for (let i = 0; i < n; i++) expect(Object.is(a[i], expected[i])).toBe(true);
  });

  it('sorts a subarray view in place and leaves the rest of the buffer alone', () => {
    const buffer = new Float64Array(3_000);
    for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 7919) % 3001;
    const view = buffer.subarray(500, 2_500);
    const expected = Float64Array.from(view).sort();
    sortFloat64(view);
    expect(Array.from(view)).toEqual(Array.from(expected));
    expect(buffer[499]).toBe((499 * 7919) % 3001);
    expect(buffer[2_500]).toBe((2_500 * 7919) % 3001);
  });
});

describe('quantilesBySelection (the kept quantiles of a closing exact Samples)', () => {
  const PS_ALL = [0, 0.001, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1];
  /** Reference: quantileSorted on the values sorted by Float64Array.prototype.sort, p by p. */
  const expected = (a: Float64Array) => {
    const sorted = Float64Array.from(a).sort() as unknown as number[];
    return PS_ALL.map((p) => quantileSorted(sorted, p));
  };
  const latencies = (n: number, name: string, mode: 'plain' | 'ties' | 'zeros') => {
    const u = stream(13, `samples-test:select:${name}`);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = 800 * Math.exp(standardNormal(u));
      a[i] = mode === 'ties' ? Math.round(x / 50) * 50 : mode === 'zeros' && u() < 0.1 ? 0 : x;
    }
    return a;
  };

  it.each([
    [4_096, 'plain'],
    [5_001, 'zeros'],
    [30_000, 'ties'],
    [Samples.EXACT_LIMIT, 'plain'],
  ] as const)('gives quantileSorted\'s doubles on %i lognormal values (%s), and leaves them unchanged', (n, mode) => {
    const a = latencies(n, `${n}`, mode);
    const before = Float64Array.from(a);
    const want = expected(before);
    const got = quantilesBySelection(a, PS_ALL);
    expect(got).not.toBeNull();
    expect(got!.map((x, i) => Object.is(x, want[i]))).toEqual(PS_ALL.map(() => true));
    expect(a.findIndex((x, i) => !Object.is(x, before[i]))).toBe(-1);
  });

  it('reads a subarray view at its own offset', () => {
    const buffer = latencies(10_000, 'view', 'plain');
    const view = buffer.subarray(1_000, 9_000);
    expect(quantilesBySelection(view, PS_ALL)).toEqual(expected(view));
  });

  it.each([
    ['fewer than 4,096 values', 4_095, -1, 1],
    ['a negative value', 5_000, 17, -3],
    ['-0', 5_000, 17, -0],
    ['NaN', 5_000, 17, NaN],
    ['Infinity', 5_000, 17, Infinity],
    ['one bin holding more than an eighth of the values', 5_000, -2, 7],
  ])('declines (null: the caller sorts) with %s', (_, n, at, x) => {
    const a = latencies(n, 'decline', 'plain');
    if (at >= 0) a[at] = x;
    if (at === -2) a.fill(x, 0, 1_000);
    expect(quantilesBySelection(a, PS_ALL)).toBeNull();
  });

  it('Samples.close keeps what quantile answered before closing, selected or sorted', () => {
    for (const a of [latencies(50_000, 'close', 'zeros'), latencies(2_000, 'close-small', 'plain')]) {
      const open = new Samples();
      const closing = new Samples();
      for (const x of a) {
        open.push(x);
        closing.push(x);
      }
      closing.close();
      for (const p of Samples.CLOSED_QUANTILES) expect(Object.is(closing.quantile(p), open.quantile(p))).toBe(true);
    }
  });
});
