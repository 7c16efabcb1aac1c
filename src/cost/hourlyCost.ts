import type { Scenario } from '../workload/scenario.js';
import { gpuPowerW } from '../gpu/power.js';
import type { Tally } from '../metrics/HourlyMetrics.js';

/** The six cost columns of one hour (or one class in one hour), USD. */
export interface CostParts {
  gpu: number;
  energy: number;
  api: number;
  cache: number;
  other: number;
}

const HOUR_S = 3600;

/** Seconds of hour `h` that lie inside the horizon (the last hour may be partial). */
export function hourSeconds(h: number, horizonS: number): number {
  return Math.max(0, Math.min(HOUR_S, horizonS - h * HOUR_S));
}

/**
 * Money spent in one hour, and its split over classes.
 *
 * - gpu: provisioned GPU-seconds x price per GPU-hour (a reserved base at its price, the rest at
 *   the on-top price); the static fleet is provisioned for the whole horizon. With
 *   `billing: per_hour` a started hour is billed whole (matters for a partial last hour).
 * - energy: per GPU, P(u) = idle + (tdp - idle) x u, with u the pool's busy fraction that hour;
 *   kWh x PUE x electricity price.
 * - api: input and output tokens of the requests sent to the hosted API that hour x prices.
 * - cache: the response cache's hourly price + lookups x price per lookup.
 * - other: `costs.hourly` + amortized one-off costs per hour + `costs.per_request` x arrivals
 *   + retrieval cost per query x queries.
 *
 * Class split (hourly_by_class.csv): api, per-request, per-lookup and retrieval costs go to the
 * class that caused them; fleet costs (gpu, energy) by the class's share of GPU-served tokens;
 * fixed hourly costs by the class's share of all tokens (by arrivals when there are none).
 */
export function hourlyCost(
  scenario: Scenario,
  hour: number,
  horizonS: number,
  tallies: readonly Tally[],
  busyGpuSByPool: readonly number[],
): { total: CostParts; byClass: CostParts[] } {
  const seconds = hourSeconds(hour, horizonS);
  const hours = seconds / HOUR_S;

  let gpu = 0;
  let energy = 0;
  scenario.pools.forEach((pool, p) => {
    const reserved = pool.pricing.reserved;
    const reservedGpus = reserved ? Math.min(reserved.gpus, pool.gpus) : 0;
    // per_hour billing: a started hour is billed whole (the fleet runs through the horizon).
    const billedHours = pool.billing === 'per_hour' && seconds > 0 ? 1 : hours;
    gpu += billedHours * (reservedGpus * (reserved?.pricePerHour ?? 0) + (pool.gpus - reservedGpus) * pool.pricing.onTop.pricePerHour);
    const provisionedGpuS = pool.gpus * seconds;
    const utilization = provisionedGpuS > 0 ? Math.min(1, busyGpuSByPool[p] / provisionedGpuS) : 0;
    const kwh = (pool.gpus * gpuPowerW(pool.gpu, utilization) * hours) / 1000;
    energy += kwh * scenario.costs.pue * scenario.costs.electricityPerKwh;
  });

  const api = scenario.api;
  const response = scenario.cache.response;
  const fixedOther =
    hours *
    (sum(Object.values(scenario.costs.hourly)) + sum(Object.values(scenario.costs.amortizedPerHour)));
  const perRequest = sum(Object.values(scenario.costs.perRequest));
  const cacheFixed = response ? hours * response.pricePerHour : 0;

  const gpuTokens = sum(tallies.map((t) => t.gpuTokens));
  const allTokens = sum(tallies.map((t) => t.inputTokens + t.outputTokens));
  const arrivals = sum(tallies.map((t) => t.arrivals));
  const share = (part: number, whole: number, fallback: number, fallbackWhole: number, n: number) =>
    whole > 0 ? part / whole : fallbackWhole > 0 ? fallback / fallbackWhole : 1 / n;

  const n = tallies.length;
  const byClass = tallies.map((t, c): CostParts => {
    const fleetShare = share(t.gpuTokens, gpuTokens, t.arrivals, arrivals, n);
    const fixedShare = share(t.inputTokens + t.outputTokens, allTokens, t.arrivals, arrivals, n);
    const lookupShare = share(t.arrivals, arrivals, 0, 0, n);
    return {
      gpu: gpu * fleetShare,
      energy: energy * fleetShare,
      api: api ? (t.apiInputTokens * api.inputPerMillion + t.apiOutputTokens * api.outputPerMillion) / 1e6 : 0,
      cache: response ? cacheFixed * lookupShare + t.arrivals * response.pricePerLookup : 0,
      other: fixedOther * fixedShare + t.arrivals * perRequest + retrievalSpend(scenario, c, t),
    };
  });
  const retrievalCost = sum(byClass.map((_, c) => retrievalSpend(scenario, c, tallies[c])));
  const total: CostParts = {
    gpu,
    energy,
    api: sum(byClass.map((c) => c.api)),
    cache: response ? cacheFixed + arrivals * response.pricePerLookup : 0,
    other: fixedOther + arrivals * perRequest + retrievalCost,
  };
  return { total, byClass };
}

/** Retrieval is queried for every request of the class that the response cache did not answer. */
function retrievalSpend(scenario: Scenario, c: number, t: Tally): number {
  const retrieval = scenario.classes[c].retrieval;
  return retrieval ? (t.arrivals - t.cacheHits) * retrieval.costPerQuery : 0;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
