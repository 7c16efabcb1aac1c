/**
 * The search of `capsim plan`: the cheapest grid point that meets every SLO in every hour,
 * without simulating every point where the structure allows it.
 *
 * Along a GPU-count axis (`fleet.gpus`, `pools[i].gpus`) more GPUs never make latency worse, so
 * for each combination of the other axes ("group") the points meeting the SLOs are a suffix of
 * the axis. Each group is searched by doubling from the smallest count (positions 0, 1, 3, 7,
 * ...: 1, 2, 4, 8 replicas when the axis counts replicas) until a point meets, then by bisection
 * between the last miss and that hit; the result's neighbour below is therefore always simulated
 * and known to miss. Without a GPU axis every point is simulated. Groups are searched
 * concurrently; within a group the order is fixed, so the points simulated never depend on
 * the number of workers.
 *
 * The doubling and bisection need only pass/fail: they ask for a `verdict`, which may stop a
 * point's simulation at the first closed hour that misses (src/sweep/earlyStop.ts; its verdict is
 * the full run's). Everything that reads more than pass/fail (the hourly refinement, the
 * figures of an answer) asks for the `full` run.
 */
import type { GridPoint, VaryAxis } from './grid.js';
import type { PointOutcome } from './runPoint.js';

/**
 * What a caller needs of a point: its pass/fail only (`verdict`: the simulation may stop early,
 * the outcome is then `stopped`), or its whole run (`full`, the default).
 */
export type Need = 'verdict' | 'full';

/**
 * Evaluates one point (cached by the caller: a point is simulated at most once per need, and a
 * full run answers a verdict too).
 */
export type Evaluate = (point: GridPoint, need?: Need) => Promise<PointOutcome>;

/** A point a search will probably ask for next, with the need it will ask for. */
export interface Likely {
  readonly point: GridPoint;
  readonly need: Need;
}

/**
 * Told, before a search waits for a point, which points it will probably ask for next (most likely
 * first), so that they can be simulated on idle workers (src/sweep/planEvaluator.ts). `hit` and
 * `miss` are the group positions known so far to meet (null: none) and to miss (-1: none). What a
 * search asks for never depends on it.
 */
export type Speculate = (likely: readonly Likely[], known: { readonly miss: number; readonly hit: number | null }) => void;

/** Index of the first axis that counts GPUs, or null. */
export function gpuAxis(axes: readonly VaryAxis[]): number | null {
  const i = axes.findIndex((a) => /^(fleet\.gpus|pools(\[\d+\]|\.\d+)\.gpus)$/.test(a.key));
  return i < 0 ? null : i;
}

export const meets = (o: PointOutcome | undefined): boolean => o !== undefined && o.ok && o.figures.meets_slo;

/** The point's simulation was stopped early (it misses; its figures are unknown). */
export const isStopped = (o: PointOutcome | undefined): boolean => o !== undefined && !o.ok && o.kind === 'stopped';

/** The grid split into groups (other axes fixed), each sorted by the GPU axis value. */
export function groupsOf(grid: readonly GridPoint[], axis: number | null): GridPoint[][] {
  if (axis === null) return grid.map((p) => [p]);
  const groups = new Map<string, GridPoint[]>();
  for (const p of grid) {
    const key = JSON.stringify(p.values.filter((_, i) => i !== axis));
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  return [...groups.values()].map((g) => [...g].sort((a, b) => Number(a.values[axis]) - Number(b.values[axis]) || a.index - b.index));
}

/**
 * Position of the first point of a sorted group that meets (doubling, then bisection), or null.
 * `need`: `verdict` when `ok` is `meets` (a stopped point misses); a narrower test (one pool's
 * classes) needs the full run. `needOnceMet`: the need once some point has met, when it differs:
 * a caller that will read every point below its answer in full (refineHours) asks for `full`
 * then, since every point the bisection asks for is either at or above the answer (it meets: its
 * verdict run is its full run) or below it (read in full later anyway): the outcomes are the same
 * and no stopped run is made only to be run again.
 */
export async function firstMeeting(
  group: readonly GridPoint[],
  evaluate: Evaluate,
  ok: (o: PointOutcome) => boolean = meets,
  need: Need = 'verdict',
  speculate?: Speculate,
  needOnceMet: Need = need,
): Promise<number | null> {
  let miss = -1;
  let hit: number | null = null;
  // Hints keep the search's first need even after a point met: a verdict run that meets is the
  // full run, and one that stops is kept paused and resumed for the full run (pointScheduler.ts),
  // while a mistaken guess at a full run (a large count) would cost a whole day of simulation.
  const likely = (positions: number[]) => positions.map((pos) => ({ point: group[pos], need }));
  for (let pos = 0; ; pos = Math.min(2 * pos + 1, group.length - 1)) {
    // Next: the bisection's first midpoint if this one meets, the doubling's next count if it
    // misses. The midpoint first: a wrong guess at it stops early (it is below a miss), a wrong
    // guess at the next count meets (it is above a hit) and runs the whole day.
    const next = pos - miss > 1 ? [Math.floor((miss + pos) / 2)] : [];
    if (pos < group.length - 1) next.push(Math.min(2 * pos + 1, group.length - 1));
    speculate?.(likely(next), { miss, hit });
    if (ok(await evaluate(group[pos], need))) {
      hit = pos;
      break;
    }
    miss = pos;
    if (pos === group.length - 1) return null;
  }
  while (hit - miss > 1) {
    const mid = Math.floor((miss + hit) / 2);
    // Next: the midpoint of the lower half if this one meets, of the upper half if it misses.
    const next = [...(mid - miss > 1 ? [Math.floor((miss + mid) / 2)] : []), ...(hit - mid > 1 ? [Math.floor((mid + hit) / 2)] : [])];
    speculate?.(likely(next), { miss, hit });
    if (ok(await evaluate(group[mid], needOnceMet))) hit = mid;
    else miss = mid;
  }
  return hit;
}

export interface SearchResult {
  /** The cheapest evaluated point that meets (ties: lowest grid index), or null. */
  chosen: GridPoint | null;
  /** The chosen point's group (sorted by GPUs), for the hourly schedule. */
  group: GridPoint[] | null;
}

/** Searches every group and picks the cheapest meeting point among those simulated. */
export async function searchCheapest(grid: readonly GridPoint[], axis: number | null, evaluate: Evaluate, outcomes: ReadonlyMap<number, PointOutcome>): Promise<SearchResult> {
  const groups = groupsOf(grid, axis);
  await Promise.all(groups.map((g) => (axis === null ? evaluate(g[0], 'verdict') : firstMeeting(g, evaluate))));
  let chosen: GridPoint | null = null;
  let best = Infinity;
  for (const p of grid) {
    const o = outcomes.get(p.index);
    if (!meets(o) || !o!.ok) continue;
    const cost = o!.figures.cost_per_hour ?? Infinity;
    if (chosen === null || cost < best) {
      chosen = p;
      best = cost;
    }
  }
  const group = chosen === null ? null : groups.find((g) => g.includes(chosen!)) ?? null;
  return { chosen, group };
}

/**
 * Refines, within the chosen group and below the chosen point, the fewest GPUs that meet the
 * SLOs in each hour of the day (hour h of every simulated day), by bisecting per hour: the
 * hour with the widest unresolved gap is split first. Relies on the same monotonicity per hour.
 * Reads every point simulated at or below the chosen one hour by hour, so it first has the ones
 * that were stopped early (pass/fail only) simulated in full, all at once: the refinement then
 * sees exactly what it would have seen had every point run in full.
 *
 * @returns for each hour of day with traffic, the position in `group` of the fewest GPUs meeting it
 */
export async function refineHours(
  group: readonly GridPoint[],
  chosenPos: number,
  evaluate: Evaluate,
  outcomes: ReadonlyMap<number, PointOutcome>,
  speculate?: Speculate,
): Promise<Map<number, number>> {
  const hoursOfDay = new Set<number>();
  const chosen = outcomes.get(group[chosenPos].index);
  if (!chosen?.ok) return new Map();
  const stopped = group.slice(0, chosenPos).filter((p) => isStopped(outcomes.get(p.index)));
  await Promise.all(stopped.map((p) => evaluate(p, 'full')));
  chosen.detail.hourlyCost.forEach((_, t) => hoursOfDay.add(t % 24));
  const missesHour = (o: PointOutcome | undefined, h: number) => !o?.ok || o.detail.hoursMissed.some((t) => t % 24 === h);
  const bracket = (h: number): [number, number] => {
    let lo = -1;
    let hi = chosenPos;
    for (let pos = 0; pos <= chosenPos; pos++) {
      const o = outcomes.get(group[pos].index);
      if (o === undefined) continue;
      if (missesHour(o, h)) lo = Math.max(lo, pos);
      else hi = Math.min(hi, pos);
    }
    return [Math.min(lo, hi - 1), hi];
  };
  for (;;) {
    let widest: [number, number] | null = null;
    const mids = new Set<number>();
    for (const h of hoursOfDay) {
      const [lo, hi] = bracket(h);
      if (hi - lo > 1) mids.add(Math.floor((lo + hi) / 2));
      if (hi - lo > 1 && (widest === null || hi - lo > widest[1] - widest[0])) widest = [lo, hi];
    }
    if (widest === null) break;
    const mid = Math.floor((widest[0] + widest[1]) / 2);
    // Next: the midpoints of the other hours' brackets (each is asked for unless an earlier run settles it).
    mids.delete(mid);
    speculate?.([...mids].map((pos) => ({ point: group[pos], need: 'full' as const })), { miss: -1, hit: chosenPos });
    await evaluate(group[mid], 'full');
  }
  return new Map([...hoursOfDay].sort((a, b) => a - b).map((h) => [h, bracket(h)[1]]));
}
