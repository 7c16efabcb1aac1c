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
 * a caller that will read points just below its answer in full (refineHours: the answer's
 * neighbour, the hours that need almost as many GPUs) asks for `full` then, since every point the
 * bisection asks for is either at or above the answer (it meets: its verdict run is its full run)
 * or below it, near it: the outcomes are the same and few stopped runs are made only to be
 * resumed.
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
 * What an outcome says of hour of day `h` in a run of `hours` hours: true (met in every day),
 * false (missed in some day), or undefined (not known: not simulated, or stopped before every
 * hour of day `h` had closed). A stopped run missed the hour it stopped at and met the hours that
 * had closed before (StoppedOutcome.hoursMet); a failed run counts as missing every hour.
 */
export function hourMet(o: PointOutcome | undefined, h: number, hours: number): boolean | undefined {
  if (o === undefined) return undefined;
  if (o.ok) return !o.detail.hoursMissed.some((t) => t % 24 === h);
  if (o.kind !== 'stopped' || o.hour % 24 === h) return false;
  for (let t = h; t < hours; t += 24) if (!o.hoursMet.includes(t)) return undefined;
  return true;
}

/**
 * Per hour of day, the positions in `group` at or below `chosenPos` known so far to miss it (the
 * highest, or -1) and to meet it (the lowest; the chosen point meets every hour):
 * [min(miss, meet - 1), meet]. The hour's fewest GPUs are resolved when meet - miss <= 1.
 */
function brackets(group: readonly GridPoint[], chosenPos: number, outcomes: ReadonlyMap<number, PointOutcome>, hoursOfDay: readonly number[], hours: number): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const h of hoursOfDay) {
    let lo = -1;
    let hi = chosenPos;
    for (let pos = 0; pos <= chosenPos; pos++) {
      const met = hourMet(outcomes.get(group[pos].index), h, hours);
      if (met === false) lo = Math.max(lo, pos);
      else if (met === true) hi = Math.min(hi, pos);
    }
    out.set(h, [Math.min(lo, hi - 1), hi]);
  }
  return out;
}

/** The hours of day of the chosen point's run, and its number of hours; null when it has no figures. */
function hoursOf(chosen: PointOutcome | undefined): { hoursOfDay: number[]; hours: number } | null {
  if (!chosen?.ok) return null;
  const hours = chosen.detail.hourlyCost.length;
  return { hoursOfDay: [...new Set(chosen.detail.hourlyCost.map((_, t) => t % 24))].sort((a, b) => a - b), hours };
}

/**
 * The point that splits bracket [lo, hi]: one already simulated but stopped before it said
 * anything of this hour, the nearest to the middle (resumed where a thread keeps it paused, and
 * one the eager schedule ran in full anyway, so plan.csv gains no row), else the middle.
 */
function splitAt(group: readonly GridPoint[], outcomes: ReadonlyMap<number, PointOutcome>, [lo, hi]: readonly [number, number]): number {
  const mid = Math.floor((lo + hi) / 2);
  let best = -1;
  for (let pos = lo + 1; pos < hi; pos++) {
    if (isStopped(outcomes.get(group[pos].index)) && (best < 0 || Math.abs(pos - mid) < Math.abs(best - mid))) best = pos;
  }
  return best < 0 ? mid : best;
}

/**
 * The points refineHours would ask for next, given the outcomes so far (the splits of the
 * unresolved hours' brackets, widest first), for hints.
 */
export function scheduleProbes(group: readonly GridPoint[], chosenPos: number, outcomes: ReadonlyMap<number, PointOutcome>): GridPoint[] {
  const of = hoursOf(outcomes.get(group[chosenPos].index));
  if (of === null) return [];
  const open = [...brackets(group, chosenPos, outcomes, of.hoursOfDay, of.hours).values()].filter(([lo, hi]) => hi - lo > 1);
  open.sort((a, b) => b[1] - b[0] - (a[1] - a[0]));
  return [...new Set(open.map((b) => splitAt(group, outcomes, b)))].map((pos) => group[pos]);
}

/**
 * Refines, within the chosen group and below the chosen point, the fewest GPUs that meet the
 * SLOs in each hour of the day (hour h of every simulated day), by bisecting per hour: the
 * hour with the widest unresolved gap is split first, with a full run (splitAt: of a point
 * already stopped inside it, else of its midpoint). Relies on the same monotonicity per hour.
 *
 * Lazy: a point stopped early (pass/fail only) already says which hours it met and which it
 * missed (hourMet), so it is run in full (resumed where a thread keeps it paused) only when some
 * hour's bisection needs it, or when it is an hour's answer (the schedule reads its figures).
 * Points whose every hour is settled by others are never run in full: at 20 req/s, a fleet of
 * 1 or 2 GPUs that fails from hour 0 (any count below one known to miss every hour). Under the
 * monotonicity, each hour's answer is the one found with every point below the chosen one run in
 * full: the lowest count meeting that hour (test/sweep/planSearch.test.ts compares the two). A
 * stopped run is trusted only for a miss (its stop hour) before it is run in full: a hint of
 * "met" can only make it an hour's answer, which is then read in full.
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
  const of = hoursOf(outcomes.get(group[chosenPos].index));
  if (of === null) return new Map();
  const { hoursOfDay, hours } = of;
  for (;;) {
    const open = brackets(group, chosenPos, outcomes, hoursOfDay, hours);
    let widest: [number, number] | null = null;
    for (const [lo, hi] of open.values()) if (hi - lo > 1 && (widest === null || hi - lo > widest[1] - widest[0])) widest = [lo, hi];
    if (widest !== null) {
      const mid = splitAt(group, outcomes, widest);
      // Next: the splits of the other hours' brackets (each is asked for unless an earlier run settles it).
      const mids = new Set([...open.values()].filter(([lo, hi]) => hi - lo > 1).map((b) => splitAt(group, outcomes, b)));
      mids.delete(mid);
      speculate?.([...mids].map((pos) => ({ point: group[pos], need: 'full' as const })), { miss: -1, hit: chosenPos });
      await evaluate(group[mid], 'full');
      continue;
    }
    // Every hour resolved: its answer's figures are read, so an answer known only by a stopped
    // run is run in full (which may settle other hours lower: then bisect again).
    const unread = [...new Set([...open.values()].map(([, hi]) => hi))].filter((pos) => !outcomes.get(group[pos].index)?.ok);
    if (unread.length === 0) return new Map(hoursOfDay.map((h) => [h, open.get(h)![1]]));
    await Promise.all(unread.map((pos) => evaluate(group[pos], 'full')));
  }
}
