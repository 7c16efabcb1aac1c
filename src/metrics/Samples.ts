import { quantileSorted } from 'simple-statistics';

/** A growable list of numbers with exact order statistics, computed once when finalised. */
export class Samples {
  private values = new Float64Array(16);
  private n = 0;
  private sorted = false;

  get count(): number {
    return this.n;
  }

  push(x: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = x;
    this.sorted = false;
  }

  addAll(other: Samples): void {
    for (let i = 0; i < other.n; i++) this.push(other.values[i]);
  }

  private view(): Float64Array {
    const v = this.values.subarray(0, this.n);
    if (!this.sorted) {
      v.sort();
      this.sorted = true;
    }
    return v;
  }

  /** Quantile p in [0, 1] (simple-statistics' definition), or NaN when empty. */
  quantile(p: number): number {
    if (this.n === 0) return NaN;
    return quantileSorted(this.view() as unknown as number[], p);
  }

  mean(): number {
    if (this.n === 0) return NaN;
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.values[i];
    return s / this.n;
  }

  max(): number {
    return this.n === 0 ? NaN : this.view()[this.n - 1];
  }
}
