import type { SessionSummary } from '../traffic/sessions.js';
import type { Scenario, ServingSpec } from '../workload/scenario.js';
import { hourlyCost, hourSeconds, storageCost, type CostParts } from '../cost/hourlyCost.js';
import { Tally, type HourlyMetrics } from './HourlyMetrics.js';
import { Samples } from './Samples.js';
import type { FleetHours } from '../cost/fleetBilling.js';
import type { FleetWork } from './FleetWork.js';
import type { ClosedLoopHours } from './ClosedLoopHours.js';
import type { KvLink } from '../serving/KvLink.js';

/** One row of hourly.csv (and, with `class`, of hourly_by_class.csv). Keys are the CSV columns. */
export interface HourRow {
  hour: number;
  class?: string;
  arrivals: number;
  completed: number;
  dropped: number;
  cache_hits: number;
  api_requests: number;
  input_tokens: number;
  output_tokens: number;
  /** Requests completed during the hour (by when their last token came) per second of the hour. */
  throughput_rps: number;
  /** Output tokens of those requests per second of the hour. */
  output_tokens_per_s: number;
  /** Closed loop: users present (not parked), averaged over the hour; null for open-loop traffic. */
  active_users_mean: number | null;
  /** Closed loop: mean time from a user's previous answer to each request sent in the hour; null otherwise. */
  think_time_mean_s: number | null;
  gpus: number;
  /** Disaggregated serving: GPUs of the prefill and decode roles (empty for aggregated runs). */
  prefill_gpus: number | null;
  decode_gpus: number | null;
  replicas_ready: number;
  gpu_utilization: number;
  kv_utilization: number;
  batch_size_mean: number;
  mfu: number;
  mbu: number;
  ttft_p50_ms: number | null;
  ttft_p99_ms: number | null;
  tpot_p99_ms: number | null;
  e2e_p50_ms: number | null;
  e2e_p99_ms: number | null;
  slo_attainment: number | null;
  gpu_cost: number;
  /** Disaggregated serving: gpu_cost of the prefill and decode roles (empty for aggregated runs). */
  prefill_gpu_cost: number | null;
  decode_gpu_cost: number | null;
  energy_cost: number;
  api_cost: number;
  cache_cost: number;
  other_cost: number;
  total_cost: number;
  cost_per_1k_requests: number | null;
}

export const HOURLY_COLUMNS: readonly (keyof HourRow)[] = [
  'hour', 'arrivals', 'completed', 'dropped', 'cache_hits', 'api_requests', 'input_tokens',
  'output_tokens', 'throughput_rps', 'output_tokens_per_s', 'active_users_mean', 'think_time_mean_s', 'gpus', 'prefill_gpus', 'decode_gpus', 'replicas_ready', 'gpu_utilization', 'kv_utilization', 'batch_size_mean', 'mfu', 'mbu', 'ttft_p50_ms', 'ttft_p99_ms', 'tpot_p99_ms',
  'e2e_p50_ms', 'e2e_p99_ms', 'slo_attainment', 'gpu_cost', 'prefill_gpu_cost', 'decode_gpu_cost', 'energy_cost', 'api_cost',
  'cache_cost', 'other_cost', 'total_cost', 'cost_per_1k_requests',
];
/** The fleet-wide columns of hourly.csv. */
export type FleetColumn = 'gpus' | 'replicas_ready' | 'gpu_utilization' | 'kv_utilization' | 'batch_size_mean' | 'mfu' | 'mbu' | RoleColumn;
/** The columns of a disaggregated fleet's roles: fleet-wide, and empty for aggregated runs. */
export type RoleColumn = 'prefill_gpus' | 'decode_gpus' | 'prefill_gpu_cost' | 'decode_gpu_cost';

/**
 * A row of hourly_by_class.csv: fleet-wide columns are empty (null) there, so that summing class
 * rows in a pivot table never counts the fleet once per class (costs are apportioned by tokens).
 */
export type ClassHourRow = Omit<HourRow, FleetColumn> & { class: string } & { [K in FleetColumn]: null };

export const HOURLY_BY_CLASS_COLUMNS: readonly (keyof ClassHourRow)[] = ['hour', 'class', ...HOURLY_COLUMNS.slice(1)];

export interface LatencyStats { mean: number | null; p50: number | null; p90: number | null; p99: number | null; max: number | null }

/** Request counts and latency figures, for the whole run or one class. */
export interface RequestFigures {
  requests: number;
  completed: number;
  dropped: number;
  /** `dropped` by reason (HourlyMetrics.DropReason); the three sum to `dropped`. */
  dropped_by_reason: { queue_time: number; kv_memory: number; api_limit: number };
  cache_hits: number;
  api_requests: number;
  input_tokens: number;
  output_tokens: number;
  latency: { ttft_ms: LatencyStats; tpot_ms: LatencyStats; e2e_ms: LatencyStats; queue_ms: LatencyStats };
}

function figures(t: Tally): RequestFigures {
  return {
    requests: t.arrivals,
    completed: t.completed,
    dropped: t.dropped,
    dropped_by_reason: { queue_time: t.droppedQueueTime, kv_memory: t.droppedKvMemory, api_limit: t.droppedApiLimit },
    cache_hits: t.cacheHits,
    api_requests: t.apiRequests,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    latency: { ttft_ms: latencyStats(t.ttftMs), tpot_ms: latencyStats(t.tpotMs), e2e_ms: latencyStats(t.e2eMs), queue_ms: latencyStats(t.queueMs) },
  };
}

export interface ClassSummary extends RequestFigures {
  total_cost: number;
  cost_per_1k_requests: number | null;
  slo: { ttft_ms: number | null; tpot_ms: number | null; e2e_ms: number | null; deadline_ms: number | null };
  slo_attainment: number | null;
  /** Every hour with arrivals: p99s within the limits and at most 1% of arrivals dropped. */
  meets_slo: boolean;
  /** Hours (0-based) in which the class missed its SLO. */
  hours_missed: number[];
}

export interface Summary extends RequestFigures {
  name: string;
  seed: number;
  preemptions: number;
  prefix_hit_tokens: number;
  /** Trace KV blocks (`hash_ids`, 512 tokens) served from the prefix cache. */
  prefix_hit_blocks: number;
  /**
   * Prefix-cache reuse under the run's router: prefix_hit_tokens / input_tokens (prompt tokens
   * whose prefill the prefix cache skipped, over all prompt tokens that arrived); share null
   * without arrivals.
   */
  prefix_hit_share: { router: ServingSpec['router']; share: number | null };
  /** Requests re-queued because their replica was lost (failure, spot interruption). */
  requeued: number;
  /** Multi-turn conversations, when a class has `session:` (src/traffic/sessions.ts). */
  sessions?: SessionSummary;
  /** Replica failures. */
  failures: number;
  hours: number;
  total_cost: number;
  cost_per_hour: number;
  cost_per_1k_requests: number | null;
  cost_breakdown: {
    gpu_cost: number;
    energy_cost: number;
    api_cost: number;
    cache_cost: number;
    other_cost: number;
    /** gpu_cost by pricing kind, and other_cost by named item. */
    gpu_by_pricing: { reserved: number; on_demand: number; spot: number; custom: number };
    other_by_item: Record<string, number>;
  };
  slo_attainment: number | null;
  meets_slo: boolean;
  /** Fleet-wide figures over the whole run (time-weighted like the hourly columns). */
  fleet: FleetFigures;
  classes: Record<string, ClassSummary>;
  /** Runs longer than a day only: totals per day of 24 hourly rows (the last day may be shorter). */
  by_day?: DayTotals[];
  /** Closed-loop runs only: the users over the whole run (see ClosedLoopHours). */
  closed_loop?: ClosedLoopSummary;
  /** Runs with a disaggregated fleet only: each role's fleet and cost, and the KV transfers. */
  disaggregation?: DisaggregationSummary;
}

/** One role of the disaggregated fleets over the whole run (summed over disaggregated pools). */
export interface RoleSummary {
  /** Provisioned GPUs, averaged over the run. */
  gpus: number;
  replicas_ready: number;
  gpu_utilization: number;
  gpu_cost: number;
  energy_cost: number;
  failures: number;
  requeued: number;
}

export interface DisaggregationSummary {
  prefill: RoleSummary;
  decode: RoleSummary;
  /** KV caches sent from prefill to decode replicas (KvLink.ts): count, volume, waits and times. */
  kv_transfer: { transfers: number; gb: number; wait_ms: LatencyStats; time_ms: LatencyStats };
}

interface RoleRun { provisionedGpuS: number; readyReplicaS: number; busyGpuS: number; gpuCost: number; energyCost: number }

function emptyRoleRun(): RoleRun {
  return { provisionedGpuS: 0, readyReplicaS: 0, busyGpuS: 0, gpuCost: 0, energyCost: 0 };
}

/** The role columns of one hour: each role's provisioned GPUs (averaged over the hour) and gpu_cost. */
function roleColumns(fleets: readonly FleetHours[], byFleet: readonly { gpu: number }[], h: number, seconds: number): { [K in RoleColumn]: number } {
  const gpuS = { prefill: 0, decode: 0 };
  const cost = { prefill: 0, decode: 0 };
  fleets.forEach((f, i) => {
    if (f.role === null) return;
    gpuS[f.role] += f.provisionedGpuS[h];
    cost[f.role] += byFleet[i].gpu;
  });
  const per = (x: number) => (seconds > 0 ? Math.round((x / seconds) * 1e4) / 1e4 : 0);
  return { prefill_gpus: per(gpuS.prefill), decode_gpus: per(gpuS.decode), prefill_gpu_cost: money(cost.prefill), decode_gpu_cost: money(cost.decode) };
}

function disaggregationSummary(run: { prefill: RoleRun; decode: RoleRun }, seconds: number, outcome: FleetOutcome): DisaggregationSummary {
  const units = outcome.units ?? [];
  const role = (which: 'prefill' | 'decode'): RoleSummary => {
    const r = run[which];
    const f = fleetFigures(seconds, r.provisionedGpuS, r.readyReplicaS, r.busyGpuS, 0, 0, 0, 0);
    const mine = units.filter((u) => u.role === which);
    return {
      gpus: f.gpus,
      replicas_ready: f.replicas_ready,
      gpu_utilization: f.gpu_utilization,
      gpu_cost: money(r.gpuCost),
      energy_cost: money(r.energyCost),
      failures: mine.reduce((n, u) => n + u.failures, 0),
      requeued: mine.reduce((n, u) => n + u.requeued, 0),
    };
  };
  const wait = new Samples();
  const time = new Samples();
  let transfers = 0;
  let bytes = 0;
  for (const link of outcome.links ?? []) {
    if (link === null) continue;
    transfers += link.transfers;
    bytes += link.bytes;
    wait.addAll(link.waitMs);
    time.addAll(link.totalMs);
  }
  return {
    prefill: role('prefill'),
    decode: role('decode'),
    kv_transfer: { transfers, gb: Math.round(bytes / 1e3) / 1e6, wait_ms: latencyStats(wait), time_ms: latencyStats(time) },
  };
}

export interface ClosedLoopFigures {
  /** Users present (not parked), averaged over the run; null for a class of a shared population. */
  active_users_mean: number | null;
  /** Mean time from a user's previous answer (or the start) to each request it sent. */
  think_time_mean_s: number | null;
  requests_sent: number;
}

export interface ClosedLoopSummary extends ClosedLoopFigures {
  by_class: Record<string, ClosedLoopFigures>;
}

/** One day of a multi-day run, from its hourly.csv rows. */
export interface DayTotals {
  /** 0-based day index; day 0 is a Monday for `weekly_profile`. */
  day: number;
  hours: number;
  requests: number;
  completed: number;
  dropped: number;
  output_tokens: number;
  total_cost: number;
  /** The highest hourly ttft_p99_ms / e2e_p99_ms of the day (null: no request completed). */
  worst_hour_ttft_p99_ms: number | null;
  worst_hour_e2e_p99_ms: number | null;
}

/** Sums the hourly rows by day of 24 hours. */
export function dayTotals(hourly: readonly HourRow[]): DayTotals[] {
  const days: DayTotals[] = [];
  const worst = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  for (const r of hourly) {
    const d = Math.floor(r.hour / 24);
    let day = days[d];
    if (day === undefined) {
      day = { day: d, hours: 0, requests: 0, completed: 0, dropped: 0, output_tokens: 0, total_cost: 0, worst_hour_ttft_p99_ms: null, worst_hour_e2e_p99_ms: null };
      days[d] = day;
    }
    day.hours++;
    day.requests += r.arrivals;
    day.completed += r.completed;
    day.dropped += r.dropped;
    day.output_tokens += r.output_tokens;
    day.total_cost = money(day.total_cost + r.total_cost);
    day.worst_hour_ttft_p99_ms = worst(day.worst_hour_ttft_p99_ms, r.ttft_p99_ms);
    day.worst_hour_e2e_p99_ms = worst(day.worst_hour_e2e_p99_ms, r.e2e_p99_ms);
  }
  return days;
}

export interface RunResult {
  hourly: HourRow[];
  hourlyByClass: ClassHourRow[];
  summary: Summary;
}

/** The share of arrivals a class may lose to drops in an hour and still meet its SLO. */
export const MAX_DROP_FRACTION = 0.01;

const money = (x: number) => Math.round(x * 1e6) / 1e6;
const ms = (x: number) => (Number.isNaN(x) ? null : Math.round(x * 1000) / 1000);
const ratio = (x: number) => Math.round(x * 1e6) / 1e6;

function latencyStats(s: Samples): LatencyStats {
  return { mean: ms(s.mean()), p50: ms(s.quantile(0.5)), p90: ms(s.quantile(0.9)), p99: ms(s.quantile(0.99)), max: ms(s.max()) };
}

/** Completions and their output tokens in one hour's seconds, as rates. */
interface Throughput { requests: number; outputTokens: number; seconds: number }

/**
 * Closed-loop users in one hour (or the run): user-seconds present (null: not measured for
 * this row, e.g. a class of a shared population), think seconds before the requests sent, and
 * those requests. null for open-loop traffic.
 */
interface LoopTotals { userS: number | null; thinkS: number; sent: number }

/** Closed-loop figures of a row or of the summary from its totals over `seconds`. */
function loopFigures(loop: LoopTotals | null, seconds: number): { active_users_mean: number | null; think_time_mean_s: number | null } {
  if (loop === null) return { active_users_mean: null, think_time_mean_s: null };
  return {
    active_users_mean: loop.userS === null || seconds <= 0 ? null : Math.round((loop.userS / seconds) * 1e4) / 1e4,
    think_time_mean_s: loop.sent > 0 ? ratio(loop.thinkS / loop.sent) : null,
  };
}

/** The fleet-wide figures of one hour (see fleetFigures). */
export interface FleetFigures {
  gpus: number;
  replicas_ready: number;
  gpu_utilization: number;
  kv_utilization: number;
  batch_size_mean: number;
  mfu: number;
  mbu: number;
}

const NO_ROLES: { [K in RoleColumn]: null } = { prefill_gpus: null, decode_gpus: null, prefill_gpu_cost: null, decode_gpu_cost: null };
const NO_FLEET: { [K in FleetColumn]: null } = { gpus: null, replicas_ready: null, gpu_utilization: null, kv_utilization: null, batch_size_mean: null, mfu: null, mbu: null, ...NO_ROLES };

/**
 * Fleet-wide figures from GPU-seconds provisioned, replica-seconds ready, GPU-seconds busy and the
 * work sums (FleetWork) of one hour or of the whole run:
 * - gpus: provisioned GPU-seconds / seconds; replicas_ready likewise;
 * - gpu_utilization: busy GPU-seconds / provisioned GPU-seconds (a replica is busy whenever an
 *   iteration runs, whatever its batch: under continuous batching a lightly loaded fleet reads high);
 * - mfu, mbu: FLOPs and HBM bytes of the iterations run / (provisioned GPU-seconds x peak);
 * - batch_size_mean: running sequences integrated over time / ready replica-seconds;
 * - kv_utilization: KV held by running sequences over time / (capacity x ready replica-seconds),
 *   at most 1 (a draining replica's work counts while its time is no longer "ready").
 */
export function fleetFigures(seconds: number, provisionedGpuS: number, readyReplicaS: number, busyGpuS: number, peakFlopS: number, peakByteS: number, seqS: number, kvShareS: number): FleetFigures {
  const per = (x: number, d: number, digits: number) => (d > 0 ? Math.round((x / d) * 10 ** digits) / 10 ** digits : 0);
  return {
    gpus: per(provisionedGpuS, seconds, 4),
    replicas_ready: per(readyReplicaS, seconds, 4),
    gpu_utilization: per(Math.min(busyGpuS, provisionedGpuS), provisionedGpuS, 6),
    kv_utilization: per(Math.min(kvShareS, readyReplicaS), readyReplicaS, 6),
    batch_size_mean: per(seqS, readyReplicaS, 4),
    mfu: per(peakFlopS, provisionedGpuS, 6),
    mbu: per(peakByteS, provisionedGpuS, 6),
  };
}

type HourFleet = FleetFigures & { [K in RoleColumn]: number | null };

function row(hour: number, t: Tally, thr: Throughput, loop: LoopTotals | null, cost: CostParts, fleet: HourFleet): HourRow;
function row(hour: number, t: Tally, thr: Throughput, loop: LoopTotals | null, cost: CostParts, fleet: null, cls: string): ClassHourRow;
function row(hour: number, t: Tally, thr: Throughput, loop: LoopTotals | null, cost: CostParts, fleet: HourFleet | null, cls?: string): HourRow | ClassHourRow {
  const parts = { gpu_cost: money(cost.gpu), energy_cost: money(cost.energy), api_cost: money(cost.api), cache_cost: money(cost.cache), other_cost: money(cost.other) };
  const total = money(parts.gpu_cost + parts.energy_cost + parts.api_cost + parts.cache_cost + parts.other_cost);
  return {
    hour,
    ...(cls === undefined ? {} : { class: cls }),
    arrivals: t.arrivals,
    completed: t.completed,
    dropped: t.dropped,
    cache_hits: t.cacheHits,
    api_requests: t.apiRequests,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    throughput_rps: thr.seconds > 0 ? ratio(thr.requests / thr.seconds) : 0,
    output_tokens_per_s: thr.seconds > 0 ? Math.round((thr.outputTokens / thr.seconds) * 1e4) / 1e4 : 0,
    ...loopFigures(loop, thr.seconds),
    gpus: (fleet ?? NO_FLEET).gpus,
    prefill_gpus: (fleet ?? NO_FLEET).prefill_gpus,
    decode_gpus: (fleet ?? NO_FLEET).decode_gpus,
    replicas_ready: (fleet ?? NO_FLEET).replicas_ready,
    gpu_utilization: (fleet ?? NO_FLEET).gpu_utilization,
    kv_utilization: (fleet ?? NO_FLEET).kv_utilization,
    batch_size_mean: (fleet ?? NO_FLEET).batch_size_mean,
    mfu: (fleet ?? NO_FLEET).mfu,
    mbu: (fleet ?? NO_FLEET).mbu,
    ttft_p50_ms: ms(t.ttftMs.quantile(0.5)),
    ttft_p99_ms: ms(t.ttftMs.quantile(0.99)),
    tpot_p99_ms: ms(t.tpotMs.quantile(0.99)),
    e2e_p50_ms: ms(t.e2eMs.quantile(0.5)),
    e2e_p99_ms: ms(t.e2eMs.quantile(0.99)),
    slo_attainment: t.arrivals > 0 ? ratio(t.sloMet / t.arrivals) : null,
    gpu_cost: parts.gpu_cost,
    prefill_gpu_cost: (fleet ?? NO_FLEET).prefill_gpu_cost,
    decode_gpu_cost: (fleet ?? NO_FLEET).decode_gpu_cost,
    energy_cost: parts.energy_cost,
    api_cost: parts.api_cost,
    cache_cost: parts.cache_cost,
    other_cost: parts.other_cost,
    total_cost: total,
    cost_per_1k_requests: t.completed > 0 ? money((total / t.completed) * 1000) : null,
  } as HourRow | ClassHourRow;
}

/** Did this tally (one class, one hour or the whole run) meet the class's SLO? */
export function tallyMeetsSlo(scenario: Scenario, classIndex: number, t: Tally): boolean {
  if (t.arrivals === 0) return true;
  const c = scenario.classes[classIndex];
  if (t.dropped > MAX_DROP_FRACTION * t.arrivals) return false;
  if (t.completed === 0) return false;
  const within = (limitS: number | null, s: Samples) => limitS === null || s.count === 0 || s.quantile(0.99) <= limitS * 1000;
  if (c.priority === 'batch') return within(c.deadlineS, t.e2eMs);
  return within(c.slo.ttftS, t.ttftMs) && within(c.slo.tpotS, t.tpotMs) && within(c.slo.e2eS, t.e2eMs);
}

/** Turns the gathered metrics into the rows and summary described in docs/cli.md. */
export interface FleetOutcome {
  fleets: FleetHours[];
  requeued: number;
  failures: number;
  /** Per fleet, what its replicas did (mfu, mbu, batch sizes, KV). */
  work: FleetWork[];
  /** Per fleet: its role (null: aggregated), requests re-queued and replica failures. */
  units?: { role: 'prefill' | 'decode' | null; requeued: number; failures: number }[];
  /** Per pool: its KV links (disaggregated pools), else null. */
  links?: (KvLink | null)[];
}

export function buildResult(
  scenario: Scenario,
  horizonS: number,
  metrics: HourlyMetrics,
  busyByPool: Float64Array[],
  fleet: FleetOutcome,
  /** Closed-loop users hour by hour, or null for open-loop traffic. */
  users: ClosedLoopHours | null = null,
): RunResult {
  const nClasses = scenario.classes.length;
  const runLoop: LoopTotals | null = users === null ? null : { userS: 0, thinkS: 0, sent: 0 };
  const classLoop: LoopTotals[] = scenario.classes.map(() => ({ userS: users?.perClass ? 0 : null, thinkS: 0, sent: 0 }));
  const hourly: HourRow[] = [];
  const hourlyByClass: ClassHourRow[] = [];
  const fleets = fleet.fleets;
  const byPricing = { reserved: 0, on_demand: 0, spot: 0, custom: 0 };
  // Hours are merged and their samples dropped as they close (HourlyMetrics); close the rest.
  metrics.closeAll();
  const { classTotals, all } = metrics;
  const classCost = scenario.classes.map(() => 0);
  const hoursMissed: number[][] = scenario.classes.map(() => []);
  let arrivalsSoFar = 0;
  let storageSpend = 0;
  const runFleet = [0, 0, 0, 0, 0, 0, 0];
  const disaggregated = fleets.some((f) => f.role !== null);
  const roleRun = { prefill: emptyRoleRun(), decode: emptyRoleRun() };
  let runSeconds = 0;

  for (let h = 0; h < metrics.hours; h++) {
    const tallies = metrics.tallies[h];
    const busy = busyByPool.map((b) => b[h]);
    const { total, byClass, byFleet } = hourlyCost(scenario, h, horizonS, tallies, busy, fleets, arrivalsSoFar);
    const seconds = hourSeconds(h, horizonS);
    const sum = (pick: (i: number) => number) => fleets.reduce((a, _, i) => a + pick(i), 0);
    const hourFleet = [
      sum((i) => fleets[i].provisionedGpuS[h]), sum((i) => fleets[i].readyReplicaS[h]), sum((i) => busy[i]),
      sum((i) => fleet.work[i].peakFlopS[h]), sum((i) => fleet.work[i].peakByteS[h]), sum((i) => fleet.work[i].seqS[h]), sum((i) => fleet.work[i].kvShareS[h]),
    ];
    for (let i = 0; i < hourFleet.length; i++) runFleet[i] += hourFleet[i];
    runSeconds += seconds;
    const [provisioned, ready, busyAll, flopS, byteS, seqS, kvS] = hourFleet;
    const fleetNow = fleetFigures(seconds, provisioned, ready, busyAll, flopS, byteS, seqS, kvS);
    const roleNow = disaggregated ? roleColumns(fleets, byFleet, h, seconds) : NO_ROLES;
    if (disaggregated) {
      fleets.forEach((f, i) => {
        if (f.role === null) return;
        const r = roleRun[f.role];
        r.provisionedGpuS += f.provisionedGpuS[h];
        r.readyReplicaS += f.readyReplicaS[h];
        r.busyGpuS += busy[i];
        r.gpuCost += byFleet[i].gpu;
        r.energyCost += byFleet[i].energy;
      });
    }
    for (const f of fleets) {
      byPricing.reserved += f.reserved[h];
      byPricing.on_demand += f.onDemand[h];
      byPricing.spot += f.spot[h];
      byPricing.custom += f.custom[h];
    }
    const hourTally = metrics.hourTotals[h];
    const hourThr: Throughput = { requests: 0, outputTokens: 0, seconds };
    const hourLoop: LoopTotals | null = users === null ? null : { userS: users.userS[h * (nClasses + 1) + nClasses], thinkS: 0, sent: 0 };
    tallies.forEach((t, c) => {
      const i = h * tallies.length + c;
      const thr: Throughput = { requests: metrics.finished[i], outputTokens: metrics.finishedOutputTokens[i], seconds };
      hourThr.requests += thr.requests;
      hourThr.outputTokens += thr.outputTokens;
      let loop: LoopTotals | null = null;
      if (users !== null && hourLoop !== null && runLoop !== null) {
        const i = h * nClasses + c;
        loop = { userS: users.perClass ? users.userS[h * (nClasses + 1) + c] : null, thinkS: users.thinkS[i], sent: users.sent[i] };
        hourLoop.thinkS += loop.thinkS;
        hourLoop.sent += loop.sent;
        const k = classLoop[c];
        if (k.userS !== null) k.userS += loop.userS ?? 0;
        k.thinkS += loop.thinkS;
        k.sent += loop.sent;
      }
      const r = row(h, t, thr, loop, byClass[c], null, scenario.classes[c].name);
      classCost[c] += r.total_cost;
      hourlyByClass.push(r);
      if (!tallyMeetsSlo(scenario, c, t)) hoursMissed[c].push(h);
    });
    storageSpend += storageCost(scenario, seconds / 3600, arrivalsSoFar, hourTally.arrivals);
    arrivalsSoFar += hourTally.arrivals;
    if (hourLoop !== null && runLoop !== null) {
      runLoop.userS = (runLoop.userS ?? 0) + (hourLoop.userS ?? 0);
      runLoop.thinkS += hourLoop.thinkS;
      runLoop.sent += hourLoop.sent;
    }
    hourly.push(row(h, hourTally, hourThr, hourLoop, total, { ...fleetNow, ...roleNow }));
  }

  const sumOf = (k: keyof HourRow) => money(hourly.reduce((s, r) => s + (r[k] as number), 0));
  const totalCost = sumOf('total_cost');
  // Built with Object.fromEntries (own data properties), never `classes[name] = ...`: a class
  // named `__proto__` would set the object's prototype instead and vanish from summary.json.
  const classes: Record<string, ClassSummary> = Object.fromEntries(scenario.classes.map((c, i) => {
    const t = classTotals[i];
    return [c.name, {
      ...figures(t),
      total_cost: money(classCost[i]),
      cost_per_1k_requests: t.completed > 0 ? money((classCost[i] / t.completed) * 1000) : null,
      slo: {
        ttft_ms: c.slo.ttftS === null ? null : c.slo.ttftS * 1000,
        tpot_ms: c.slo.tpotS === null ? null : c.slo.tpotS * 1000,
        e2e_ms: c.slo.e2eS === null ? null : c.slo.e2eS * 1000,
        deadline_ms: c.deadlineS === null ? null : c.deadlineS * 1000,
      },
      slo_attainment: t.arrivals > 0 ? ratio(t.sloMet / t.arrivals) : null,
      meets_slo: hoursMissed[i].length === 0,
      hours_missed: hoursMissed[i],
    }];
  }));

  const summary: Summary = {
    name: scenario.name,
    seed: scenario.seed,
    ...figures(all),
    preemptions: all.preemptions,
    prefix_hit_tokens: all.prefixHitTokens,
    prefix_hit_blocks: all.prefixHitBlocks,
    prefix_hit_share: { router: scenario.serving.router, share: all.inputTokens > 0 ? ratio(all.prefixHitTokens / all.inputTokens) : null },
    requeued: fleet.requeued,
    failures: fleet.failures,
    hours: metrics.hours,
    total_cost: totalCost,
    cost_per_hour: money(totalCost / (horizonS / 3600)),
    cost_per_1k_requests: all.completed > 0 ? money((totalCost / all.completed) * 1000) : null,
    cost_breakdown: {
      gpu_cost: sumOf('gpu_cost'),
      energy_cost: sumOf('energy_cost'),
      api_cost: sumOf('api_cost'),
      cache_cost: sumOf('cache_cost'),
      other_cost: sumOf('other_cost'),
      gpu_by_pricing: {
        reserved: money(byPricing.reserved),
        on_demand: money(byPricing.on_demand),
        spot: money(byPricing.spot),
        custom: money(byPricing.custom),
      },
      other_by_item: otherItems(scenario, horizonS, all, classTotals, storageSpend),
    },
    slo_attainment: all.arrivals > 0 ? ratio(all.sloMet / all.arrivals) : null,
    meets_slo: hoursMissed.every((missed) => missed.length === 0),
    fleet: fleetFigures(runSeconds, runFleet[0], runFleet[1], runFleet[2], runFleet[3], runFleet[4], runFleet[5], runFleet[6]),
    classes,
    ...(horizonS > 24 * 3600 ? { by_day: dayTotals(hourly) } : {}),
    ...(runLoop !== null
      ? {
          closed_loop: {
            ...loopFigures(runLoop, runSeconds),
            requests_sent: runLoop.sent,
            by_class: Object.fromEntries(scenario.classes.map((c, i) => [c.name, { ...loopFigures(classLoop[i], runSeconds), requests_sent: classLoop[i].sent }])),
          },
        }
      : {}),
    ...(disaggregated ? { disaggregation: disaggregationSummary(roleRun, runSeconds, fleet) } : {}),
  };
  return { hourly, hourlyByClass, summary };
}

/**
 * other_cost by item over the whole run: hourly items (by their name), `amortized:<name>`,
 * `per_request:<name>`, `storage_growth`, `retrieval:<class>`. The items add up to other_cost
 * (up to the rounding of each hour to 1e-6 USD). A name taken twice (a user's hourly item called
 * `storage_growth` or `per_request:logging`) gets `#2`, `#3`... rather than overwriting the other.
 */
function otherItems(scenario: Scenario, horizonS: number, all: Tally, classTotals: readonly Tally[], storageSpend: number): Record<string, number> {
  const hours = horizonS / 3600;
  const items = new Map<string, number>();
  const add = (key: string, value: number) => {
    let k = key;
    for (let n = 2; items.has(k); n++) k = `${key}#${n}`;
    items.set(k, money(value));
  };
  for (const [k, v] of Object.entries(scenario.costs.hourly)) add(k, v * hours);
  for (const [k, v] of Object.entries(scenario.costs.amortizedPerHour)) add(`amortized:${k}`, v * hours);
  for (const [k, v] of Object.entries(scenario.costs.perRequest)) add(`per_request:${k}`, v * all.arrivals);
  if (scenario.costs.storage) add('storage_growth', storageSpend);
  scenario.classes.forEach((c, i) => {
    if (c.retrieval) add(`retrieval:${c.name}`, (classTotals[i].arrivals - classTotals[i].cacheHits) * c.retrieval.costPerQuery);
  });
  return Object.fromEntries(items);
}
