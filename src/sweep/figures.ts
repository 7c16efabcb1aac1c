/**
 * The figures of one sweep point (the sweep.csv columns after the varied keys), taken from a
 * run's summary and hourly rows, and their means and 95% confidence half-widths over
 * replications.
 */
import { sampleStandardDeviation } from 'simple-statistics';
import type { SimulationRun } from '../simulate.js';
import type { Scenario } from '../workload/scenario.js';
import { pricingMultipliers } from '../catalog/catalog.js';
import { t975 } from './tQuantile.js';

/** The numeric figures, in sweep.csv order. */
export const NUMERIC_FIGURES = [
  'requests', 'completed', 'dropped', 'gpus', 'cost_per_hour', 'total_cost', 'cost_per_1k_requests',
  'ttft_p99_ms', 'tpot_p99_ms', 'e2e_p99_ms', 'peak_hour_ttft_p99_ms', 'peak_hour_e2e_p99_ms',
  'slo_attainment', 'worst_hour_slo_attainment',
] as const;
export type NumericFigure = (typeof NUMERIC_FIGURES)[number];

/** Figures that get a `_ci95` column beside them with `--replications`: latency and cost. */
export const CI_FIGURES: ReadonlySet<NumericFigure> = new Set<NumericFigure>([
  'cost_per_hour', 'total_cost', 'cost_per_1k_requests', 'ttft_p99_ms', 'tpot_p99_ms', 'e2e_p99_ms',
  'peak_hour_ttft_p99_ms', 'peak_hour_e2e_p99_ms',
]);

export type Figures = { [K in NumericFigure]: number | null } & {
  /** Every class met its SLO in every hour (with replications: in every replication). */
  meets_slo: boolean;
  /** 95% half-widths by figure name, with replications only. */
  ci95?: Partial<Record<NumericFigure, number | null>>;
};

/** What `capsim plan` needs beyond the sweep.csv figures. */
export interface PointDetail {
  /** Hours (0-based) in which some class missed its SLO (with replications: in some replication). */
  hoursMissed: number[];
  /** Per simulated hour: total cost, and the tokens of the requests that arrived. */
  hourlyCost: number[];
  hourlyInputTokens: number[];
  hourlyOutputTokens: number[];
  /**
   * Per simulated hour: the GPU bill, other + response-cache cost, the arrivals and the arrivals
   * the response cache answered.
   */
  hourlyGpuCost: number[];
  hourlyOtherCost: number[];
  hourlyArrivals: number[];
  hourlyCacheHits: number[];
  /** Length of the simulated horizon in hours (0.5 for a 30m workload). */
  horizonHours: number;
  costBreakdown: { gpu_cost: number; energy_cost: number; api_cost: number; cache_cost: number; other_cost: number };
  /** other_cost by item over the run (summary.json `cost_breakdown.other_by_item`). */
  otherByItem: Record<string, number>;
  ratePerS: number | null;
  /**
   * `price`: USD per GPU-hour of the GPUs beyond any reserved base (`onTop`) and of a reserved
   * GPU (`reserved`: the workload's reserved price, else on-demand x the catalog's reserved
   * multiplier), for the plan's reserved-base mix.
   */
  pools: { name: string; gpus: number; gpusPerReplica: number; gpu: string; serves: string[]; price: { onTop: number; reserved: number } }[];
  /** `meetsSlo`: the class met its SLO in every hour (with replications: in every replication). */
  classes: { name: string; meetsSlo: boolean; peakTtftP99Ms: number | null; ttftSloMs: number | null; peakE2eP99Ms: number | null; e2eSloMs: number | null }[];
  api: { name: string; inputPerMillion: number; outputPerMillion: number } | null;
}

export interface Observation {
  figures: Figures;
  detail: PointDetail;
}

const maxOf = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.max(...v);
};
const minOf = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.min(...v);
};

/** The figures and plan details of one simulated run. */
export function observe(scenario: Scenario, run: SimulationRun): Observation {
  const { summary: s, hourly, hourlyByClass } = run;
  const horizonHours =
    scenario.durationS !== null ? scenario.durationS / 3600
    : s.cost_per_hour > 0 ? s.total_cost / s.cost_per_hour
    : hourly.length;
  // hourly `gpus` is the average over the simulated part of each hour (the last may be partial)
  const gpuHours = hourly.reduce((sum, r) => sum + r.gpus * Math.max(0, Math.min(1, horizonHours - r.hour)), 0);
  const figures: Figures = {
    requests: s.requests,
    completed: s.completed,
    dropped: s.dropped,
    gpus: horizonHours > 0 ? Math.round((gpuHours / horizonHours) * 1e4) / 1e4 : 0,
    cost_per_hour: s.cost_per_hour,
    total_cost: s.total_cost,
    cost_per_1k_requests: s.cost_per_1k_requests,
    ttft_p99_ms: s.latency.ttft_ms.p99,
    tpot_p99_ms: s.latency.tpot_ms.p99,
    e2e_p99_ms: s.latency.e2e_ms.p99,
    peak_hour_ttft_p99_ms: maxOf(hourly.map((r) => r.ttft_p99_ms)),
    peak_hour_e2e_p99_ms: maxOf(hourly.map((r) => r.e2e_p99_ms)),
    slo_attainment: s.slo_attainment,
    worst_hour_slo_attainment: minOf(hourly.map((r) => r.slo_attainment)),
    meets_slo: s.meets_slo,
  };
  const missed = new Set<number>();
  for (const c of Object.values(s.classes)) for (const h of c.hours_missed) missed.add(h);
  const detail: PointDetail = {
    hoursMissed: [...missed].sort((a, b) => a - b),
    hourlyCost: hourly.map((r) => r.total_cost),
    hourlyInputTokens: hourly.map((r) => r.input_tokens),
    hourlyOutputTokens: hourly.map((r) => r.output_tokens),
    hourlyGpuCost: hourly.map((r) => r.gpu_cost),
    hourlyOtherCost: hourly.map((r) => r.other_cost + r.cache_cost),
    hourlyArrivals: hourly.map((r) => r.arrivals),
    hourlyCacheHits: hourly.map((r) => r.cache_hits),
    horizonHours,
    costBreakdown: { gpu_cost: s.cost_breakdown.gpu_cost, energy_cost: s.cost_breakdown.energy_cost, api_cost: s.cost_breakdown.api_cost, cache_cost: s.cost_breakdown.cache_cost, other_cost: s.cost_breakdown.other_cost },
    otherByItem: { ...s.cost_breakdown.other_by_item },
    ratePerS: scenario.traffic.trace === null && scenario.traffic.arrival !== 'closed' ? scenario.traffic.ratePerS : null,
    pools: scenario.pools.map((p) => ({
      name: p.name,
      gpus: p.gpus,
      gpusPerReplica: p.gpusPerReplica,
      gpu: p.gpu.name,
      serves: [...p.serves],
      price: { onTop: p.pricing.onTop.pricePerHour, reserved: p.pricing.reserved?.pricePerHour ?? p.gpu.pricePerHour * pricingMultipliers.reserved },
    })),
    classes: scenario.classes.map((c) => {
      const rows = hourlyByClass.filter((r) => r.class === c.name);
      return {
        name: c.name,
        meetsSlo: s.classes[c.name]?.meets_slo ?? true,
        peakTtftP99Ms: maxOf(rows.map((r) => r.ttft_p99_ms)),
        ttftSloMs: c.slo.ttftS === null ? null : c.slo.ttftS * 1000,
        peakE2eP99Ms: maxOf(rows.map((r) => r.e2e_p99_ms)),
        e2eSloMs: c.slo.e2eS === null ? null : c.slo.e2eS * 1000,
      };
    }),
    api: scenario.api === null ? null : { name: scenario.api.name, inputPerMillion: scenario.api.inputPerMillion, outputPerMillion: scenario.api.outputPerMillion },
  };
  return { figures, detail };
}

/** Decimal places kept for each figure's mean (the precision `capsim run` writes). */
function places(figure: NumericFigure): number {
  if (figure.endsWith('_ms')) return 3;
  if (figure === 'gpus') return 4;
  if (['requests', 'completed', 'dropped'].includes(figure)) return 3;
  return 6;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Means over replications, with the Student-t 95% half-width `t(0.975, n-1) * s / sqrt(n)`
 * (s: sample standard deviation) beside each latency and cost figure; null when fewer than two
 * replications have the figure. `meets_slo` holds when every replication meets.
 */
export function combineReplications(runs: readonly Observation[]): Observation {
  const figures = { meets_slo: runs.every((r) => r.figures.meets_slo), ci95: {} } as Figures & { ci95: Partial<Record<NumericFigure, number | null>> };
  for (const f of NUMERIC_FIGURES) {
    const xs = runs.map((r) => r.figures[f]).filter((x): x is number => x !== null);
    figures[f] = xs.length === 0 ? null : round(xs.reduce((a, b) => a + b, 0) / xs.length, places(f));
    if (CI_FIGURES.has(f)) {
      figures.ci95[f] = xs.length < 2 ? null : round((t975(xs.length - 1) * sampleStandardDeviation(xs)) / Math.sqrt(xs.length), places(f));
    }
  }
  const missed = new Set<number>();
  for (const r of runs) for (const h of r.detail.hoursMissed) missed.add(h);
  const first = runs[0].detail;
  const meanAt = (pick: (d: PointDetail) => number[]) =>
    pick(first).map((_, h) => round(runs.reduce((s, r) => s + (pick(r.detail)[h] ?? 0), 0) / runs.length, 6));
  const detail: PointDetail = {
    ...first,
    hoursMissed: [...missed].sort((a, b) => a - b),
    hourlyCost: meanAt((d) => d.hourlyCost),
    hourlyInputTokens: meanAt((d) => d.hourlyInputTokens),
    hourlyOutputTokens: meanAt((d) => d.hourlyOutputTokens),
    hourlyGpuCost: meanAt((d) => d.hourlyGpuCost),
    hourlyOtherCost: meanAt((d) => d.hourlyOtherCost),
    hourlyArrivals: meanAt((d) => d.hourlyArrivals),
    hourlyCacheHits: meanAt((d) => d.hourlyCacheHits),
    otherByItem: Object.fromEntries(Object.keys(first.otherByItem).map((k) => [k, round(runs.reduce((sum, r) => sum + (r.detail.otherByItem[k] ?? 0), 0) / runs.length, 6)])),
    classes: first.classes.map((c, i) => ({ ...c, meetsSlo: runs.every((r) => r.detail.classes[i].meetsSlo) })),
  };
  return { figures, detail };
}
