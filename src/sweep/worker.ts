/** The piscina worker of `capsim sweep` and `capsim plan`: one task is one point. */
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';

export default function worker(task: PointTask): PointOutcome {
  return runPoint(task);
}
