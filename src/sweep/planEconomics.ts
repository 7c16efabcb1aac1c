/**
 * What the plan's answer costs per day, self-hosted three ways and on each hosted API, with the
 * costs that exist either way on both sides:
 *
 * - static fleet: the chosen point, every hour;
 * - hourly schedule: per hour of day, the fewest GPUs that met the SLOs in that hour;
 * - reserved base + on top: the schedule, with its smallest hourly count (the "base") billed at
 *   the reserved price every hour and the GPUs above it at the fleet's on-top price; GPUs the
 *   workload already reserves (`fleet.pricing.reserved.gpus`) are billed so in every simulated
 *   hour already, and the plan never goes below them (gpuBounds.ts): the base adds only the GPUs
 *   above them;
 * - API: the tokens of every request the response cache did not answer, at the API's list prices.
 *
 * Costs that exist whether the model is self-hosted or called through an API: `costs.hourly`,
 * `costs.amortized`, `costs.per_request`, `costs.storage`, retrieval and the response cache are
 * counted on both sides (they are the same simulated amounts: arrivals, cache hits and retrieval
 * queries do not depend on the fleet), except the items named as self-hosted only (an owned
 * GPU's `amortized` cost, an on-call rotation for the GPUs). GPUs, energy and requests sent to
 * the API as overflow are on the self-hosted side only.
 *
 * Assumptions (printed with the plan):
 * - the schedule's hour costs are those simulated with that hour's fleet held for the whole run;
 *   start-up, scale-down and queues carried across hour boundaries are not modelled;
 * - a horizon shorter or longer than a day is scaled to 24 hours;
 * - API cost is linear in tokens; a request the response cache answered costs no API tokens.
 */
import { HOURS_PER_MONTH } from '../report/format.js';
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
  reserved_mix_cost: number | null;
  static_gpus: number;
  static_cost: number;
  api_cost: number;
}

export const SCHEDULE_COLUMNS: readonly (keyof ScheduleRow)[] = ['hour', 'gpus', 'cost', 'reserved_mix_cost', 'static_gpus', 'static_cost', 'api_cost'];

/** The self-hosted ways of paying for the fleet, compared with each API. */
export const SELF_HOSTED = ['static', 'schedule', 'reserved_mix'] as const;
export type SelfHosted = (typeof SELF_HOSTED)[number];

/** USD per day of each self-hosted way (reserved_mix null with several pools) and of each API. */
export interface DayCosts {
  static: number;
  schedule: number;
  reserved_mix: number | null;
  /** By API name: its tokens plus the costs on both sides. */
  api: Record<string, number>;
}

export interface Economics {
  schedule: ScheduleRow[];
  per_day: DayCosts;
  per_month: DayCosts;
  /** The first API (`--api`'s first name), kept for readers of one API. */
  api: ApiPrices;
  apis: ApiPrices[];
  /** Costs on both sides of the comparison, and those on the self-hosted side only, USD per day. */
  shared: { per_day: number; items: string[] };
  self_hosted_only: { per_day: number; items: string[] };
  /** The reserved base of the reserved mix: GPUs and USD per GPU-hour reserved and on top. */
  reserved_mix: { base_gpus: number; reserved_per_gpu_hour: number; on_top_per_gpu_hour: number } | null;
  /** The workload's mean rate (requests/s), or null for a trace or closed loop. */
  rate: number | null;
  assumptions: string[];
}

const money = (x: number) => Math.round(x * 1e6) / 1e6;
const totalGpus = (d: PointDetail) => d.pools.reduce((s, p) => s + p.gpus, 0);
const perMonth = (perDay: number) => money((perDay * HOURS_PER_MONTH) / 24);

/** API cost of hour t: the tokens of the requests the response cache did not answer. */
function apiHourCost(api: ApiPrices, d: PointDetail, t: number): number {
  const arrivals = d.hourlyArrivals[t] ?? 0;
  const missShare = arrivals > 0 ? 1 - (d.hourlyCacheHits[t] ?? 0) / arrivals : 1;
  return ((d.hourlyInputTokens[t] * api.inputPerMillion + d.hourlyOutputTokens[t] * api.outputPerMillion) / 1e6) * missShare;
}

/**
 * Splits other_cost's items into those on both sides and those on the self-hosted side only.
 * An item is named as in `costs.hourly` or `costs.amortized` (`gpus` matches `gpus` and
 * `amortized:gpus`).
 */
function splitItems(d: PointDetail, selfHostedOnly: readonly string[]): { own: number; ownItems: string[]; sharedItems: string[] } {
  const only = new Set(selfHostedOnly.flatMap((n) => [n, `amortized:${n}`]));
  let own = 0;
  const ownItems: string[] = [];
  const sharedItems: string[] = [];
  for (const [k, v] of Object.entries(d.otherByItem)) {
    if (only.has(k)) {
      own += v;
      ownItems.push(k);
    } else sharedItems.push(k);
  }
  return { own, ownItems, sharedItems };
}

/**
 * @param chosen the chosen point's detail
 * @param byHour for each hour of day, the detail of the fewest-GPU point that met it
 * @param apis the APIs to compare with (at least one)
 * @param selfHostedOnly names of `costs.hourly` / `costs.amortized` items that exist only when self-hosting
 * @param reservedGpus GPUs the workload already reserves (a fixed commitment, already billed at
 *   the reserved price in every simulated hour), 0 when none
 */
export function planEconomics(
  chosen: PointDetail,
  byHour: ReadonlyMap<number, PointDetail>,
  apis: readonly ApiPrices[],
  selfHostedOnly: readonly string[] = [],
  reservedGpus = 0,
): Economics {
  const perDay = chosen.horizonHours > 0 ? 24 / chosen.horizonHours : 0;
  const hours = chosen.hourlyCost.length;
  const b = chosen.costBreakdown;
  const { own, ownItems, sharedItems } = splitItems(chosen, selfHostedOnly);
  const sharedTotal = b.cache_cost + b.other_cost - own;
  // Self-hosted-only items are fixed hourly costs: the same share of every full hour.
  const share = (t: number) => Math.max(0, Math.min(1, chosen.horizonHours - t));
  const ownPerHour = chosen.horizonHours > 0 ? own / chosen.horizonHours : 0;
  const sharedAt = (t: number) => (chosen.hourlyOtherCost[t] ?? 0) - ownPerHour * share(t);

  // The reserved base: the schedule's smallest hourly count (single fleet only).
  const single = chosen.pools.length === 1 ? chosen.pools[0] : null;
  const hoursOfDay = [...new Set(chosen.hourlyCost.map((_, t) => t % 24))].sort((a, b) => a - b);
  const gpusAt = (h: number) => totalGpus(byHour.get(h) ?? chosen);
  const base = single === null ? 0 : Math.min(...hoursOfDay.map(gpusAt));
  // Only the base's GPUs beyond the workload's own reservation are billed on top in the simulation.
  const saving = single === null ? 0 : Math.max(0, base - reservedGpus) * Math.max(0, single.price.onTop - single.price.reserved);

  const schedule: ScheduleRow[] = [];
  let scheduleTotal = 0;
  let mixTotal = 0;
  let staticTotal = 0;
  const apiTotals = apis.map(() => 0);
  for (const hour of hoursOfDay) {
    const at = byHour.get(hour) ?? chosen;
    let n = 0;
    let cost = 0;
    let mix = 0;
    let staticCost = 0;
    let firstApi = 0;
    for (let t = hour; t < hours; t += 24) {
      n++;
      cost += at.hourlyCost[t] ?? 0;
      // billed at the reserved price for the base: the hour's GPU bill less the base's saving
      mix += (at.hourlyCost[t] ?? 0) - saving * share(t);
      staticCost += chosen.hourlyCost[t];
      apis.forEach((api, i) => {
        const c = apiHourCost(api, chosen, t) + sharedAt(t);
        apiTotals[i] += c;
        if (i === 0) firstApi += c;
      });
    }
    scheduleTotal += cost;
    mixTotal += mix;
    staticTotal += staticCost;
    schedule.push({
      hour,
      gpus: gpusAt(hour),
      cost: money(cost / n),
      reserved_mix_cost: single === null ? null : money(mix / n),
      static_gpus: totalGpus(chosen),
      static_cost: money(staticCost / n),
      api_cost: money(firstApi / n),
    });
  }
  const day: DayCosts = {
    static: money(staticTotal * perDay),
    schedule: money(scheduleTotal * perDay),
    reserved_mix: single === null ? null : money(mixTotal * perDay),
    api: Object.fromEntries(apis.map((api, i) => [api.name, money(apiTotals[i] * perDay)])),
  };
  const month: DayCosts = {
    static: perMonth(day.static),
    schedule: perMonth(day.schedule),
    reserved_mix: day.reserved_mix === null ? null : perMonth(day.reserved_mix),
    api: Object.fromEntries(Object.entries(day.api).map(([k, v]) => [k, perMonth(v)])),
  };
  return {
    schedule,
    per_day: day,
    per_month: month,
    api: apis[0],
    apis: [...apis],
    shared: { per_day: money(sharedTotal * perDay), items: [...(b.cache_cost > 0 ? ['response_cache'] : []), ...sharedItems] },
    self_hosted_only: { per_day: money(own * perDay), items: ownItems },
    reserved_mix: single === null ? null : { base_gpus: base, reserved_per_gpu_hour: money(single.price.reserved), on_top_per_gpu_hour: money(single.price.onTop) },
    rate: chosen.ratePerS,
    assumptions: [
      "schedule: each hour's cost is the one simulated with that hour's fleet for the whole run (no start-up time, no queues carried across hours)",
      single === null
        ? 'reserved mix: not priced with several pools'
        : `reserved mix: the schedule's smallest hourly count (${base} GPUs${reservedGpus > 0 ? `, of which the workload already reserves ${reservedGpus}` : ''}) billed every hour at $${money(single.price.reserved)}/GPU-hour (reserved), the rest at $${money(single.price.onTop)}/GPU-hour`,
      `costs per day scale the ${chosen.horizonHours} h simulated horizon to 24 h; a month is ${HOURS_PER_MONTH} h`,
      `API cost is linear in tokens: the tokens of every request the response cache did not answer, at list prices (${apis.map((a) => `${a.name} $${a.inputPerMillion}/M input, $${a.outputPerMillion}/M output`).join('; ')})`,
      `both sides include the costs that exist either way ($${money(sharedTotal * perDay)}/day: ${[...(b.cache_cost > 0 ? ['response_cache'] : []), ...sharedItems].join(', ') || 'none'})${ownItems.length > 0 ? `; self-hosted only: ${ownItems.join(', ')} ($${money(own * perDay)}/day)` : ''}`,
    ],
  };
}
