/**
 * A worker thread of `capsim plan` (src/sweep/pointScheduler.ts): runs one point per message and
 * keeps the runs it stopped early paused (src/sweep/pausedRuns.ts), so that the scheduler can send
 * it the same point's full run to resume. Each reply says which full runs it keeps.
 */
import { parentPort } from 'node:worker_threads';
import { PausedRuns } from './pausedRuns.js';
import { runPoint, type PointTask } from './runPoint.js';
import { PAUSED_PER_THREAD, type LaneReply } from './pointScheduler.js';

const paused = new PausedRuns(PAUSED_PER_THREAD);
parentPort!.on('message', (task: PointTask) => {
  const reply: LaneReply = { outcome: runPoint(task, undefined, paused), held: paused.keys() };
  parentPort!.postMessage(reply);
});
