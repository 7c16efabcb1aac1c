/** The piscina worker of the disaggregated plan (src/sweep/planDisaggregated.ts via pointRunner.ts): one task is one point. */
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';

export default function worker(task: PointTask): PointOutcome {
  return runPoint(task);
}
