import { whole } from './whole.js';

/** Whole numbers up to this get a threshold each; larger results take Math.exp. */
const TABLE_MAX = 16_384;
/** Margin around each threshold, in log space (a relative 2^-30 ~ 9.3e-10 in e^y). */
const MARGIN = 2 ** -30;
/** Steps per unit of y of the hint's table of e^(i / STEPS). */
const STEPS = 64;
const STEP = 1 / STEPS; // exact
const SIXTH = 1 / 6;

/**
 * `round(e^y)` clamped to [1, max] — exactly `whole(Math.exp(y), max)` (whole.ts) for every
 * double y — with Math.exp called only for y within 2^-30 of a rounding threshold, beyond
 * `TABLE_MAX`, or not finite. A lognormal length is this of `mu + sigma * z`: the sampler went
 * from ~77 to ~54 ns per draw (issue 19 target 1, bench/README.md round six).
 *
 * Why it is the same number: `Math.round(v)` is the whole n with n - 0.5 <= v < n + 0.5, so the
 * result is decided by comparing v = Math.exp(y) with the thresholds k + 0.5, i.e. y with
 * ln(k + 0.5). The table holds `t[k] = Math.log(k + 0.5)`. If `y > t[k] + 2^-30`, then
 * y > ln(k + 0.5) + 2^-30 - 1e-14 (the log's and the addition's rounding, |y| < 10: a few ulps
 * of 10, ~2e-15 each), so e^y >= (k + 0.5) e^(2^-30 - 1e-14) and Math.exp(y), within a relative
 * 1e-14 of e^y (V8's fdlibm exp and log are within 1 ulp, 2.2e-16: this allows 45 ulps), is
 * still >= k + 0.5; symmetrically `y < t[k] - 2^-30` gives Math.exp(y) < k + 0.5. A cheap
 * estimate of e^y (a table of e^(i/64) and three Taylor terms, relative error < 2e-10) names
 * the candidate n; the two comparisons above confirm it, and anything they cannot confirm
 * (a wrong candidate, y near a threshold, NaN) takes the original expression. The share of y
 * within the margin of a threshold is about 2 x 2^-30 x e^y: ~1e-5 at 6,000 tokens.
 *
 * Cost: construction min(max, 16,384) + 1 Math.log (two Float64Arrays, at most 256 KiB);
 * per call no division and no Math.exp on the fast path.
 *
 * @param max the sampler's cap (an integer >= 1, as tokenSampler computes it)
 * @returns y -> whole(Math.exp(y), max), bit for bit
 * @example roundedExp(4096)(Math.log(180.4)) // 180
 */
export function roundedExp(max: number): (y: number) => number {
  const top = Math.min(max, TABLE_MAX);
  // above[k] = t[k - 1] + MARGIN, below[k] = t[k] - MARGIN: y strictly between them => n = k.
  // t[k] = Math.log(k + 0.5) is computed once and gives both below[k] and above[k + 1].
  const above = new Float64Array(top + 1);
  const below = new Float64Array(top + 1);
  above[0] = Infinity;
  for (let k = 0; k <= top; k++) {
    const t = Math.log(k + 0.5);
    below[k] = t - MARGIN;
    if (k < top) above[k + 1] = t + MARGIN;
  }
  above[1] = -Infinity; // everything below 1.5 rounds to 1 or less: the clamp gives 1
  // y above atMax: Math.exp(y) >= max - 0.5, the clamp gives max (when the table reaches max).
  const atMax = top === max ? Math.log(max - 0.5) + MARGIN : Infinity;
  const lowest = below[1]; // y below: Math.exp(y) < 1.5, the result is 1
  const steps = Math.ceil(STEPS * Math.log(top + 1)) + 2;
  const grid = new Float64Array(steps);
  for (let i = 0; i < steps; i++) grid[i] = Math.exp(i * STEP);
  const gridEnd = (steps - 1) * STEP; // y below: the nearest grid point is in the table

  return (y) => {
    if (y < lowest) return 1;
    if (y > atMax) return max;
    if (y < gridEnd) {
      const i = (y * STEPS + 0.5) | 0; // y > ln 1.5 - MARGIN > 0 here
      const d = y - i * STEP; // |d| <= 1/128
      const n = (grid[i] * (1 + d * (1 + d * (0.5 + d * SIXTH))) + 0.5) | 0;
      if (n >= 1 && n <= top && y > above[n] && y < below[n]) return n;
    }
    return whole(Math.exp(y), max);
  };
}
