/**
 * What a run will cost before it starts: requests, the most that can wait at once, and the
 * memory the simulator will hold. `checkRunBounds` refuses (with the estimate) a scenario that
 * cannot finish in bounded memory, such as `rate: 1e9`; docs/workload.md ("Ranges") states it.
 *
 * The memory model counts what grows with the workload (everything else is small and fixed):
 * - waiting requests: at the peak arrival rate, every request of a class may wait up to its
 *   limit (`max_queue_time`, or a batch class's `deadline`) when the fleet cannot keep up, so
 *   the backlog is bounded by peak rate x class weight x that limit (Little's law, L = lambda W);
 * - latency samples: per hour and class, four Samples, each exact up to 65,536 doubles (512 KiB)
 *   and a sketch of at most 2 x 4,096 counters (64 KiB) beyond (metrics/Samples.ts);
 * - the fleet (per GPU slot) and the response cache's popularity table and entries.
 */
import type { Scenario } from './scenario.js';

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

export interface RunEstimate {
  /** Expected arrivals (null for a trace replayed at its own times: unknown before reading it). */
  readonly requests: number | null;
  /** Requests that may wait at once at the peak rate when the fleet cannot keep up. */
  readonly waitingPeak: number;
  readonly hours: number | null;
  readonly memoryBytes: number;
}

export function estimateRun(s: Scenario): RunEstimate {
  const synthetic = s.traffic.trace === null || s.traffic.arrival !== 'trace';
  const rate = synthetic ? s.traffic.ratePerS : 0;
  const peak = rate * (s.traffic.dailyProfile ? Math.max(...s.traffic.dailyProfile) : 1);
  const hours = s.durationS === null ? null : Math.ceil(s.durationS / 3600);
  const requests = synthetic && s.durationS !== null ? rate * s.durationS : null;

  let waitingPeak = 0;
  for (const c of s.classes) {
    const waitS = c.priority === 'batch' ? (c.deadlineS ?? 0) : s.serving.maxQueueTimeS;
    waitingPeak += peak * c.weight * waitS;
  }
  if (requests !== null) waitingPeak = Math.min(waitingPeak, requests);

  const classes = s.classes.length + 1; // per class, and the whole run
  const perHourClass = requests !== null && hours !== null ? requests / hours / Math.max(1, s.classes.length) : SAMPLES_PER_HOUR_CLASS;
  const perSamples = perHourClass <= SAMPLES_PER_HOUR_CLASS ? 8 * perHourClass : SKETCH_BYTES;
  const samples = (hours ?? 0) * classes * (BYTES_PER_HOUR_CLASS + SAMPLE_KINDS * perSamples);
  const gpus = s.pools.reduce((n, p) => n + p.gpus + p.spares * p.gpusPerReplica + (p.autoscale?.max ?? 0), 0);
  const cache = s.cache.response?.distinct ? s.cache.response.distinct * (8 + 80) : 0;
  const memoryBytes = waitingPeak * BYTES_PER_WAITING_REQUEST + samples + gpus * BYTES_PER_GPU + cache;
  return { requests, waitingPeak, hours, memoryBytes };
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
  return (
    `this run would need about ${gigabytes(e.memoryBytes)} GB of memory (${parts.join('; ')}), ` +
    `more than the ${MEMORY_BUDGET_BYTES / 1024 ** 3} GB a run may use; lower traffic.rate, serving.max_queue_time or duration`
  );
}

function gigabytes(bytes: number): string {
  const gb = bytes / 1024 ** 3;
  return gb < 10 ? gb.toPrecision(2) : Math.round(gb).toLocaleString('en-US');
}

function human(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toPrecision(3)} trillion`;
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)} billion`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)} million`;
  return String(Math.round(n));
}
