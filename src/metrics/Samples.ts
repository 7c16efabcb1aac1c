import { quantileSorted } from 'simple-statistics';
import { quantileType7 } from '../traffic/trace/quantile.js';
import { LITTLE_ENDIAN } from './littleEndian.js';
import { quantilesBySelection } from './quantilesBySelection.js';

/**
 * Latency samples with order statistics in bounded memory: exact up to `EXACT_LIMIT` values,
 * then a mergeable relative-error quantile sketch (DDSketch, Masson, Rim & Lee, "DDSketch: A
 * Fast and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees", VLDB 2019).
 *
 * - Up to `EXACT_LIMIT` (65,536) values: every value is kept and `quantile` equals
 *   simple-statistics' `quantile` (type 7, linear interpolation) on the same values.
 * - Beyond that: each value goes to a logarithmic bucket `i = ceil(log_gamma |x|)` with
 *   `gamma = (1 + ALPHA) / (1 - ALPHA)`, `ALPHA = 0.005`. The bucket is represented by
 *   `2 gamma^i / (gamma + 1)`, which lies within a relative `ALPHA` of every value in it, so
 *   `quantile(p)` is within 0.5% (relative) of the exact type-7 quantile for every p: the two
 *   order statistics being interpolated are each estimated within 0.5%, and so is their convex
 *   combination (for values of one sign; up to floating-point rounding of the logarithm at bucket
 *   edges). Zeros are counted exactly, negative values mirror the positive buckets.
 * - `count`, `mean` and `max` stay exact in both modes (running count, sum, min and max);
 *   estimates are clamped to [min, max].
 * - Memory: at most `EXACT_LIMIT` doubles (512 KiB) before the switch, then at most
 *   `MAX_BUCKETS` (4,096) counters per sign (32 KiB), however many values are pushed. 4,096
 *   buckets span a ratio of gamma^4096 ~ 6e17 between the largest and smallest magnitude
 *   (e.g. 1 ns to 19 years in ms); beyond that the lowest buckets are folded together, which
 *   only blurs quantiles among the very smallest values, as in DDSketch's collapsing store.
 * - Merging (`addAll`) is exact for sketch+sketch (counts add: the sketch of the union equals
 *   the union of the sketches) and for exact+exact below the limit; exact values merged into a
 *   sketch are bucketed one by one.
 *
 * Cost: `push` O(1) (one `Math.log` in sketch mode); `quantile` O(n) once (a radix sort) in exact
 * mode, O(buckets) in sketch mode.
 * - `close()` keeps the quantiles at `CLOSED_QUANTILES` (p50, p99), count, mean and max, and drops
 *   the values and buckets: what an hour of a long run holds once its requests have all ended
 *   (metrics/HourlyMetrics.ts). A closed Samples answers those quantiles with the values it had.
 *   In exact mode they are found by selection (quantilesBySelection: the same doubles as the
 *   sort, at about a quarter of its cost), falling back to the sort where selection declines.
 *
 * @example
 * const s = new Samples();
 * for (const x of [3, 1, 2]) s.push(x);
 * s.quantile(0.5); // 2
 */
export class Samples {
  /** Values kept exactly before switching to the sketch. */
  static readonly EXACT_LIMIT = 65_536;
  /** The sketch's relative accuracy: every quantile within this fraction of the exact value. */
  static readonly ALPHA = 0.005;
  /** Buckets kept per sign at most. */
  static readonly MAX_BUCKETS = 4096;
  /** The quantiles a closed Samples still answers. */
  static readonly CLOSED_QUANTILES: readonly number[] = [0.5, 0.99];

  private values: Float64Array | null = new Float64Array(16);
  private sorted = false;
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private positive: LogBuckets | null = null;
  private negative: LogBuckets | null = null;
  private zeros = 0;
  /** After `close()`: the quantiles at CLOSED_QUANTILES, in that order. */
  private kept: number[] | null = null;

  get count(): number {
    return this.n;
  }

  /** True once the values are summarised by the sketch rather than kept. */
  get approximate(): boolean {
    return this.values === null;
  }

  /** Counters held by the sketch (0 while exact): bounded by 2 x `MAX_BUCKETS`. */
  get bucketCount(): number {
    return (this.positive?.span ?? 0) + (this.negative?.span ?? 0);
  }

  /** True once `close()` has dropped the values. */
  get closed(): boolean {
    return this.kept !== null;
  }

  /**
   * Computes the quantiles at CLOSED_QUANTILES and drops the values and the sketch: afterwards
   * `quantile` answers only those, `count`, `mean` and `max` stay, and `push` or merging throws.
   */
  close(): void {
    if (this.kept !== null) return;
    // Exact values: the kept quantiles by selection rather than a sort (same doubles; null -> sort).
    const values = this.values;
    const selected = values !== null && this.n > 0 && !this.sorted ? quantilesBySelection(values.subarray(0, this.n), Samples.CLOSED_QUANTILES) : null;
    this.kept = selected ?? Samples.CLOSED_QUANTILES.map((p) => this.quantile(p));
    this.values = null;
    this.positive = null;
    this.negative = null;
  }

  push(x: number): void {
    if (this.kept !== null) throw new Error('Samples: push after close()');
    this.n++;
    this.sum += x;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    const values = this.values;
    if (values === null) {
      this.bucket(x);
      return;
    }
    const i = this.n - 1;
    if (i === values.length) {
      if (i >= Samples.EXACT_LIMIT) {
        this.toSketch(i);
        this.bucket(x);
        return;
      }
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      grown[i] = x;
      this.values = grown;
    } else {
      values[i] = x;
    }
    this.sorted = false;
  }

  /** Adds every value of `other` (which is left unchanged). */
  addAll(other: Samples): void {
    if (this.kept !== null || other.kept !== null) throw new Error('Samples: addAll with a closed Samples');
    if (other.n === 0) return;
    const theirs = other.values;
    if (theirs !== null) {
      const n = other.n; // fixed first: `other` may be `this`
      for (let i = 0; i < n; i++) this.push(theirs[i]);
      return;
    }
    if (this.values !== null) this.toSketch(this.n);
    this.n += other.n;
    this.sum += other.sum;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
    this.zeros += other.zeros;
    if (other.positive !== null) (this.positive ??= new LogBuckets()).addAll(other.positive);
    if (other.negative !== null) (this.negative ??= new LogBuckets()).addAll(other.negative);
  }

  /** Quantile p in [0, 1] (simple-statistics' definition), or NaN when empty. */
  quantile(p: number): number {
    if (this.n === 0) return NaN;
    if (this.kept !== null) {
      const i = Samples.CLOSED_QUANTILES.indexOf(p);
      if (i < 0) throw new Error(`Samples: quantile(${p}) after close() (kept: ${Samples.CLOSED_QUANTILES.join(', ')})`);
      return this.kept[i];
    }
    if (this.values !== null) return quantileSorted(this.view() as unknown as number[], p);
    if (p < 0 || p > 1) throw new Error('quantiles must be between 0 and 1');
    if (p === 0) return this.lo;
    if (p === 1) return this.hi;
    // The same ranks and interpolation as quantileSorted, on estimated order statistics.
    return quantileType7(this.n, p, (k) => this.orderStatistic(k));
  }

  /** Exact mean (running sum). */
  mean(): number {
    return this.n === 0 ? NaN : this.sum / this.n;
  }

  /** Exact maximum. */
  max(): number {
    return this.n === 0 ? NaN : this.hi;
  }

  private view(): Float64Array {
    const v = (this.values as Float64Array).subarray(0, this.n);
    if (!this.sorted) {
      sortFloat64(v);
      this.sorted = true;
    }
    return v;
  }

  /** Moves the first `kept` exact values into the sketch and drops the array. */
  private toSketch(kept: number): void {
    const values = this.values as Float64Array;
    this.values = null;
    for (let i = 0; i < kept; i++) this.bucket(values[i]);
  }

  private bucket(x: number): void {
    if (x > 0) (this.positive ??= new LogBuckets()).add(x);
    else if (x < 0) (this.negative ??= new LogBuckets()).add(-x);
    else this.zeros++; // 0, and NaN (which has no order)
  }

  /** Estimate of the value of 0-based rank `k` in sorted order, clamped to [min, max]. */
  private orderStatistic(k: number): number {
    let x: number;
    const negatives = this.negative?.total ?? 0;
    if (k < negatives) {
      x = -(this.negative as LogBuckets).valueAtRank(negatives - 1 - k);
    } else if (k < negatives + this.zeros) {
      x = 0;
    } else {
      x = (this.positive as LogBuckets).valueAtRank(k - negatives - this.zeros);
    }
    return Math.min(this.hi, Math.max(this.lo, x));
  }
}

const GAMMA = (1 + Samples.ALPHA) / (1 - Samples.ALPHA);
const INV_LN_GAMMA = 1 / Math.log(GAMMA);

/**
 * Counts of positive values in buckets (gamma^(i-1), gamma^i], stored densely from index
 * `offset`; at most `MAX_BUCKETS` wide, folding the lowest buckets together beyond that.
 */
class LogBuckets {
  counts = new Float64Array(64);
  /** Index of counts[0]. */
  offset = 0;
  /** Used range: indices [minIndex, maxIndex], empty while total is 0. */
  minIndex = 0;
  maxIndex = -1;
  total = 0;

  get span(): number {
    return this.total === 0 ? 0 : this.maxIndex - this.minIndex + 1;
  }

  add(x: number): void {
    this.addAt(Math.ceil(Math.log(x) * INV_LN_GAMMA), 1);
  }

  addAll(o: LogBuckets): void {
    if (o.total === 0) return;
    // Highest first, so that any folding happens once the full range is known.
    for (let i = o.maxIndex; i >= o.minIndex; i--) {
      const c = o.counts[i - o.offset];
      if (c > 0) this.addAt(i, c);
    }
  }

  /** The representative value of the bucket holding 0-based rank k (ascending). */
  valueAtRank(k: number): number {
    let seen = 0;
    for (let i = this.minIndex; i <= this.maxIndex; i++) {
      seen += this.counts[i - this.offset];
      if (seen > k) return (2 * GAMMA ** i) / (GAMMA + 1);
    }
    return (2 * GAMMA ** this.maxIndex) / (GAMMA + 1);
  }

  private addAt(index: number, count: number): void {
    if (this.total === 0) {
      this.offset = index - (this.counts.length >> 1);
      this.minIndex = this.maxIndex = index;
    } else if (index < this.minIndex) {
      // Too low to keep within MAX_BUCKETS of the top: fold into the lowest kept bucket.
      if (this.maxIndex - index >= Samples.MAX_BUCKETS) index = this.maxIndex - Samples.MAX_BUCKETS + 1;
      if (index < this.minIndex) {
        this.reserve(index, this.maxIndex);
        this.minIndex = index;
      }
    } else if (index > this.maxIndex) {
      if (index - this.minIndex >= Samples.MAX_BUCKETS) this.foldBelow(index - Samples.MAX_BUCKETS + 1);
      this.reserve(this.minIndex, index);
      this.maxIndex = index;
    }
    this.counts[index - this.offset] += count;
    this.total += count;
  }

  /** Moves the counts of buckets below `newMin` into bucket `newMin`. */
  private foldBelow(newMin: number): void {
    let moved = 0;
    for (let i = this.minIndex; i < newMin && i <= this.maxIndex; i++) {
      moved += this.counts[i - this.offset];
      this.counts[i - this.offset] = 0;
    }
    this.minIndex = newMin;
    if (newMin > this.maxIndex) {
      this.reserve(newMin, newMin);
      this.maxIndex = newMin;
    }
    this.counts[newMin - this.offset] += moved;
  }

  /** Makes indices [low, high] addressable, re-centring or growing the array as needed. */
  private reserve(low: number, high: number): void {
    const counts = this.counts;
    if (low >= this.offset && high < this.offset + counts.length) return;
    const width = high - low + 1;
    let size = counts.length;
    while (size < width * 2 && size < Samples.MAX_BUCKETS * 2) size *= 2;
    if (size < width) size = width;
    const grown = new Float64Array(size);
    const offset = low - ((size - width) >> 1);
    if (this.total > 0) {
      grown.set(counts.subarray(this.minIndex - this.offset, this.maxIndex - this.offset + 1), this.minIndex - offset);
    }
    this.counts = grown;
    this.offset = offset;
  }
}

const RADIX_MIN = 1024;

/**
 * Sorts in place in the order of `Float64Array.prototype.sort` (-Infinity ... -0, 0 ... Infinity,
 * NaN last), by an LSD radix sort on the IEEE-754 bits: 6 passes of 11 bits, O(n), about 2x faster
 * than the built-in sort at 65,536 values. Small arrays use the built-in sort.
 *
 * The bits of a double become an unsigned key of the same order by setting the sign bit of
 * non-negative values and flipping every bit of negative ones.
 *
 * @example
 * sortFloat64(Float64Array.of(3, -1, 0)); // Float64Array [-1, 0, 3]
 */
export function sortFloat64(a: Float64Array): void {
  const n = a.length;
  if (n < RADIX_MIN || !LITTLE_ENDIAN) {
    a.sort();
    return;
  }
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  let src: Uint32Array = words;
  let dst: Uint32Array = new Uint32Array(2 * n);
  const counts = new Uint32Array(6 * 2048);
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = src[i];
    let hi = src[i + 1];
    if (hi >>> 31) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
      src[i] = lo;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    src[i + 1] = hi;
    counts[lo & 2047]++;
    counts[2048 + ((lo >>> 11) & 2047)]++;
    counts[4096 + (lo >>> 22)]++;
    counts[6144 + (hi & 2047)]++;
    counts[8192 + ((hi >>> 11) & 2047)]++;
    counts[10240 + (hi >>> 22)]++;
  }
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * 2048;
    const word = pass < 3 ? 0 : 1;
    const shift = (pass % 3) * 11;
    // Exclusive prefix sums; a pass where every key has the same digit changes nothing.
    let sum = 0;
    let trivial = false;
    for (let d = 0; d < 2048; d++) {
      const c = counts[base + d];
      if (c === n) trivial = true;
      counts[base + d] = sum;
      sum += c;
    }
    if (trivial) continue;
    for (let i = 0; i < 2 * n; i += 2) {
      const j = 2 * counts[base + ((src[i + word] >>> shift) & 2047)]++;
      dst[j] = src[i];
      dst[j + 1] = src[i + 1];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== words) words.set(src);
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = words[i + 1];
    if (hi >>> 31) {
      words[i + 1] = hi & 0x7fffffff;
    } else {
      words[i + 1] = ~hi >>> 0;
      words[i] = ~words[i] >>> 0;
    }
  }
}
