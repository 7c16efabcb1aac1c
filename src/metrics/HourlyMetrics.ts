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
 */
export class HourlyMetrics {
  readonly hours: number;
  /** tallies[hour][classIndex] */
  readonly tallies: Tally[][];
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
    this.limits = scenario.classes.map((c) => ({
      ttftMs: (c.slo.ttftS ?? Infinity) * 1000,
      tpotMs: (c.slo.tpotS ?? Infinity) * 1000,
      e2eMs: (c.priority === 'batch' ? (c.deadlineS ?? Infinity) : (c.slo.e2eS ?? Infinity)) * 1000,
    }));
  }

  private tally(r: Request): Tally {
    const hour = Math.min(this.hours - 1, Math.floor(r.arrivedAt / HOUR_S));
    return this.tallies[hour][r.classIndex];
  }

  onArrival(r: Request): void {
    const t = this.tally(r);
    t.arrivals++;
    t.inputTokens += r.promptTokens;
    t.outputTokens += r.outputTokens;
  }

  onEnd(r: Request, outcome: Outcome, reason: DropReason = 'queue_time'): void {
    const t = this.tally(r);
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
