/**
 * Runs the points of a sweep on lanes (this thread and worker threads, src/sweep/laneRunner.ts)
 * and hands each outcome back in GRID order (never completion order) as soon as every earlier
 * point is done, so a caller can append rows to a file that is always a prefix of the finished one.
 */
import { join } from 'node:path';
import type { GridPoint } from './grid.js';
import { runLanes } from './laneRunner.js';
import type { PointOutcome, PointTask } from './runPoint.js';
import { cappedWorkers } from './workerCap.js';

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

/** Simulates `points` (already filtered by shard and resume) and reports them in order. */
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
  await runLanes(tasks, cappedWorkers(options.workers), (i, outcome) => {
    outcomes.set(i, outcome);
    options.onProgress?.(++finished, points.length);
    flushing = flushing.then(flush);
    return flushing; // a failed write stops the sweep
  });
  await flushing;
}
