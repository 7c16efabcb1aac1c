/**
 * Runs a fixed list of sweep points on `workers` lanes: this thread and `workers - 1` worker
 * threads. Every lane takes the next point itself from a shared atomic counter, so a thread
 * never waits for this one to hand it work (this thread is busy simulating in between), and no
 * lane waits for another to start: this thread begins at once while the threads boot (each
 * loads the modules, a fraction of a second), and a thread that finds nothing left simply ends.
 * A sweep of a few short points thus costs what one worker costs; a long one uses every lane.
 * The lanes take the points in the order a Dispatch gives (src/sweep/dispatchOrder.ts), which
 * this thread works out while the threads boot; the workloads it loaded for that go to every lane,
 * so a thread does not parse them again (its first parse, cold, costs ~0.14 CPU s). Results depend
 * only on the task, never on which lane ran it or when (a workload is plain data: a thread's copy
 * simulates the same as the original).
 */
import { Worker } from 'node:worker_threads';
import type { Dispatch } from './dispatchOrder.js';
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';

/** What a lane thread is given (src/sweep/laneWorker.ts). */
export interface LaneData {
  readonly tasks: readonly PointTask[];
  /** Int32Array over it, see the constants below. */
  readonly shared: SharedArrayBuffer;
}

/** In LaneData.shared: the next position in the order to take. */
export const NEXT = 0;
/**
 * In LaneData.shared: 0 until the order is written, then 1; the lane threads have then been posted
 * the workloads the Dispatch loaded (a Map from task index, read with receiveMessageOnPort).
 */
export const READY = 1;
/** In LaneData.shared: from here on, the task indices in the order the lanes take them. */
export const ORDER = 2;

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
 * ends (in completion order). `dispatch` (default: grid order) is called once the lane threads
 * are started, so its work (loading workloads to estimate them) overlaps their start-up; every
 * lane runs a task from the workloads it loaded instead of loading it again. Resolves
 * when all have ended; rejects, stopping every lane, if a lane thread dies, `dispatch` throws, or
 * `onOutcome` throws or returns a promise that rejects (a row write failed).
 */
export function runLanes(
  tasks: readonly PointTask[],
  workers: number,
  onOutcome: (index: number, outcome: PointOutcome) => void | Promise<void>,
  dispatch?: (lanes: number) => Dispatch,
): Promise<void> {
  const shared = new SharedArrayBuffer(4 * (ORDER + tasks.length));
  const control = new Int32Array(shared);
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
      const data: LaneData = { tasks, shared };
      const thread = new Worker(laneWorkerUrl(), { workerData: data });
      thread.on('message', (m: LaneResult) => ended(m.index, m.outcome));
      thread.on('error', (error) => finish(error));
      thread.on('exit', (code) => {
        if (code !== 0 && !settled) finish(new Error(`sweep worker thread exited with code ${code}`));
      });
      threads.push(thread);
    }
    let plan: Dispatch;
    try {
      plan = dispatch?.(lanes) ?? { order: tasks.map((_, i) => i), loaded: new Map() };
    } catch (error) {
      finish(error);
      return;
    }
    const order = plan.order;
    const loaded = new Map(plan.loaded);
    for (const thread of threads) thread.postMessage(loaded);
    for (let k = 0; k < tasks.length; k++) Atomics.store(control, ORDER + k, order[k]);
    Atomics.store(control, READY, 1);
    Atomics.notify(control, READY);
    // This thread's lane: one point per turn of the event loop, so lane results, progress and
    // row writes are handled in between.
    const step = () => {
      if (settled) return;
      const k = Atomics.add(control, NEXT, 1);
      if (k >= tasks.length) return;
      const i = order[k];
      const scenario = loaded.get(i);
      loaded.delete(i);
      ended(i, runPoint(tasks[i], scenario));
      setImmediate(step);
    };
    setImmediate(step);
  });
}
