/**
 * The order in which a sweep's lanes take its points (src/sweep/laneRunner.ts). Each lane takes
 * the next point when it is free, so the sweep ends when the last point taken ends; in grid order
 * a grid whose points get heavier along it (more GPUs: more engine events per request,
 * src/workload/estimate.ts expectedEvents) hands its heaviest point out last, and it runs alone
 * while the other lanes have nothing left. Taking the heaviest first (longest processing time
 * first, Graham 1969) leaves the light points for the end, where they fill the lanes evenly.
 *
 * Only the sweep's last TAIL_POINTS_PER_LANE x lanes points are reordered (all of them in a sweep
 * that small): the tail is where lanes run out of work, only those points' workloads are loaded
 * for their estimates, and sweep.csv, written in grid order as each grid prefix completes, lags
 * by no more than those points. The order never changes an outcome or an output byte: outcomes
 * are keyed by grid index and written in grid order.
 *
 * Within the tail nothing is committed to a lane ahead of time: a lane that comes free takes the
 * point that takeNext chooses from what the lanes are doing then. That is what lets a worker
 * thread's lane, which starts late (its module load, ~0.4-1 s, while this thread's lane is already
 * simulating), take a light point where heaviest first would give it a heavy one and make it end
 * last (bench/README.md, "an order for the thread's late start").
 */
import type { PointTask } from './runPoint.js';
import { EVENTS_PER_REQUEST, expectedEvents, REQUESTS_PER_WALL_S } from '../workload/estimate.js';
import { loadWorkload } from '../workload/load.js';
import type { Scenario } from '../workload/scenario.js';

/** Points per lane at the end of a sweep that are taken heaviest first. */
export const TAIL_POINTS_PER_LANE = 4;

/**
 * Wall seconds per engine event, to put a point's expected events and the lanes' clock on one
 * scale: the run estimate's fast end (src/workload/estimate.ts, 600,000 requests per second at
 * EVENTS_PER_REQUEST each). Only takeNext's choice among the tail's points depends on it, never an
 * outcome; in bench/sweepSchedule.mjs's model the choice gains as much with it off by 2x either way.
 */
export const SECONDS_PER_EVENT = 1 / (EVENTS_PER_REQUEST * REQUESTS_PER_WALL_S.fast);

/** Tail points takeNext weighs as a lane's next point at most: the heaviest and lighter ones spread down the list. */
export const CANDIDATES = 8;

/** How the lanes take a sweep's tasks. */
export interface Dispatch {
  /**
   * Task indices, a permutation of 0..tasks - 1: the lanes take order[0..tailFrom - 1] in this
   * order, then each free lane the point of order[tailFrom..] (heaviest first) that takeNext chooses.
   */
  readonly order: readonly number[];
  /** Where the tail starts in `order` (order.length: no tail, every point in order). */
  readonly tailFrom: number;
  /**
   * Expected wall seconds of each task, by task index, on SECONDS_PER_EVENT's scale: for the tail,
   * expected events x runs (Infinity: not estimable; 0: does not load); before it (not estimated),
   * the tail's mean, a guess at what a lane still running such a point has left.
   */
  readonly expectedS: readonly number[];
  /** Workloads loaded to estimate them, by task index: the same scenario runPoint would load. */
  readonly loaded: ReadonlyMap<number, Scenario>;
}

/**
 * Indices 0..costs.length - 1, heaviest first; equal costs keep their order. A cost of null (not
 * estimable: a trace replayed at its own times) counts as heavier than any estimate, since it may
 * be long.
 */
export function heaviestFirst(costs: readonly (number | null)[]): number[] {
  const weight = (i: number) => costs[i] ?? Infinity;
  return costs.map((_, i) => i).sort((a, b) => weight(b) - weight(a) || a - b);
}

/**
 * Grid order, then the last TAIL_POINTS_PER_LANE x lanes tasks, the tail, listed heaviest first
 * by expected engine events x runs (replications) and taken as takeNext chooses. A task whose
 * workload does not load costs nothing (its run fails at once).
 */
export function dispatchOrder(tasks: readonly PointTask[], lanes: number): Dispatch {
  const from = Math.max(0, tasks.length - TAIL_POINTS_PER_LANE * Math.max(1, lanes));
  const loaded = new Map<number, Scenario>();
  const costs: (number | null)[] = [];
  for (let i = from; i < tasks.length; i++) {
    const task = tasks[i];
    let scenario: Scenario;
    try {
      scenario = loadWorkload(task.file, { set: task.set, seed: task.seed });
    } catch {
      costs.push(0);
      continue;
    }
    loaded.set(i, scenario);
    const events = expectedEvents(scenario);
    costs.push(events === null ? null : events * Math.max(1, task.replications));
  }
  const head = Array.from({ length: from }, (_, i) => i);
  const tailS = costs.map((events) => (events === null ? Infinity : events * SECONDS_PER_EVENT));
  const known = tailS.filter(Number.isFinite);
  const meanS = known.length === 0 ? 0 : known.reduce((a, b) => a + b, 0) / known.length;
  return {
    order: [...head, ...heaviestFirst(costs).map((k) => from + k)],
    tailFrom: from,
    expectedS: [...head.map(() => meanS), ...tailS],
    loaded,
  };
}

/** What a lane is doing, for takeNext: the task it runs (-1: none, or its thread has not started) and since when. */
export interface LaneNow {
  readonly task: number;
  readonly sinceS: number;
}

/**
 * The tail point a free lane takes at `nowS` (seconds on the lanes' common clock): of the
 * unstarted tail points `remaining` (heaviest first), the one after which the rest, dealt heaviest
 * first to whichever lane is projected free first, ends soonest (a one-step rollout of longest
 * processing time first, Bertsekas, Tsitsiklis & Wu 1997). Every lane is projected free when the
 * point it runs is expected to end (`expectedS` from when it started, at the earliest now); a lane
 * running nothing, or whose thread has not started, as free now. So a lane that starts late takes
 * its point knowing that the others have been simulating since. Ties go to the heaviest, and so
 * does everything when the heaviest is not estimable. Weighs CANDIDATES points at most.
 *
 * @example
 * // lane 1 starts at 1 s; lane 0 has run task 0 (1.5 s) since 0. Taking 1 (1.5 s) would end the
 * // sweep at 3.5 s (2 to lane 0 at 1.5 -> 2.5, 3 to either at 2.5 -> 3.5); taking 2 ends it at 3.0 s.
 * takeNext([1, 2, 3], [1.5, 1.5, 1, 1], 1, [{ task: 0, sinceS: 0 }, { task: -1, sinceS: 0 }], 1); // 2
 */
export function takeNext(remaining: readonly number[], expectedS: readonly number[], lane: number, lanes: readonly LaneNow[], nowS: number): number {
  const heaviest = remaining[0];
  if (remaining.length === 1 || !Number.isFinite(expectedS[heaviest])) return heaviest;
  const others: number[] = [];
  for (let k = 0; k < lanes.length; k++) {
    if (k === lane) continue;
    const { task, sinceS } = lanes[k];
    const freeAt = task < 0 ? nowS : Math.max(nowS, sinceS + expectedS[task]);
    if (Number.isFinite(freeAt)) others.push(freeAt); // a lane on a point not estimable is left out
  }
  const n = remaining.length;
  const picks = n <= CANDIDATES ? remaining.map((_, j) => j) : Array.from({ length: CANDIDATES }, (_, c) => Math.round((c * (n - 1)) / (CANDIDATES - 1)));
  let best = heaviest;
  let bestEndS = Infinity;
  for (const j of picks) {
    const task = remaining[j];
    const free = [nowS + expectedS[task], ...others];
    for (let r = 0; r < n; r++) {
      if (r === j) continue;
      let soonest = 0;
      for (let k = 1; k < free.length; k++) if (free[k] < free[soonest]) soonest = k;
      free[soonest] += expectedS[remaining[r]];
    }
    const endS = Math.max(...free);
    if (endS < bestEndS) {
      best = task;
      bestEndS = endS;
    }
  }
  return best;
}

/** Grid order, with the workloads given (smallSweep's). */
export function gridOrder(tasks: readonly PointTask[], loaded: readonly (Scenario | null)[] = []): Dispatch {
  return fixedOrder(tasks.map((_, i) => i), loaded);
}

/** `order` as it is, no tail (tests, and gridOrder), with the workloads given by task index. */
export function fixedOrder(order: readonly number[], loaded: readonly (Scenario | null)[] = []): Dispatch {
  const map = new Map<number, Scenario>();
  loaded.forEach((scenario, i) => {
    if (scenario !== null && scenario !== undefined) map.set(i, scenario);
  });
  return { order, tailFrom: order.length, expectedS: order.map(() => 0), loaded: map };
}
