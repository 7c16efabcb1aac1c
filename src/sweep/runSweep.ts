/**
 * Runs the points of a sweep on lanes (this thread and worker threads, src/sweep/laneRunner.ts)
 * and hands each outcome back in GRID order (never completion order) as soon as every earlier
 * point is done, so a caller can append rows to a file that is always a prefix of the finished one.
 */
import { join } from 'node:path';
import { dispatchOrder, gridOrder } from './dispatchOrder.js';
import type { GridPoint } from './grid.js';
import { runLanes } from './laneRunner.js';
import type { PointOutcome, PointTask } from './runPoint.js';
import { cappedWorkers } from './workerCap.js';
import { estimateRun } from '../workload/estimate.js';
import { loadWorkload } from '../workload/load.js';
import type { Scenario } from '../workload/scenario.js';

/**
 * A sweep estimated to simulate in less than this (wall seconds on one core, the run-size
 * estimate's fast end, src/workload/estimate.ts) runs in this thread alone: a worker thread would
 * spend longer starting (loading the modules, ~0.4 s on an idle core, then its first workload
 * cold) than it could take off this thread.
 */
export const IN_PROCESS_BELOW_S = 0.5;
/**
 * What a point costs besides simulating its requests: loading its workload, building and
 * observing its results (0.02-0.06 s measured for 1-second and 5-minute points, warm).
 */
export const POINT_OVERHEAD_S = 0.05;

/**
 * The workloads of a sweep's points when the whole sweep is estimated below IN_PROCESS_BELOW_S,
 * else null. Loads one point at a time and stops as soon as the sum reaches the threshold, so a
 * sweep of long points loads one workload here. A point that does not load counts as
 * POINT_OVERHEAD_S (its run fails at once); one whose size cannot be estimated (a trace replayed
 * at its own times, a closed loop without think time) makes the sweep not small.
 */
export function smallSweep(tasks: readonly PointTask[]): (Scenario | null)[] | null {
  const loaded: (Scenario | null)[] = [];
  let totalS = 0;
  for (const task of tasks) {
    let scenario: Scenario | null = null;
    try {
      scenario = loadWorkload(task.file, { set: task.set, seed: task.seed });
    } catch {
      scenario = null;
    }
    const wallS = scenario === null ? 0 : estimateRun(scenario).wallS?.low ?? null;
    if (wallS === null) return null;
    totalS += (POINT_OVERHEAD_S + wallS) * Math.max(1, task.replications);
    if (totalS >= IN_PROCESS_BELOW_S) return null;
    loaded.push(scenario);
  }
  return loaded;
}

export interface SweepOptions {
  /** Absolute path of the workload file. */
  readonly file: string;
  /** The user's `--set` flags (applied before each point's). */
  readonly set: readonly string[];
  readonly seed?: number;
  /** 0: no replications; R >= 1: R seeds per point and confidence intervals. */
  readonly replications: number;
  readonly workers: number;
  /** `--keep-runs`: each point's run files go to `<keepRunsDir>/<grid index>/`. */
  readonly keepRunsDir: string | null;
  /** Called once per point, in the order of `points`; awaited before the next. */
  readonly onOutcome: (point: GridPoint, outcome: PointOutcome) => void | Promise<void>;
  readonly onProgress?: (finished: number, total: number) => void;
}

/** The task that simulates one point. */
export function pointTask(point: GridPoint, options: Omit<SweepOptions, 'onOutcome' | 'workers'>): PointTask {
  return {
    file: options.file,
    set: [...options.set, ...point.set],
    seed: options.seed,
    replications: options.replications,
    runDir: options.keepRunsDir === null ? null : join(options.keepRunsDir, String(point.index)),
  };
}

/**
 * Simulates `points` (already filtered by shard and resume) and reports them in order: on
 * `workers` lanes, the last points heaviest first (src/sweep/dispatchOrder.ts), or on this
 * thread alone, in grid order, when the sweep is small (smallSweep).
 */
export async function runSweep(points: readonly GridPoint[], options: SweepOptions): Promise<void> {
  if (points.length === 0) return;
  const outcomes = new Map<number, PointOutcome>();
  let next = 0;
  let finished = 0;
  let flushing: Promise<void> = Promise.resolve();

  // Report every point from `next` on whose outcome is in, in order; chained so reports never overlap.
  const flush = async () => {
    while (next < points.length && outcomes.has(next)) {
      const outcome = outcomes.get(next)!;
      outcomes.delete(next);
      await options.onOutcome(points[next], outcome);
      next++;
    }
  };
  const tasks = points.map((point) => pointTask(point, options));
  const workers = cappedWorkers(options.workers);
  const small = workers > 1 ? smallSweep(tasks) : null;
  const report = (i: number, outcome: PointOutcome) => {
    outcomes.set(i, outcome);
    options.onProgress?.(++finished, points.length);
    flushing = flushing.then(flush);
    return flushing; // a failed write stops the sweep
  };
  if (small !== null) await runLanes(tasks, 1, report, () => gridOrder(tasks, small));
  else await runLanes(tasks, workers, report, (lanes) => (lanes > 1 ? dispatchOrder(tasks, lanes) : gridOrder(tasks)));
  await flushing;
}
