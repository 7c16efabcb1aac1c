/**
 * The plan's headroom figure: how much more traffic the chosen static fleet takes before an SLO
 * is missed in some hour.
 *
 * Method: `traffic.rate` is scaled by m = 1 + RESOLUTION x j (j = 1, 2, ..., MAX_STEPS), keeping
 * the day's shape, so the peak hour's rate scales by the same factor (the peak hour is normally
 * the first to miss). More traffic never makes latency better, so the multipliers that still meet
 * every SLO form a prefix: doubling on j (1, 2, 4, 8, ... steps) until a multiplier misses, then
 * bisection between the last that met and that one (planSearch.firstMeeting). The answer is the
 * largest multiplier simulated that met, and the next step (which missed): resolution 5% of the
 * workload's rate. Every multiplier is a full simulation with the plan's seed.
 */
import type { GridPoint } from './grid.js';
import type { PlanEvaluator } from './planEvaluator.js';
import { firstMeeting, meets, type Evaluate } from './planSearch.js';
import type { PointOutcome } from './runPoint.js';

/** Steps of the multiplier, as a fraction of the workload's rate. */
export const RESOLUTION = 0.05;
/** The largest multiplier tried: 1 + RESOLUTION x MAX_STEPS (11x). */
export const MAX_STEPS = 200;

export interface Headroom {
  /** The largest multiplier of the traffic that still met every SLO in every hour (1: none above). */
  factor: number;
  /** The smallest multiplier that missed (factor + resolution), or null when none up to the maximum did. */
  missed_at: number | null;
  /** The peak hour's arrival rate (requests/s) at `factor`. */
  peak_hour_rate: number | null;
  resolution: number;
  /** The multipliers simulated, ascending. */
  tried: number[];
}

const factorAt = (j: number) => Math.round((1 + RESOLUTION * j) * 1e6) / 1e6;

/**
 * @param rate0 the workload's mean rate (requests/s)
 * @param chosen the chosen grid point and its outcome at rate0
 * @param evaluator a fresh evaluator (its own point indices)
 */
export async function searchHeadroom(rate0: number, chosen: GridPoint, outcome: PointOutcome, { evaluate, hint }: Pick<PlanEvaluator, 'evaluate' | 'hint'>): Promise<Headroom> {
  const group: GridPoint[] = Array.from({ length: MAX_STEPS }, (_, i) => ({
    index: i,
    values: [...chosen.values],
    set: [...chosen.set, `traffic.rate=${Number((rate0 * factorAt(i + 1)).toPrecision(6))}`],
  }));
  const tried = new Set<number>();
  const tracked: Evaluate = (p) => {
    tried.add(factorAt(p.index + 1));
    return evaluate(p);
  };
  // Every multiplier is a full run: so are the ones it will probably ask for next.
  const stream = {};
  const miss = await firstMeeting(group, tracked, (o) => !meets(o), 'verdict', (likely) => hint(stream, likely.map(({ point }) => ({ point, need: 'full' }))));
  hint(stream, []);
  const factor = miss === null ? factorAt(MAX_STEPS) : factorAt(miss);
  const peakArrivals = outcome.ok ? Math.max(0, ...outcome.detail.hourlyArrivals.map((a, t) => a / (3600 * Math.max(1e-9, Math.min(1, outcome.detail.horizonHours - t))))) : null;
  return {
    factor,
    missed_at: miss === null ? null : factorAt(miss + 1),
    peak_hour_rate: peakArrivals === null ? null : Math.round(peakArrivals * factor * 1000) / 1000,
    resolution: RESOLUTION,
    tried: [...tried].sort((a, b) => a - b),
  };
}
