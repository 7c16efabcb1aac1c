import { quantileType7 } from './quantile.js';

/** Largest value counted in the dense array; larger ones go to a map. */
const DENSE_LIMIT = 1 << 21;

/**
 * Exact distribution of non-negative whole numbers (token counts) in memory bounded by the
 * number of DISTINCT values, not the number of samples: a dense array of counts for values below
 * 2^21 (at most 8 MiB) and a map above. Percentiles are exact whatever the row count.
 * add: O(1) amortised; quantile: O(largest dense value + distinct large values).
 */
export class CountHistogram {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private dense = new Uint32Array(1024);
  private readonly sparse = new Map<number, number>();

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value < DENSE_LIMIT) {
      if (value >= this.dense.length) {
        let size = this.dense.length * 2;
        while (size <= value) size *= 2;
        const grown = new Uint32Array(Math.min(size, DENSE_LIMIT));
        grown.set(this.dense);
        this.dense = grown;
      }
      this.dense[value]++;
    } else {
      this.sparse.set(value, (this.sparse.get(value) ?? 0) + 1);
    }
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** Quantiles (type 7, as simple-statistics `quantile`) for each p in `ps`. */
  quantiles(ps: readonly number[]): number[] {
    const large = [...this.sparse.entries()].sort((a, b) => a[0] - b[0]);
    return ps.map((p) => quantileType7(this.count, p, (i) => this.valueAt(i, large)));
  }

  /** The i-th smallest value (0-based). */
  private valueAt(i: number, large: readonly (readonly [number, number])[]): number {
    let seen = 0;
    const dense = this.dense;
    for (let v = 0; v < dense.length; v++) {
      seen += dense[v];
      if (seen > i) return v;
    }
    for (const [v, c] of large) {
      seen += c;
      if (seen > i) return v;
    }
    return NaN;
  }
}
