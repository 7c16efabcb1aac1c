/**
 * Quantile of sorted data by linear interpolation between order statistics: numpy's default
 * ("type 7", Hyndman & Fan 1996), the rule simple-statistics 7 `quantileSorted` uses.
 * `valueAt(i)` returns the i-th smallest value (0-based), so histograms can answer too.
 * O(1) calls to `valueAt`.
 */
export function quantileType7(n: number, p: number, valueAt: (i: number) => number): number {
  if (n === 0) return NaN;
  if (p <= 0) return valueAt(0);
  if (p >= 1) return valueAt(n - 1);
  const idx = (n - 1) * p;
  const lower = Math.floor(idx);
  if (lower === idx) return valueAt(idx);
  const low = valueAt(lower);
  return low + (idx - lower) * (valueAt(lower + 1) - low);
}
