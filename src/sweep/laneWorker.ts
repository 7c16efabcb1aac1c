/**
 * A lane thread of `capsim sweep` (src/sweep/laneRunner.ts): waits for the order of the points
 * and the workloads already loaded, then takes the next point from the shared counter, simulates
 * it, posts its outcome, until none is left; then ends.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { NEXT, ORDER, READY, type LaneData, type LaneResult } from './laneRunner.js';
import { runPoint } from './runPoint.js';
import type { Scenario } from '../workload/scenario.js';

const { tasks, shared } = workerData as LaneData;
const control = new Int32Array(shared);
Atomics.wait(control, READY, 0);
const loaded = (receiveMessageOnPort(parentPort!)?.message ?? new Map()) as Map<number, Scenario>;
for (let k = Atomics.add(control, NEXT, 1); k < tasks.length; k = Atomics.add(control, NEXT, 1)) {
  const index = Atomics.load(control, ORDER + k);
  const result: LaneResult = { index, outcome: runPoint(tasks[index], loaded.get(index)) };
  loaded.delete(index);
  parentPort!.postMessage(result);
}
