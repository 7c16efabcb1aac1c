/**
 * What the plan's answer costs per day three ways: the static fleet, an hourly autoscaling
 * schedule (per hour of day, the fewest GPUs that met the SLOs in that hour), and every token
 * served by a hosted API; and the traffic rate at which self-hosting becomes cheaper than the API.
 *
 * Assumptions (printed with the plan):
 * - the schedule's hour costs are those simulated with that hour's fleet held for the whole run;
 *   start-up, scale-down and queues carried across hour boundaries are not modelled;
 * - a horizon shorter or longer than a day is scaled to 24 hours;
 * - API cost is linear in tokens (all arrivals' tokens at the API's list prices);
 * - for the break-even rate, self-hosting cost is fixed costs (cache, other) plus GPU-related
 *   costs (GPUs, energy, API overflow) linear in the rate, but never below one replica.
 */
import type { PointDetail } from './figures.js';

export interface ApiPrices {
  readonly name: string;
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

export interface ScheduleRow {
  hour: number;
  gpus: number;
  cost: number;
  static_gpus: number;
  static_cost: number;
  api_cost: number;
}

export const SCHEDULE_COLUMNS: readonly (keyof ScheduleRow)[] = ['hour', 'gpus', 'cost', 'static_gpus', 'static_cost', 'api_cost'];

export interface Economics {
  schedule: ScheduleRow[];
  per_day: { static: number; schedule: number; api: number };
  api: ApiPrices;
  /** Requests per second above which self-hosting is cheaper than the API; null when never or unknown. */
  break_even_rate: number | null;
  rate: number | null;
  assumptions: string[];
}

const money = (x: number) => Math.round(x * 1e6) / 1e6;
const apiCost = (api: ApiPrices, inputTokens: number, outputTokens: number) =>
  (inputTokens * api.inputPerMillion + outputTokens * api.outputPerMillion) / 1e6;
const totalGpus = (d: PointDetail) => d.pools.reduce((s, p) => s + p.gpus, 0);

/**
 * @param chosen the chosen point's detail
 * @param byHour for each hour of day, the detail of the fewest-GPU point that met it
 */
export function planEconomics(chosen: PointDetail, byHour: ReadonlyMap<number, PointDetail>, api: ApiPrices): Economics {
  const perDay = 24 / chosen.horizonHours;
  const hours = chosen.hourlyCost.length;
  const days = new Map<number, number>();
  for (let t = 0; t < hours; t++) days.set(t % 24, (days.get(t % 24) ?? 0) + 1);
  const schedule: ScheduleRow[] = [];
  let scheduleTotal = 0;
  let staticTotal = 0;
  let apiTotal = 0;
  for (const [hour, n] of [...days].sort((a, b) => a[0] - b[0])) {
    const at = byHour.get(hour) ?? chosen;
    let cost = 0;
    let staticCost = 0;
    let api$ = 0;
    for (let t = hour; t < hours; t += 24) {
      cost += at.hourlyCost[t] ?? 0;
      staticCost += chosen.hourlyCost[t];
      api$ += apiCost(api, chosen.hourlyInputTokens[t], chosen.hourlyOutputTokens[t]);
    }
    scheduleTotal += cost;
    staticTotal += staticCost;
    apiTotal += api$;
    schedule.push({ hour, gpus: totalGpus(at), cost: money(cost / n), static_gpus: totalGpus(chosen), static_cost: money(staticCost / n), api_cost: money(api$ / n) });
  }
  const b = chosen.costBreakdown;
  const variable = (b.gpu_cost + b.energy_cost + b.api_cost) * perDay;
  const fixed = (b.cache_cost + b.other_cost) * perDay;
  const apiPerDay = apiTotal * perDay;
  const replicaShare = Math.min(...chosen.pools.map((p) => p.gpusPerReplica)) / Math.max(1, totalGpus(chosen));
  return {
    schedule,
    per_day: { static: money(staticTotal * perDay), schedule: money(scheduleTotal * perDay), api: money(apiPerDay) },
    api,
    rate: chosen.ratePerS,
    break_even_rate: chosen.ratePerS === null ? null : breakEvenRate(chosen.ratePerS, variable, fixed, variable * replicaShare, apiPerDay),
    assumptions: [
      "schedule: each hour's cost is the one simulated with that hour's fleet for the whole run (no start-up time, no queues carried across hours)",
      `costs per day scale the ${chosen.horizonHours} h simulated horizon to 24 h`,
      `API cost is linear in tokens: every arrival's tokens at ${api.name} list prices ($${api.inputPerMillion}/M input, $${api.outputPerMillion}/M output)`,
      'break-even: GPU, energy and overflow cost scale linearly with the rate (GPUs linear in traffic) but never below one replica; cache and other costs are fixed',
    ],
  };
}

/**
 * The rate r at which self-hosting, F + max(M, k r), equals the API, a r, where at the current
 * rate r0 the GPU-related cost per day is V = k r0 and the API's is A = a r0. Null when a <= k
 * (the API is cheaper at any rate).
 */
export function breakEvenRate(r0: number, variablePerDay: number, fixedPerDay: number, minFleetPerDay: number, apiPerDay: number): number | null {
  if (r0 <= 0) return null;
  const k = variablePerDay / r0;
  const a = apiPerDay / r0;
  if (a <= k) return null;
  const floorRate = k > 0 ? minFleetPerDay / k : Infinity;
  const withinFloor = (fixedPerDay + minFleetPerDay) / a;
  const r = withinFloor <= floorRate ? withinFloor : fixedPerDay / (a - k);
  return Math.round(r * 1000) / 1000;
}
