/**
 * What one pool's replicas did, hour by hour, gathered through the replicas' `ran` hook: the
 * numerators of `mfu`, `mbu`, `batch_size_mean` and `kv_utilization` (results.ts divides them by
 * the provisioned GPU time and the ready replica time of each hour).
 *
 * Work reported over an interval that crosses an hour boundary is split between the hours in
 * proportion to its time in each; time past the horizon is not counted, like busy time and
 * billing. That is exact for one iteration (its KV held, sequences and work rate are constant over
 * it) but not for a run of several, whose KV and KV reads grow by a token per sequence per
 * iteration: a replica reports a run that crosses a cut (`cutAfter`) in pieces, the iteration
 * that crosses it alone (ContinuousReplica.reportWork).
 */
const HOUR_S = 3600;

export class FleetWork {
  /** FLOPs / peak FLOP/s of one GPU: GPU-seconds at peak compute. */
  readonly peakFlopS: Float64Array;
  /** HBM bytes / peak bytes/s of one GPU: GPU-seconds at peak bandwidth. */
  readonly peakByteS: Float64Array;
  /** Integral of running sequences over time, summed over replicas (sequence-seconds). */
  readonly seqS: Float64Array;
  /** Integral of the share of a replica's KV capacity held, summed over replicas (replica-seconds). */
  readonly kvShareS: Float64Array;

  constructor(
    hours: number,
    private readonly horizonS: number,
    private readonly peakFlopsPerGpu: number,
    private readonly peakBytesPerGpu: number,
    private readonly kvCapacityTokens: number,
  ) {
    this.peakFlopS = new Float64Array(hours);
    this.peakByteS = new Float64Array(hours);
    this.seqS = new Float64Array(hours);
    this.kvShareS = new Float64Array(hours);
  }

  /**
   * The first time after `t` at which `add` splits what it is given: the next hour boundary or
   * the horizon, whichever comes first; Infinity from the horizon on (nothing is counted there).
   */
  cutAfter(t: number): number {
    if (t >= this.horizonS) return Infinity;
    return Math.min((Math.floor(t / HOUR_S) + 1) * HOUR_S, this.horizonS);
  }

  /** Adds one replica's run of iterations over [startS, endS). */
  add(startS: number, endS: number, flops: number, bytes: number, seqS: number, kvS: number): void {
    const span = endS - startS;
    if (!(span > 0) || startS >= this.horizonS) return;
    const f = flops / this.peakFlopsPerGpu / span;
    const b = bytes / this.peakBytesPerGpu / span;
    const q = seqS / span;
    const k = this.kvCapacityTokens > 0 ? kvS / this.kvCapacityTokens / span : 0;
    const end = Math.min(endS, this.horizonS);
    let s = startS;
    while (s < end) {
      const hour = Math.floor(s / HOUR_S);
      if (hour >= this.seqS.length) break;
      const hourEnd = Math.min(end, (hour + 1) * HOUR_S);
      const dt = hourEnd - s;
      this.peakFlopS[hour] += f * dt;
      this.peakByteS[hour] += b * dt;
      this.seqS[hour] += q * dt;
      this.kvShareS[hour] += k * dt;
      s = hourEnd;
    }
  }
}
