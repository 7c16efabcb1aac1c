import { quantileType7 } from './quantile.js';

/** Values kept exactly before the sketch switches to bins (8 MiB of doubles). */
export const EXACT_CAPACITY = 1 << 20;
/** Relative accuracy of a binned quantile. */
export const RELATIVE_ACCURACY = 1e-3;

/**
 * Quantiles of non-negative reals (inter-arrival gaps) in bounded memory. Up to
 * `EXACT_CAPACITY` values are kept and quantiles are exact; past that, every value moves into
 * logarithmic bins whose width bounds the relative error of any quantile by 0.1 % (DDSketch:
 * Masson, Rim & Lee, VLDB 2019), and memory is bounded by the number of bins in use
 * (about 1,150 per factor of 10 between the smallest and largest gap). Zeros are counted apart.
 */
export class QuantileSketch {
  count = 0;
  private exact: Float64Array | null = new Float64Array(4096);
  private zeros = 0;
  private readonly bins = new Map<number, number>();
  private readonly logGamma = Math.log((1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY));

  /** True while every value is held and quantiles are exact. */
  get isExact(): boolean {
    return this.exact !== null;
  }

  add(value: number): void {
    const exact = this.exact;
    if (exact !== null) {
      if (this.count < exact.length) {
        exact[this.count++] = value;
        return;
      }
      if (exact.length < EXACT_CAPACITY) {
        const grown = new Float64Array(exact.length * 2);
        grown.set(exact);
        grown[this.count++] = value;
        this.exact = grown;
        return;
      }
      this.exact = null;
      for (let i = 0; i < exact.length; i++) this.bin(exact[i]);
    }
    this.count++;
    this.bin(value);
  }

  quantiles(ps: readonly number[]): number[] {
    if (this.exact !== null) {
      const sorted = this.exact.slice(0, this.count).sort();
      return ps.map((p) => quantileType7(this.count, p, (i) => sorted[i]));
    }
    const bins = [...this.bins.entries()].sort((a, b) => a[0] - b[0]);
    const gamma = Math.exp(this.logGamma);
    const valueAt = (i: number): number => {
      if (i < this.zeros) return 0;
      let seen = this.zeros;
      for (const [k, c] of bins) {
        seen += c;
        if (seen > i) return (2 * Math.pow(gamma, k)) / (gamma + 1);
      }
      return NaN;
    };
    return ps.map((p) => quantileType7(this.count, p, valueAt));
  }

  private bin(value: number): void {
    if (value <= 0) {
      this.zeros++;
      return;
    }
    const k = Math.ceil(Math.log(value) / this.logGamma);
    this.bins.set(k, (this.bins.get(k) ?? 0) + 1);
  }
}
