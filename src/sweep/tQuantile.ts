/**
 * The 0.975 quantile of Student's t distribution: the multiplier of a two-sided 95% confidence
 * interval of a mean from `df + 1` samples.
 *
 * Reference: the standard t table (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2), 4 decimals,
 * for df 1..30; above 30 the Cornish-Fisher expansion around z = 1.959964 (error < 1e-4).
 * O(1).
 *
 * @throws RangeError when df < 1
 * @example t975(3) // 3.1824
 */
const TABLE = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788,
  2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639,
  2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

export function t975(df: number): number {
  if (!(df >= 1)) throw new RangeError(`t975: degrees of freedom must be >= 1, got ${df}`);
  const n = Math.floor(df);
  if (n <= TABLE.length) return TABLE[n - 1];
  const z = 1.959964;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n ** 3);
}
