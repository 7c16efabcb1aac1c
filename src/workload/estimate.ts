/**
 * What a run will cost before it starts: requests, events, wall time, the most that can wait at
 * once, and the memory the simulator will hold. `checkRunBounds` refuses (with the estimate) a scenario that
 * cannot finish in bounded memory, such as `rate: 1e9`; docs/workload.md ("Ranges") states it.
 *
 * The memory model counts what grows with the workload (everything else is small and fixed):
 * - waiting requests: at the peak arrival rate, every request of a class may wait up to its
 *   limit (`max_queue_time`, or a batch class's `deadline`) when the fleet cannot keep up, so
 *   the backlog is bounded by peak rate x class weight x that limit (Little's law, L = lambda W);
 * - latency samples: per hour and class, four Samples, each exact up to 65,536 doubles (512 KiB)
 *   and a sketch of at most 2 x 4,096 counters (64 KiB) beyond (metrics/Samples.ts), held only
 *   while the hour is open: once its requests have ended an hour keeps a few numbers
 *   (HourlyMetrics closes it), so at most the hours a request can span are open at once;
 * - the fleet (per GPU slot) and the response cache's popularity table and entries.
 */
import type { Scenario } from './scenario.js';
import { rateByHour } from '../traffic/rateByHour.js';

/** Memory a run may plan to use: 1.5 GiB, below Node's default heap limit. */
export const MEMORY_BUDGET_BYTES = 1.5 * 1024 ** 3;

/**
 * Bytes a waiting request holds: 323 B measured (V8 heap after gc, 1e6 `newRequest` objects
 * pushed on a RequestQueue, Node 20), rounded up for what arrival touches besides.
 */
export const BYTES_PER_WAITING_REQUEST = 512;
/** Samples.ts: values kept exactly (8 B each) up to EXACT_LIMIT, then a sketch of at most 64 KiB. */
const SAMPLES_PER_HOUR_CLASS = 65_536;
const SKETCH_BYTES = 2 * 4096 * 8;
/** Latency figures kept per request: TTFT, TPOT, E2E, queue time. */
const SAMPLE_KINDS = 4;
const BYTES_PER_HOUR_CLASS = 2048;
const BYTES_PER_GPU = 2048;
const HOUR_S = 3600;

/**
 * Engine events per request: 3.6 to 4.0 under continuous batching in bench/README.md (chatbot
 * 3.61, day-16xh100 3.83, trace 3.89, scale-256 3.97; static batching 1.5): the upper end.
 */
export const EVENTS_PER_REQUEST = 4;
/**
 * Simulated requests per second of one core, the range measured in bench/README.md (weeks-4:
 * about 200,000 per CPU second; chatbot and day-16xh100: 550,000 to 600,000).
 */
export const REQUESTS_PER_WALL_S = { slow: 200_000, fast: 600_000 } as const;

export interface RunEstimate {
  /**
   * Expected arrivals: the sum over hours of the hour's rate (rate x profiles x growth) x its
   * seconds. Closed loop: an upper bound, active users x seconds / mean think time (every answer
   * instant). null for a trace replayed at its own times (unknown before reading it) and for a
   * closed loop without think time (set by the service time).
   */
  readonly requests: number | null;
  /** True when `requests` is an upper bound (closed loop), not an expectation. */
  readonly requestsUpperBound: boolean;
  /** Engine events, EVENTS_PER_REQUEST per request (null when requests is). */
  readonly events: number | null;
  /** Wall seconds on one core, from REQUESTS_PER_WALL_S (null when requests is). */
  readonly wallS: { readonly low: number; readonly high: number } | null;
  /** Requests that may wait at once at the peak rate when the fleet cannot keep up. */
  readonly waitingPeak: number;
  readonly hours: number | null;
  readonly memoryBytes: number;
}

export function estimateRun(s: Scenario): RunEstimate {
  const t = s.traffic;
  const closed = t.arrival === 'closed';
  const synthetic = !closed && (t.trace === null || t.arrival !== 'trace');
  const hours = s.durationS === null ? null : Math.ceil(s.durationS / HOUR_S);
  // Open loop: the expected count, hour by hour. Closed loop: user-seconds (users x the same factors).
  const perHour = rateByHour(closed ? { ...t, ratePerS: t.users } : synthetic ? t : { ...t, ratePerS: 0 });
  let expected = 0;
  let peakPerHour = 0;
  for (let h = 0; hours !== null && h < hours; h++) {
    const x = perHour(h);
    expected += x * Math.min(HOUR_S, (s.durationS as number) - h * HOUR_S);
    if (x > peakPerHour) peakPerHour = x;
  }
  const thinkS = t.thinkTime?.meanS ?? 0;
  const requests = hours === null || (!synthetic && !closed) || (closed && thinkS === 0) ? null : closed ? expected / thinkS : expected;
  const peak = closed ? (thinkS > 0 ? peakPerHour / thinkS : 0) : synthetic ? peakPerHour : 0;

  let waitingPeak = 0;
  for (const c of s.classes) {
    const waitS = c.priority === 'batch' ? (c.deadlineS ?? 0) : s.serving.maxQueueTimeS;
    waitingPeak += peak * c.weight * waitS;
  }
  if (requests !== null) waitingPeak = Math.min(waitingPeak, requests);
  if (closed) waitingPeak = peakPerHour; // a closed loop has at most its active users in flight

  const classes = s.classes.length + 1; // per class, and the whole run
  const perHourClass = hours !== null && requests !== null ? (peak * HOUR_S) / Math.max(1, s.classes.length) : SAMPLES_PER_HOUR_CLASS;
  const perSamples = perHourClass <= SAMPLES_PER_HOUR_CLASS ? 8 * perHourClass : SKETCH_BYTES;
  // Open hours: the current one, and those a request still waiting or running may have arrived in.
  const longestWaitS = Math.max(s.serving.maxQueueTimeS, ...s.classes.map((c) => (c.priority === 'batch' ? (c.deadlineS ?? 0) : 0)));
  const openHours = Math.min(hours ?? 0, 2 + Math.ceil(Math.min(longestWaitS, 1e9) / HOUR_S));
  // Plus one set for the run-wide totals (per class and all).
  const samples = (hours ?? 0) * classes * BYTES_PER_HOUR_CLASS + (openHours + 1) * classes * SAMPLE_KINDS * perSamples;
  const roleMax = (p: (typeof s.pools)[number]) => (p.disaggregation ? (p.disaggregation.prefill.autoscale?.max ?? 0) + (p.disaggregation.decode.autoscale?.max ?? 0) : 0);
  const gpus = s.pools.reduce((n, p) => n + p.gpus + p.spares * p.gpusPerReplica + (p.autoscale?.max ?? 0) + roleMax(p), 0);
  const cache = s.cache.response?.distinct ? s.cache.response.distinct * (8 + 80) : 0;
  const memoryBytes = waitingPeak * BYTES_PER_WAITING_REQUEST + samples + gpus * BYTES_PER_GPU + cache;
  const events = requests === null ? null : requests * EVENTS_PER_REQUEST;
  const wallS = requests === null ? null : { low: requests / REQUESTS_PER_WALL_S.fast, high: requests / REQUESTS_PER_WALL_S.slow };
  return { requests, requestsUpperBound: closed, events, wallS, waitingPeak, hours, memoryBytes };
}

/**
 * Requests per second reaching one replica at which a run has half the events per request of an
 * idle fleet's (EVENTS_PER_REQUEST / 2): fitted on bench/sweepSpeedup.mjs's workload
 * (llama-3.1-8b on h100-sxm, 40 requests/s, 6 h, fleet.gpus 3..10), whose measured events per
 * request are 2.94, 3.32, 3.51, 3.62, 3.69, 3.74, 3.78, 3.81 at 13.3, 10, 8, 6.7, 5.7, 5, 4.4 and 4
 * requests/s per replica; expectedEvents' formula gives 2.93, 3.32, 3.53, 3.66, 3.75, 3.80, 3.84,
 * 3.87 (within 2%). It depends on how fast a replica steps (model, GPU, perf): the bundled chatbot
 * workload at night (7.2 requests/s on one replica) has 3.29 measured, 3.61 by the formula.
 */
export const HALF_EVENTS_PER_REPLICA_RATE = 22;

/**
 * The engine events a run is expected to take, to compare runs' costs (`capsim sweep` starts the
 * heaviest points first, src/sweep/dispatchOrder.ts): the simulator's CPU time follows its events.
 * Requests x events per request, and a replica that receives many requests per second takes fewer
 * events per request than EVENTS_PER_REQUEST (an iteration boundary admits and finishes several
 * at once; an idle replica wakes for each): EVENTS_PER_REQUEST / (1 + (x / HALF_EVENTS_PER_REPLICA_RATE)^2),
 * x the mean requests per second per replica (the fleet's replicas as the workload starts them).
 * So of two points with the same traffic, the one with more replicas costs more (bench: 10 GPUs
 * +30% over 3). A request with front-end time (serving.overhead.per_request, on by default) takes
 * one event more, its step through the class's DelayLane (src/engine/DelayLane.ts): exactly one
 * per request on the small sweep fixture. null when the request count is unknown
 * (estimateRun.requests).
 */
export function expectedEvents(s: Scenario): number | null {
  const { requests } = estimateRun(s);
  if (requests === null || s.durationS === null || s.durationS <= 0) return null;
  const replicas = Math.max(1, s.pools.reduce((n, p) => n + p.replicas, 0));
  const perReplicaRate = requests / s.durationS / replicas;
  const frontEnd = s.serving.overhead.perRequestS > 0 ? 1 : 0;
  return requests * (EVENTS_PER_REQUEST / (1 + (perReplicaRate / HALF_EVENTS_PER_REPLICA_RATE) ** 2) + frontEnd);
}

/** A refusal message with the estimate, or null when the run fits in MEMORY_BUDGET_BYTES. */
export function runBoundsProblem(s: Scenario): string | null {
  const e = estimateRun(s);
  if (e.memoryBytes <= MEMORY_BUDGET_BYTES) return null;
  const parts = [
    e.requests !== null ? `${human(e.requests)} requests` : null,
    e.waitingPeak >= 1 ? `up to ${human(e.waitingPeak)} waiting at once at the peak rate (rate x max_queue_time or deadline)` : null,
    e.hours !== null ? `${human(e.hours)} hours x ${s.classes.length} class(es) of latency samples` : null,
  ].filter((p) => p !== null);
  const t = s.traffic;
  const daily = t.arrival !== 'closed' && t.ratePerS > 10_000 && Number.isInteger(t.ratePerS)
    ? ` (if ${t.ratePerS} is a daily count, write traffic.requests_per_day: ${t.ratePerS})`
    : '';
  return (
    `this run would need about ${gigabytes(e.memoryBytes)} GB of memory (${parts.join('; ')}), ` +
    `more than the ${MEMORY_BUDGET_BYTES / 1024 ** 3} GB a run may use; lower traffic.rate${daily}, serving.max_queue_time or duration`
  );
}

function gigabytes(bytes: number): string {
  const gb = bytes / 1024 ** 3;
  return gb < 10 ? gb.toPrecision(2) : Math.round(gb).toLocaleString('en-US');
}

/** A count in words: `86.4 million`, `1.73 billion`; below a million, digits with separators. */
export function human(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toPrecision(3)} trillion`;
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)} billion`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)} million`;
  return Math.round(n).toLocaleString('en-US');
}

/** A wall-time range in words: `20 s to 1 min`, `2.5 to 7.5 h`. */
export function wallRange(wallS: { readonly low: number; readonly high: number }): string {
  const unit = wallS.high >= 2 * HOUR_S ? { s: HOUR_S, name: 'h' } : wallS.high >= 120 ? { s: 60, name: 'min' } : { s: 1, name: 's' };
  const fmt = (x: number) => (x / unit.s >= 10 ? Math.round(x / unit.s).toLocaleString('en-US') : Number((x / unit.s).toPrecision(2)).toString());
  return `${fmt(wallS.low)} to ${fmt(wallS.high)} ${unit.name}`;
}
