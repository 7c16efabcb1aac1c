import type { Uniform } from '../random/streams.js';

/**
 * A sampler of ranks 0..n-1 with P(k) proportional to 1 / (k + 1)^s (Zipf's law over a finite
 * catalog), by inversion of the cumulative table: O(n) memory and set-up, O(log n) per draw,
 * exactly one uniform per draw. `s = 0` is uniform.
 *
 * @throws RangeError when n < 1 or s < 0
 * @example const rank = zipfSampler(stream(1, 'cache'), 10_000, 1.0); rank() // 0 is the most popular
 */
export function zipfSampler(u: Uniform, n: number, s: number): () => number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`zipf: n must be a whole number >= 1, got ${n}`);
  if (!(s >= 0)) throw new RangeError(`zipf: exponent must be >= 0, got ${s}`);
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += Math.pow(k + 1, -s);
    cdf[k] = total;
  }
  return () => {
    const x = u() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** P(rank = k) for the same law: (k + 1)^-s / sum over the catalog. */
export function zipfPmf(n: number, s: number): Float64Array {
  const p = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) total += p[k] = Math.pow(k + 1, -s);
  for (let k = 0; k < n; k++) p[k] /= total;
  return p;
}
