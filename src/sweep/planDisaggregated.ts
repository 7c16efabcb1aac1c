/**
 * `capsim plan` for disaggregated serving (issue 17 item 2): the cheapest prefill and decode GPU
 * counts that meet every SLO in every hour, and (`--compare-disaggregated`) the cheapest
 * aggregated fleet of the same model beside it. Never prints or writes files.
 *
 * The two counts are searched as a staircase. More GPUs of either role never make latency worse
 * (more prefill replicas: shorter prefill queues, so TTFT; more decode replicas: smaller decode
 * batches, so TPOT), so the (prefill, decode) counts that meet the SLOs are an up-set, and its
 * lower edge is the list, for each prefill count, of the fewest decode GPUs that meet the SLOs
 * (read the other way: for each decode count on the edge, the fewest prefill GPUs). The search:
 *
 * 1. corner: both roles at 1, 2, 4, ... replicas until a point meets (none up to `maxGpus`: no answer);
 * 2. the fewest prefill replicas that meet with the corner's decode count (bisection below it);
 * 3. from there, one prefill replica more at a time, the fewest decode replicas that meet (bisection
 *    between one replica and the count found for one prefill replica fewer, which is known to meet),
 *    until the decode role is down to one replica, or until one prefill replica more plus one
 *    decode replica would take more GPUs than the smallest point found (it could not be cheaper
 *    when both roles' GPUs cost the same; with different GPU kinds per role this bound is by GPU
 *    count, not price, and may stop early).
 *
 * Every point on the edge is simulated, and the cheapest by simulated cost per hour is chosen
 * (ties: fewer GPUs, then fewer prefill GPUs). A point is simulated at most once; the order is
 * fixed, so the points simulated never depend on the number of workers.
 */
import { createPointRunner } from './pointRunner.js';
import type { PointOutcome } from './runPoint.js';

/** One simulated point of the disaggregated search (or of the aggregated one: `decodeGpus` null). */
export interface DisaggregatedPoint {
  /** Disaggregated: prefill GPUs; aggregated: the fleet's GPUs. */
  readonly prefillGpus: number;
  /** Disaggregated: decode GPUs; null for an aggregated point. */
  readonly decodeGpus: number | null;
  readonly gpus: number;
  /** The `--set` flags of this point (after the user's and the mode's). */
  readonly set: readonly string[];
  readonly outcome: PointOutcome;
}

export interface DisaggregatedSearch {
  /** The cheapest point meeting every SLO, or null. */
  readonly chosen: DisaggregatedPoint | null;
  /** The lower edge: for each prefill count searched, the fewest decode GPUs that meet (prefill ascending). */
  readonly edge: readonly DisaggregatedPoint[];
  /** Every point simulated, in the order simulated. */
  readonly evaluated: readonly DisaggregatedPoint[];
}

export interface DisaggregatedPlanOptions {
  readonly file: string;
  /** The user's `--set` flags. */
  readonly set: readonly string[];
  readonly seed?: number;
  readonly replications: number;
  readonly workers: number;
  /** GPUs per replica of each role (the counts searched are whole replicas). */
  readonly prefillStep: number;
  readonly decodeStep: number;
  /** The largest total GPU count tried. */
  readonly maxGpus: number;
  /** Overrides that make the workload disaggregated (empty when it is already), before each point's. */
  readonly toDisaggregated: readonly string[];
  /** Overrides that make it aggregated (`--compare-disaggregated`), and its GPUs per replica; null: not compared. */
  readonly toAggregated: readonly string[] | null;
  readonly aggregatedStep: number;
  readonly onProgress?: (simulated: number) => void;
}

export interface DisaggregatedPlan {
  readonly disaggregated: DisaggregatedSearch;
  /** The aggregated fleet's search (doubling then bisection on fleet.gpus), or null when not compared. */
  readonly aggregated: DisaggregatedSearch | null;
}

const PREFILL_KEY = 'fleet.disaggregation.prefill.gpus';
const DECODE_KEY = 'fleet.disaggregation.decode.gpus';

const meets = (o: PointOutcome): boolean => o.ok && o.figures.meets_slo;
const costOf = (p: DisaggregatedPoint): number => (p.outcome.ok ? (p.outcome.figures.cost_per_hour ?? Infinity) : Infinity);

/** The cheapest meeting point of a list (ties: fewer GPUs, then fewer prefill GPUs), or null. */
function cheapest(points: readonly DisaggregatedPoint[]): DisaggregatedPoint | null {
  let best: DisaggregatedPoint | null = null;
  for (const p of points) {
    if (!meets(p.outcome)) continue;
    if (best === null || costOf(p) < costOf(best) || (costOf(p) === costOf(best) && (p.gpus < best.gpus || (p.gpus === best.gpus && p.prefillGpus < best.prefillGpus)))) best = p;
  }
  return best;
}

export async function planDisaggregated(options: DisaggregatedPlanOptions): Promise<DisaggregatedPlan> {
  const runner = createPointRunner(options.workers);
  let simulated = 0;
  const cache = new Map<string, Promise<DisaggregatedPoint>>();
  const evaluated: DisaggregatedPoint[] = [];
  const evaluate = (prefillGpus: number, decodeGpus: number | null): Promise<DisaggregatedPoint> => {
    const key = `${prefillGpus}/${decodeGpus}`;
    let p = cache.get(key);
    if (p === undefined) {
      const set =
        decodeGpus === null
          ? [...options.set, ...(options.toAggregated ?? []), `fleet.gpus=${prefillGpus}`]
          : [...options.set, ...options.toDisaggregated, `${PREFILL_KEY}=${prefillGpus}`, `${DECODE_KEY}=${decodeGpus}`];
      p = runner
        .run({ file: options.file, set, seed: options.seed, replications: options.replications, runDir: null })
        .then((outcome) => {
          const point: DisaggregatedPoint = { prefillGpus, decodeGpus, gpus: prefillGpus + (decodeGpus ?? 0), set, outcome };
          evaluated.push(point);
          options.onProgress?.(++simulated);
          return point;
        });
      cache.set(key, p);
    }
    return p;
  };
  try {
    const disaggregated = await searchTwoCounts(options, evaluate, evaluated);
    let aggregated: DisaggregatedSearch | null = null;
    if (options.toAggregated !== null) {
      const start = evaluated.length;
      const edge = await searchOneCount(options.aggregatedStep, options.maxGpus, (g) => evaluate(g, null));
      const mine = evaluated.slice(start);
      aggregated = { chosen: edge, edge: edge === null ? [] : [edge], evaluated: mine };
    }
    return { disaggregated, aggregated };
  } finally {
    await runner.close();
  }
}

/** The staircase search of the file doc (steps 1-3). */
async function searchTwoCounts(
  options: DisaggregatedPlanOptions,
  evaluate: (prefill: number, decode: number) => Promise<DisaggregatedPoint>,
  evaluated: DisaggregatedPoint[],
): Promise<DisaggregatedSearch> {
  const ps = options.prefillStep;
  const ds = options.decodeStep;
  // 1. The corner: k replicas of each role, k = 1, 2, 4, ...
  let corner: number | null = null;
  for (let k = 1; k * (ps + ds) <= options.maxGpus; k *= 2) {
    if (meets((await evaluate(k * ps, k * ds)).outcome)) {
      corner = k;
      break;
    }
  }
  if (corner === null) return { chosen: null, edge: [], evaluated: [...evaluated] };
  const decodeAtCorner = corner;
  // 2. The fewest prefill replicas meeting with the corner's decode replicas (the corner's misses
  // below had fewer decode replicas too, so they bound nothing here).
  const prefillMin = await fewest(0, corner, async (p) => meets((await evaluate(p * ps, decodeAtCorner * ds)).outcome));
  // 3. Walk the edge: one prefill replica more at a time, the fewest decode replicas that meet.
  const edge: DisaggregatedPoint[] = [];
  let decodeAbove = decodeAtCorner; // known to meet with the previous prefill count
  let fewestGpus = Infinity;
  // Past the corner the walk goes on while one decode replica more than the prefill count could
  // still use no more GPUs than the smallest point found (a role's GPUs cost the same per GPU).
  for (let p = prefillMin; p * ps + ds <= Math.min(fewestGpus, options.maxGpus); p++) {
    const d = await fewest(0, decodeAbove, async (n) => meets((await evaluate(p * ps, n * ds)).outcome));
    edge.push(await evaluate(p * ps, d * ds));
    fewestGpus = Math.min(fewestGpus, p * ps + d * ds);
    decodeAbove = d;
    if (d === 1) break;
  }
  return { chosen: cheapest(edge), edge, evaluated: [...evaluated] };
}

/**
 * The fewest whole replicas in (miss, hit] that pass, by bisection; `hit` passes (assumed, as
 * more replicas never hurt), `miss` fails or is 0.
 */
async function fewest(miss: number, hit: number, passes: (replicas: number) => Promise<boolean>): Promise<number> {
  let lo = miss;
  let hi = hit;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await passes(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The aggregated fleet: the fewest GPUs (whole replicas) that meet, by doubling then bisection. */
async function searchOneCount(step: number, maxGpus: number, evaluate: (gpus: number) => Promise<DisaggregatedPoint>): Promise<DisaggregatedPoint | null> {
  let miss = 0;
  let hit: number | null = null;
  for (let k = 1; k * step <= maxGpus; k *= 2) {
    if (meets((await evaluate(k * step)).outcome)) {
      hit = k;
      break;
    }
    miss = k;
  }
  if (hit === null) return null;
  const n = await fewest(miss, hit, async (k) => meets((await evaluate(k * step)).outcome));
  return evaluate(n * step);
}
