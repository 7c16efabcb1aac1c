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
 */
import type { PointTask } from './runPoint.js';
import { expectedEvents } from '../workload/estimate.js';
import { loadWorkload } from '../workload/load.js';
import type { Scenario } from '../workload/scenario.js';

/** Points per lane at the end of a sweep that are taken heaviest first. */
export const TAIL_POINTS_PER_LANE = 4;

/** How the lanes take a sweep's tasks. */
export interface Dispatch {
  /** Task indices in the order the lanes take them: a permutation of 0..tasks - 1. */
  readonly order: readonly number[];
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
 * Grid order, then the last TAIL_POINTS_PER_LANE x lanes tasks heaviest first by expected
 * engine events x runs (replications). A task whose workload does not load costs nothing (its
 * run fails at once).
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
  return { order: [...head, ...heaviestFirst(costs).map((k) => from + k)], loaded };
}

/** Grid order, with the workloads given (smallSweep's). */
export function gridOrder(tasks: readonly PointTask[], loaded: readonly (Scenario | null)[] = []): Dispatch {
  const map = new Map<number, Scenario>();
  loaded.forEach((scenario, i) => {
    if (scenario !== null) map.set(i, scenario);
  });
  return { order: tasks.map((_, i) => i), loaded: map };
}
