/**
 * A lane thread of `capsim sweep` (src/sweep/laneRunner.ts): waits for the Dispatch (the order of
 * the points, their expected seconds, the workloads already loaded), then takes its next point
 * (takePoint), simulates it, posts its outcome, until none is left; then ends.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { Dispatch } from './dispatchOrder.js';
import { pointEnded, READY, takePoint, type LaneData, type LaneResult } from './laneRunner.js';
import { runPoint } from './runPoint.js';
import type { Scenario } from '../workload/scenario.js';

const data = workerData as LaneData;
Atomics.wait(new Int32Array(data.shared), READY, 0);
const plan = receiveMessageOnPort(parentPort!)!.message as Dispatch & { loaded: Map<number, Scenario> };
for (let index = takePoint(plan, data); index >= 0; index = takePoint(plan, data)) {
  const result: LaneResult = { index, outcome: runPoint(data.tasks[index], plan.loaded.get(index)) };
  plan.loaded.delete(index);
  pointEnded(data);
  parentPort!.postMessage(result);
}
