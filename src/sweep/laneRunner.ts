/**
 * Runs a fixed list of sweep points on `workers` lanes: this thread and `workers - 1` worker
 * threads. Every lane takes its next point itself (takePoint, under a lock in shared memory), so a
 * thread never waits for this one to hand it work (this thread is busy simulating in between), and
 * no lane waits for another to start: this thread begins at once while the threads boot (each
 * loads the modules, a fraction of a second), and a thread that finds nothing left simply ends.
 * A sweep of a few short points thus costs what one worker costs; a long one uses every lane.
 * The lanes take the points as a Dispatch says (src/sweep/dispatchOrder.ts: the head in order, the
 * tail as takeNext chooses from what every lane is running and since when), which this thread
 * works out while the threads boot; the workloads it loaded for that go to every lane, so a thread
 * does not parse them again (its first parse, cold, costs ~0.14 CPU s). Results depend only on
 * the task, never on which lane ran it or when (a workload is plain data: a thread's copy
 * simulates the same as the original); only which lane takes which point depends on the clock.
 */
import { Worker } from 'node:worker_threads';
import { fixedOrder, takeNext, type Dispatch, type LaneNow } from './dispatchOrder.js';
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';

/** What a lane thread is given (src/sweep/laneWorker.ts). */
export interface LaneData {
  readonly tasks: readonly PointTask[];
  /** Int32Array over it, see the constants below. */
  readonly shared: SharedArrayBuffer;
  /** Float64Array over it: the sweep's start, then per lane since when it runs its point (ms, absolute). */
  readonly clock: SharedArrayBuffer;
  /** This lane (0 is this thread's) and how many there are. */
  readonly lane: number;
  readonly lanes: number;
}

/** In LaneData.shared: 0, or 1 while a lane takes a point. */
export const LOCK = 0;
/** In LaneData.shared: the next position of the Dispatch's order to take, while before its tail. */
export const NEXT = 1;
/**
 * In LaneData.shared: 0 until the Dispatch is made, then 1; the lane threads have then been posted
 * it (read with receiveMessageOnPort).
 */
export const READY = 2;
/** In LaneData.shared: from here on, per lane, the task it runs (-1: none yet, or none now); then per task, 1 once taken. */
export const LANE_TASK = 3;

/** A lane thread's message: the outcome of task `index`. */
export interface LaneResult {
  readonly index: number;
  readonly outcome: PointOutcome;
}

/** Absolute milliseconds, the same clock in every thread. */
const clockMs = () => performance.timeOrigin + performance.now();

/**
 * The task lane `lane` runs next (-1: none left), marked taken and recorded as the lane's, with
 * the time: the head of `plan.order` in order, then the tail by takeNext.
 */
export function takePoint(plan: Omit<Dispatch, 'loaded'>, data: Omit<LaneData, 'tasks'>): number {
  const control = new Int32Array(data.shared);
  const times = new Float64Array(data.clock);
  const taken = LANE_TASK + data.lanes;
  const nowMs = clockMs();
  while (Atomics.compareExchange(control, LOCK, 0, 1) !== 0); // held for microseconds
  try {
    let task = -1;
    const k = Atomics.load(control, NEXT);
    if (k < plan.tailFrom) {
      task = plan.order[k];
      Atomics.store(control, NEXT, k + 1);
    } else {
      const remaining = plan.order.slice(plan.tailFrom).filter((i) => Atomics.load(control, taken + i) === 0);
      if (remaining.length > 0) {
        const lanes: LaneNow[] = Array.from({ length: data.lanes }, (_, l) => ({ task: Atomics.load(control, LANE_TASK + l), sinceS: (times[1 + l] - times[0]) / 1000 }));
        task = takeNext(remaining, plan.expectedS, data.lane, lanes, (nowMs - times[0]) / 1000);
      }
    }
    if (task >= 0) Atomics.store(control, taken + task, 1);
    Atomics.store(control, LANE_TASK + data.lane, task);
    times[1 + data.lane] = nowMs;
    return task;
  } finally {
    Atomics.store(control, LOCK, 0);
  }
}

/** Lane `lane` has ended its point. */
export function pointEnded(data: Omit<LaneData, 'tasks'>): void {
  Atomics.store(new Int32Array(data.shared), LANE_TASK + data.lane, -1);
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
  const lanes = Math.max(1, Math.min(workers, tasks.length));
  const shared = new SharedArrayBuffer(4 * (LANE_TASK + lanes + tasks.length));
  const clock = new SharedArrayBuffer(8 * (1 + lanes));
  new Int32Array(shared).fill(-1, LANE_TASK, LANE_TASK + lanes);
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
    for (let k = 1; k < lanes; k++) {
      const data: LaneData = { tasks, shared, clock, lane: k, lanes };
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
      plan = dispatch?.(lanes) ?? fixedOrder(tasks.map((_, i) => i));
    } catch (error) {
      finish(error);
      return;
    }
    const loaded = new Map(plan.loaded);
    for (const thread of threads) thread.postMessage({ ...plan, loaded });
    new Float64Array(clock)[0] = clockMs();
    const control = new Int32Array(shared);
    Atomics.store(control, READY, 1);
    Atomics.notify(control, READY);
    // This thread's lane: one point per turn of the event loop, so lane results, progress and
    // row writes are handled in between.
    const lane = { shared, clock, lane: 0, lanes };
    const step = () => {
      if (settled) return;
      const i = takePoint(plan, lane);
      if (i < 0) return;
      const scenario = loaded.get(i);
      loaded.delete(i);
      const outcome = runPoint(tasks[i], scenario);
      pointEnded(lane);
      ended(i, outcome);
      setImmediate(step);
    };
    setImmediate(step);
  });
}
