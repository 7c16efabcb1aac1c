/**
 * Runs a fixed list of sweep points on `workers` lanes: this thread and `workers - 1` worker
 * threads. Every lane takes the next point itself from a shared atomic counter, so a thread
 * never waits for this one to hand it work (this thread is busy simulating in between), and no
 * lane waits for another to start: this thread begins at once while the threads boot (each
 * loads the modules, a fraction of a second), and a thread that finds nothing left simply ends.
 * A sweep of a few short points thus costs what one worker costs; a long one uses every lane.
 * Results depend only on the task, never on which lane ran it.
 */
import { Worker } from 'node:worker_threads';
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';
import type { Scenario } from '../workload/scenario.js';

/** What a lane thread is given (src/sweep/laneWorker.ts). */
export interface LaneData {
  readonly tasks: readonly PointTask[];
  /** Int32Array over it: [0] the next task index to take. */
  readonly next: SharedArrayBuffer;
}

/** A lane thread's message: the outcome of task `index`. */
export interface LaneResult {
  readonly index: number;
  readonly outcome: PointOutcome;
}

/**
 * The compiled lane worker. Under the TypeScript sources (tests run src/ through vitest) it is
 * taken from dist/, which `npx tsc -p tsconfig.build.json` writes.
 */
function laneWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/sweep/laneWorker.js', here) : new URL('./laneWorker.js', here);
}

/**
 * Runs every task once, on `workers` lanes (1: this thread only), calling `onOutcome` as each
 * ends (in completion order). `loaded[i]`, when given, is task i's workload already loaded
 * (this thread's lane then does not load it again). Resolves when all have ended; rejects, stopping every lane, if a
 * lane thread dies or `onOutcome` throws or returns a promise that rejects (a row write failed).
 */
export function runLanes(
  tasks: readonly PointTask[],
  workers: number,
  onOutcome: (index: number, outcome: PointOutcome) => void | Promise<void>,
  loaded?: readonly (Scenario | null)[],
): Promise<void> {
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const take = () => Atomics.add(counter, 0, 1);
  let remaining = tasks.length;
  const threads: Worker[] = [];
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      // Threads still booting or holding nothing are stopped; none holds a task here.
      for (const t of threads) void t.terminate();
      if (error === undefined) resolve();
      else reject(error);
    };
    const ended = (index: number, outcome: PointOutcome) => {
      if (settled) return;
      try {
        onOutcome(index, outcome)?.catch(finish);
      } catch (error) {
        finish(error);
        return;
      }
      if (--remaining === 0) finish();
    };
    if (tasks.length === 0) {
      finish();
      return;
    }
    const lanes = Math.max(1, Math.min(workers, tasks.length));
    for (let k = 1; k < lanes; k++) {
      const data: LaneData = { tasks, next };
      const thread = new Worker(laneWorkerUrl(), { workerData: data });
      thread.on('message', (m: LaneResult) => ended(m.index, m.outcome));
      thread.on('error', (error) => finish(error));
      thread.on('exit', (code) => {
        if (code !== 0 && !settled) finish(new Error(`sweep worker thread exited with code ${code}`));
      });
      threads.push(thread);
    }
    // This thread's lane: one point per turn of the event loop, so lane results, progress and
    // row writes are handled in between.
    const step = () => {
      if (settled) return;
      const i = take();
      if (i >= tasks.length) return;
      ended(i, runPoint(tasks[i], loaded?.[i] ?? undefined));
      setImmediate(step);
    };
    setImmediate(step);
  });
}
