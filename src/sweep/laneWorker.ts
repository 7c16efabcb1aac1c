/**
 * A lane thread of `capsim sweep` (src/sweep/laneRunner.ts): takes the next point from the shared
 * counter, simulates it, posts its outcome, until none is left; then ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LaneData, LaneResult } from './laneRunner.js';
import { runPoint } from './runPoint.js';

const { tasks, next } = workerData as LaneData;
const counter = new Int32Array(next);
for (let i = Atomics.add(counter, 0, 1); i < tasks.length; i = Atomics.add(counter, 0, 1)) {
  const result: LaneResult = { index: i, outcome: runPoint(tasks[i]) };
  parentPort!.postMessage(result);
}
