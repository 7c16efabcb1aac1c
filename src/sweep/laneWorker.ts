/**
 * A lane thread of `capsim sweep` (src/sweep/laneRunner.ts): loads the warm-up workload if it was
 * given one (while the command is still getting ready), then, sent its tasks, takes the next
 * point from the shared counter, simulates it, posts its outcome, until none is left; then ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LaneData, LaneResult, LaneWarmUp } from './laneRunner.js';
import { runPoint } from './runPoint.js';
import { loadWorkload } from '../workload/load.js';

const { warm } = workerData as LaneWarmUp;
if (warm !== null) {
  try {
    loadWorkload(warm.file, { set: warm.set, seed: warm.seed });
  } catch {
    // its point's own run reports what is wrong
  }
}
parentPort!.once('message', ({ tasks, next }: LaneData) => {
  const counter = new Int32Array(next);
  for (let i = Atomics.add(counter, 0, 1); i < tasks.length; i = Atomics.add(counter, 0, 1)) {
    const result: LaneResult = { index: i, outcome: runPoint(tasks[i]) };
    parentPort!.postMessage(result);
  }
});
