import type { Scenario } from '../workload/scenario.js';
import type { Request } from '../serving/request.js';
import { Samples } from './Samples.js';

/** How a request ended. */
export type Outcome = 'gpu' | 'cache' | 'api' | 'dropped';

/**
 * Why a request was dropped: it waited longer than its limit (`max_queue_time`, or a batch
 * class's deadline); its prompt and output never fit in a replica's KV memory; or the hosted
 * API's rate limit refused it.
 */
export type DropReason = 'queue_time' | 'kv_memory' | 'api_limit';

/** Counts and latency samples of the requests of one class that arrived in one hour. */
export class Tally {
  arrivals = 0;
  completed = 0;
  dropped = 0;
  droppedQueueTime = 0;
  droppedKvMemory = 0;
  droppedApiLimit = 0;
  cacheHits = 0;
  apiRequests = 0;
  inputTokens = 0;
  outputTokens = 0;
  /** Tokens computed by the self-hosted fleet (cache hits and API requests excluded). */
  gpuTokens = 0;
  apiInputTokens = 0;
  apiOutputTokens = 0;
  sloMet = 0;
  preemptions = 0;
  prefixHitTokens = 0;
  prefixHitBlocks = 0;
  readonly ttftMs = new Samples();
  readonly tpotMs = new Samples();
  readonly e2eMs = new Samples();
  readonly queueMs = new Samples();

  /** True once `close()` dropped the samples (its hour is closed: nothing adds to it again). */
  get closed(): boolean {
    return this.e2eMs.closed;
  }

  /** Drops the latency samples, keeping the quantiles an hourly row needs (Samples.close). */
  close(): void {
    this.ttftMs.close();
    this.tpotMs.close();
    this.e2eMs.close();
    this.queueMs.close();
  }

  addAll(o: Tally): void {
    this.arrivals += o.arrivals;
    this.completed += o.completed;
    this.dropped += o.dropped;
    this.droppedQueueTime += o.droppedQueueTime;
    this.droppedKvMemory += o.droppedKvMemory;
    this.droppedApiLimit += o.droppedApiLimit;
    this.cacheHits += o.cacheHits;
    this.apiRequests += o.apiRequests;
    this.inputTokens += o.inputTokens;
    this.outputTokens += o.outputTokens;
    this.gpuTokens += o.gpuTokens;
    this.apiInputTokens += o.apiInputTokens;
    this.apiOutputTokens += o.apiOutputTokens;
    this.sloMet += o.sloMet;
    this.preemptions += o.preemptions;
    this.prefixHitTokens += o.prefixHitTokens;
    this.prefixHitBlocks += o.prefixHitBlocks;
    this.ttftMs.addAll(o.ttftMs);
    this.tpotMs.addAll(o.tpotMs);
    this.e2eMs.addAll(o.e2eMs);
    this.queueMs.addAll(o.queueMs);
  }
}

const HOUR_S = 3600;

/**
 * Per-request outcomes gathered by arrival hour and class, through the `onArrival` and `onEnd`
 * hooks.
 *
 * Memory stays bounded over long runs: once an hour is over (a later arrival has come) and every
 * request that arrived in it has ended, the hour is closed, in hour order: its class tallies are
 * merged into the hour's total, the classes' run totals and the run's total, exactly as
 * `buildResult` would merge them at the end (same order, so the same sums and the same sketch),
 * and then their latency samples are dropped, keeping the quantiles the hourly rows need
 * (Tally.close). `closeAll` closes the rest when the run is over.
 */
export class HourlyMetrics {
  readonly hours: number;
  /** tallies[hour][classIndex] */
  readonly tallies: Tally[][];
  /** Per hour, all classes together; filled as hours close. */
  readonly hourTotals: Tally[] = [];
  /** Per class, the whole run (merged hour by hour as hours close). */
  readonly classTotals: Tally[];
  /** The whole run. */
  readonly all = new Tally();
  /** Requests that arrived in each hour and have not ended yet. */
  private readonly open: Int32Array;
  /** The hour of the latest arrival (arrivals come in time order). */
  private latestHour = 0;
  /**
   * Throughput: requests completed (by any backend) and their output tokens, by the hour their
   * last token came (not their arrival hour), `[hour * classes + classIndex]`. Completions after
   * the horizon (the drain) fall in no hour.
   */
  readonly finished: Float64Array;
  readonly finishedOutputTokens: Float64Array;
  private readonly horizonS: number;
  private readonly limits: { ttftMs: number; tpotMs: number; e2eMs: number }[];

  constructor(
    private readonly scenario: Scenario,
    hours: number,
    horizonS = hours * HOUR_S,
  ) {
    this.hours = hours;
    this.horizonS = horizonS;
    this.finished = new Float64Array(hours * scenario.classes.length);
    this.finishedOutputTokens = new Float64Array(hours * scenario.classes.length);
    this.tallies = Array.from({ length: hours }, () => scenario.classes.map(() => new Tally()));
    this.classTotals = scenario.classes.map(() => new Tally());
    this.open = new Int32Array(hours);
    this.limits = scenario.classes.map((c) => ({
      ttftMs: (c.slo.ttftS ?? Infinity) * 1000,
      tpotMs: (c.slo.tpotS ?? Infinity) * 1000,
      e2eMs: (c.priority === 'batch' ? (c.deadlineS ?? Infinity) : (c.slo.e2eS ?? Infinity)) * 1000,
    }));
  }

  private hourOf(r: Request): number {
    return Math.min(this.hours - 1, Math.floor(r.arrivedAt / HOUR_S));
  }

  onArrival(r: Request): void {
    const hour = this.hourOf(r);
    this.open[hour]++;
    if (hour > this.latestHour) {
      this.latestHour = hour;
      this.closeEnded();
    }
    const t = this.tallies[hour][r.classIndex];
    t.arrivals++;
    t.inputTokens += r.promptTokens;
    t.outputTokens += r.outputTokens;
  }

  onEnd(r: Request, outcome: Outcome, reason: DropReason = 'queue_time'): void {
    const hour = this.hourOf(r);
    this.record(this.tallies[hour][r.classIndex], r, outcome, reason);
    if (--this.open[hour] === 0 && hour === this.hourTotals.length) this.closeEnded();
  }

  /** Closes every hour not closed yet (the run is over). */
  closeAll(): void {
    while (this.hourTotals.length < this.hours) this.closeHour(this.hourTotals.length);
  }

  /** Closes, in order, the hours before the latest arrival's whose requests have all ended. */
  private closeEnded(): void {
    for (let h = this.hourTotals.length; h < this.latestHour && this.open[h] === 0; h++) this.closeHour(h);
  }

  /** The merges of buildResult for hour h, in its order; then the hour's samples are dropped. */
  private closeHour(h: number): void {
    const hourTally = new Tally();
    this.tallies[h].forEach((t, c) => {
      hourTally.addAll(t);
      this.classTotals[c].addAll(t);
      t.close();
    });
    this.all.addAll(hourTally);
    hourTally.close();
    this.hourTotals.push(hourTally);
  }

  private record(t: Tally, r: Request, outcome: Outcome, reason: DropReason): void {
    t.preemptions += r.preemptions;
    t.prefixHitTokens += r.prefixHitTokens;
    t.prefixHitBlocks += r.prefixHitBlocks;
    if (outcome === 'dropped') {
      t.dropped++;
      if (reason === 'queue_time') t.droppedQueueTime++;
      else if (reason === 'kv_memory') t.droppedKvMemory++;
      else t.droppedApiLimit++;
      return;
    }
    t.completed++;
    if (r.finishedAt < this.horizonS) {
      const i = Math.floor(r.finishedAt / HOUR_S) * this.scenario.classes.length + r.classIndex;
      this.finished[i]++;
      this.finishedOutputTokens[i] += r.outputTokens;
    }
    if (outcome === 'cache') t.cacheHits++;
    else if (outcome === 'api') {
      t.apiRequests++;
      t.apiInputTokens += r.promptTokens;
      t.apiOutputTokens += r.outputTokens;
    } else t.gpuTokens += r.promptTokens + r.outputTokens;

    const ttftMs = (r.firstTokenAt - r.arrivedAt) * 1000;
    const e2eMs = (r.finishedAt - r.arrivedAt) * 1000;
    const queueMs = outcome === 'gpu' ? (r.startedAt - r.queuedAt) * 1000 : 0;
    t.ttftMs.push(ttftMs);
    t.e2eMs.push(e2eMs);
    t.queueMs.push(queueMs);
    let tpotMs = 0;
    if (r.outputTokens > 1) {
      tpotMs = (e2eMs - ttftMs) / (r.outputTokens - 1);
      t.tpotMs.push(tpotMs);
    }
    const limit = this.limits[r.classIndex];
    if (ttftMs <= limit.ttftMs && tpotMs <= limit.tpotMs && e2eMs <= limit.e2eMs) t.sloMet++;
  }
}
