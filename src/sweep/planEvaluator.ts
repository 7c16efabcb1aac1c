/**
 * The plan's point evaluator: what a search sees of the points it asks for (src/sweep/planSearch.ts
 * `Evaluate`), over a PointScheduler shared by every search of a plan.
 *
 * Per point, `outcomes` holds the latest outcome a search asked for: a verdict run may stop at a
 * missed hour (`stopped`); a full run replaces it. A verdict run that did not stop is the full run
 * (src/sweep/earlyStop.ts); a stopped one is simulated again in full when the full run is asked.
 *
 * `hint` passes the points a search will probably ask for next to the scheduler, which runs them
 * on idle workers. A hinted outcome enters `outcomes` only when the search asks for that point
 * with that need, so `outcomes` (hence plan.csv, the answer and every figure) is the same with or
 * without hints, whatever the timing.
 */
import type { GridPoint } from './grid.js';
import { isStopped, type Evaluate, type Need } from './planSearch.js';
import type { PointScheduler } from './pointScheduler.js';
import type { PointOutcome, PointTask } from './runPoint.js';
import { pointTask } from './runSweep.js';

/** What a point run needs besides the point: the workload, the flags. */
export interface PlanTaskBase {
  readonly file: string;
  readonly set: readonly string[];
  readonly seed?: number;
  readonly replications: number;
}

/** A point the search will probably ask for, with the need it will ask for. */
export interface Likely {
  readonly point: GridPoint;
  readonly need: Need;
}

export interface PlanEvaluator {
  readonly evaluate: Evaluate;
  /** The points `stream` will probably ask for next, most likely first (replaces its earlier hints). */
  readonly hint: (stream: object, likely: readonly Likely[]) => void;
  /** Per point index, the outcome the searches asked for (a full run replaces a stopped one). */
  readonly outcomes: ReadonlyMap<number, PointOutcome>;
  /** Every point asked for, by index. */
  readonly points: ReadonlyMap<number, GridPoint>;
}

/** The task that simulates `point` for `need`. */
export function planTask(point: GridPoint, need: Need, base: PlanTaskBase): PointTask {
  const task = pointTask(point, { ...base, keepRunsDir: null });
  return need === 'verdict' ? { ...task, stopOnMiss: 'any' } : task;
}

/**
 * An evaluator with its own points (each search space has its own point indices).
 * @param onSimulated called once per outcome a search receives (the progress count)
 */
export function planEvaluator(scheduler: Pick<PointScheduler, 'run' | 'hint'>, base: PlanTaskBase, onSimulated?: () => void): PlanEvaluator {
  const outcomes = new Map<number, PointOutcome>();
  const pending = new Map<number, { verdict?: Promise<PointOutcome>; full?: Promise<PointOutcome> }>();
  const points = new Map<number, GridPoint>();
  const simulate = (point: GridPoint, need: Need) =>
    scheduler.run(planTask(point, need, base)).then((o) => {
      outcomes.set(point.index, o);
      onSimulated?.();
      return o;
    });
  const evaluate: Evaluate = (point, need = 'full') => {
    let runs = pending.get(point.index);
    if (!runs) {
      points.set(point.index, point);
      pending.set(point.index, (runs = {}));
    }
    if (runs.full) return runs.full;
    if (need === 'verdict') return (runs.verdict ??= simulate(point, 'verdict'));
    const verdict = runs.verdict;
    return (runs.full = verdict ? verdict.then((o) => (isStopped(o) ? simulate(point, 'full') : o)) : simulate(point, 'full'));
  };
  const hint = (stream: object, likely: readonly Likely[]) => {
    const tasks: PointTask[] = [];
    for (const { point, need } of likely) {
      const runs = pending.get(point.index);
      if (runs?.full) continue;
      if (need === 'verdict' && runs?.verdict) continue;
      // A full run after a verdict is needed only when the verdict stopped; hint it once known.
      if (need === 'full' && runs?.verdict && !isStopped(outcomes.get(point.index))) continue;
      tasks.push(planTask(point, need, base));
    }
    scheduler.hint(stream, tasks);
  };
  return { evaluate, hint, outcomes, points };
}
