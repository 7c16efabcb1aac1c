import { quantileType7 } from '../traffic/trace/quantile.js';
import { LITTLE_ENDIAN } from './littleEndian.js';

/** Below this many values the caller's sort is cheap enough. */
const MIN_VALUES = 4096;

/**
 * simple-statistics' `quantileSorted(sorted, p)` (type 7: `x[lower] + fraction * (x[upper] -
 * x[lower])` at idx = (n - 1) p) for a few p, without sorting all the values: only the order
 * statistics those p read are found, by a radix selection on the values' bits.
 *
 * For doubles >= +0 that are finite, the unsigned order of the bit patterns is the numeric
 * order (and `Float64Array.prototype.sort`'s). One pass counts the values by their top 16 bits
 * (exponent and 4 mantissa bits); the counts give, for each rank needed, its bin and the number
 * of values below the bin; one pass per such bin copies its values out, and sorting those few
 * gives the order statistic. The answer is the same double as with the full sort (an order
 * statistic is one value whatever the method; quantileType7 reads the same ranks and
 * interpolates with the same expression as quantileSorted).
 *
 * Returns null, and the caller sorts instead, when that does not hold or would not pay: fewer
 * than 4,096 values, any negative value, -0, infinity or NaN (a top word >= 0x7ff00000 as
 * unsigned), a bin holding more than an eighth of the values, or a big-endian platform.
 *
 * Samples.close uses it: an hour's exact samples (up to 65,536) need only p50 and p99 kept, and
 * the radix sort of all of them was ~16% of the metrics hooks' time on the realistic day
 * (issue 19 target 1, bench/README.md round six).
 *
 * Cost: two to five passes over the values, a 32,768-bin histogram, and sorts of a few bins.
 *
 * @param values the values (left unchanged)
 * @param ps quantiles in [0, 1]
 * @returns quantileSorted(sorted values, p) for each p, in the order of `ps`; or null (see above)
 * @example quantilesBySelection(Float64Array.from({ length: 5000 }, (_, i) => i), [0.5]) // [2499.5]
 */
export function quantilesBySelection(values: Float64Array, ps: readonly number[]): number[] | null {
  const n = values.length;
  if (n < MIN_VALUES || !LITTLE_ENDIAN) return null;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const counts = new Uint32Array(0x8000);
  let highest = 0;
  for (let i = 1; i < 2 * n; i += 2) {
    const high = words[i];
    if (high > highest) highest = high;
    if (high < 0x7ff00000) counts[high >>> 16]++;
  }
  if (highest >= 0x7ff00000) return null; // negative, -0, infinite or NaN
  // The ranks each p reads: the rule itself, asked with a valueAt that notes the rank and reads nothing.
  const wanted = new Set<number>();
  for (const p of ps) {
    if (p < 0 || p > 1) throw new Error('quantiles must be between 0 and 1');
    quantileType7(n, p, (r) => {
      wanted.add(r);
      return 0;
    });
  }
  const ranks = [...wanted].sort((a, b) => a - b);
  const at = new Map<number, number>();
  let bin = 0;
  let below = 0; // values in bins before `bin`
  let sorted: Float64Array | null = null; // the values of `bin`, sorted, once needed
  for (const r of ranks) {
    while (below + counts[bin] <= r) {
      below += counts[bin++];
      sorted = null;
    }
    if (sorted === null) {
      const size = counts[bin];
      if (size > n >>> 3) return null;
      const out = new Float64Array(size + 1); // the last slot takes the writes of other bins' values
      let c = 0;
      for (let i = 0; i < n; i++) {
        out[c] = values[i];
        c += (words[2 * i + 1] >>> 16) === bin ? 1 : 0;
      }
      sorted = out.subarray(0, size).sort();
    }
    at.set(r, sorted[r - below]);
  }
  return ps.map((p) => quantileType7(n, p, (r) => at.get(r) as number));
}
