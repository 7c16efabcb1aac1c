import type { Scenario } from '../workload/scenario.js';
import { gpuPowerW } from '../gpu/power.js';
import type { Tally } from '../metrics/HourlyMetrics.js';
import type { FleetHours } from './fleetBilling.js';

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
 * - gpu: the fleet's bill for the hour by pricing kind (see fleetBilling.ts: a reserved base
 *   every hour, other replicas from provisioning to stop, per second or per started hour).
 * - energy: provisioned GPU-hours x P(u), P(u) = idle + (tdp - idle) x u, with u the pool's busy
 *   fraction of provisioned GPU time that hour; kWh x PUE x electricity price.
 * - api: input and output tokens of the requests sent to the hosted API that hour x prices.
 * - cache: the response cache's hourly price + lookups x price per lookup.
 * - other: `costs.hourly` + amortized one-off costs per hour + storage grown by requests
 *   (`costs.storage`) + `costs.per_request` x arrivals + retrieval cost per query x queries.
 *
 * Class split (hourly_by_class.csv): api, per-request, per-lookup and retrieval costs go to the
 * class that caused them; each pool's fleet costs (gpu, energy) to the classes it serves, by their
 * share of its GPU-served tokens (a pool that serves no class: like the fixed costs);
 * fixed hourly costs by the class's share of all tokens (by arrivals when there are none).
 */
export function hourlyCost(
  scenario: Scenario,
  hour: number,
  horizonS: number,
  tallies: readonly Tally[],
  /** Per fleet (FleetHours), GPU-busy seconds in the hour. */
  busyGpuSByPool: readonly number[],
  fleets: readonly FleetHours[],
  arrivalsBefore = 0,
): { total: CostParts; byClass: CostParts[]; byFleet: { gpu: number; energy: number }[] } {
  const seconds = hourSeconds(hour, horizonS);
  const hours = seconds / HOUR_S;

  let gpu = 0;
  let energy = 0;
  // Per pool, for the class split: a class carries the fleet costs of the pool that serves it
  // (both roles' of a disaggregated pool). Each fleet's energy at its own GPU's power and busy share.
  const poolGpu: number[] = scenario.pools.map(() => 0);
  const poolEnergy: number[] = scenario.pools.map(() => 0);
  const byFleet: { gpu: number; energy: number }[] = [];
  fleets.forEach((f, u) => {
    const fleetGpu = f.reserved[hour] + f.onDemand[hour] + f.spot[hour] + f.custom[hour];
    const provisionedGpuS = f.provisionedGpuS[hour];
    const utilization = provisionedGpuS > 0 ? Math.min(1, busyGpuSByPool[u] / provisionedGpuS) : 0;
    const kwh = (provisionedGpuS * gpuPowerW(f.spec.gpu, utilization)) / HOUR_S / 1000;
    const gpuBefore = gpu;
    const energyBefore = energy;
    gpu += fleetGpu;
    energy += kwh * scenario.costs.pue * scenario.costs.electricityPerKwh;
    // As the running totals moved (the same floating-point figures as summing them per pool).
    poolGpu[f.poolIndex] += gpu - gpuBefore;
    poolEnergy[f.poolIndex] += energy - energyBefore;
    byFleet.push({ gpu: fleetGpu, energy: energy - energyBefore });
  });

  const api = scenario.api;
  const response = scenario.cache.response;
  const arrivals = sum(tallies.map((t) => t.arrivals));
  const fixedOther =
    hours *
      (sum(Object.values(scenario.costs.hourly)) + sum(Object.values(scenario.costs.amortizedPerHour))) +
    storageCost(scenario, hours, arrivalsBefore, arrivals);
  const perRequest = sum(Object.values(scenario.costs.perRequest));
  const cacheFixed = response ? hours * response.pricePerHour : 0;

  const gpuTokens = sum(tallies.map((t) => t.gpuTokens));
  const allTokens = sum(tallies.map((t) => t.inputTokens + t.outputTokens));
  const share = (part: number, whole: number, fallback: number, fallbackWhole: number, n: number) =>
    whole > 0 ? part / whole : fallbackWhole > 0 ? fallback / fallbackWhole : 1 / n;

  const n = tallies.length;
  // Which pool serves each class (-1: none), and the GPU tokens and arrivals of each pool's classes.
  const poolOfClass = scenario.classes.map((c) => scenario.pools.findIndex((pool) => pool.serves.includes(c.name)));
  const poolTokens = scenario.pools.map((_, p) => sum(tallies.map((t, c) => (poolOfClass[c] === p ? t.gpuTokens : 0))));
  const poolArrivals = scenario.pools.map((_, p) => sum(tallies.map((t, c) => (poolOfClass[c] === p ? t.arrivals : 0))));
  const poolClasses = scenario.pools.map((_, p) => poolOfClass.filter((q) => q === p).length);
  // A pool that serves no class still bills: its costs are shared like the fixed costs, so that
  // the class rows of an hour add up to the hour's row.
  let idleGpu = 0;
  let idleEnergy = 0;
  poolClasses.forEach((count, p) => {
    if (count > 0) return;
    idleGpu += poolGpu[p];
    idleEnergy += poolEnergy[p];
  });
  const byClass = tallies.map((t, c): CostParts => {
    const p = poolOfClass[c];
    // Fleet costs: the class's pool's, by its share of that pool's GPU-served tokens.
    const fleetShare = p < 0 ? 0 : share(t.gpuTokens, poolTokens[p], t.arrivals, poolArrivals[p], poolClasses[p]);
    const fixedShare = share(t.inputTokens + t.outputTokens, allTokens, t.arrivals, arrivals, n);
    const lookupShare = share(t.arrivals, arrivals, 0, 0, n);
    return {
      gpu: (p < 0 ? 0 : poolGpu[p] * fleetShare) + idleGpu * fixedShare,
      energy: (p < 0 ? 0 : poolEnergy[p] * fleetShare) + idleEnergy * fixedShare,
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
  return { total, byClass, byFleet };
}

/**
 * Storage that grows with traffic: GB held over the hour (initial + bytes per request x requests
 * so far, the hour's own arrivals counted at half, i.e. arriving evenly) x price per GB-month,
 * a month being 730 hours.
 */
export function storageCost(scenario: Scenario, hours: number, arrivalsBefore: number, arrivals: number): number {
  const st = scenario.costs.storage;
  if (st === null) return 0;
  const gb = st.initialGb + (st.bytesPerRequest * (arrivalsBefore + arrivals / 2)) / 1e9;
  return (gb * st.pricePerGbMonth * hours) / 730;
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
