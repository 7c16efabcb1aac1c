/**
 * Runs a fixed list of sweep points on `workers` lanes: this thread and `workers - 1` worker
 * threads. Every lane takes the next point itself from a shared atomic counter, so a thread
 * never waits for this one to hand it work (this thread is busy simulating in between), and no
 * lane waits for another to start: this thread begins at once while the threads boot (each
 * loads the modules, a fraction of a second), and a thread that finds nothing left simply ends.
 * A sweep of a few short points thus costs what one worker costs; a long one uses every lane.
 * Results depend only on the task, never on which lane ran it.
 *
 * The threads can be started before their tasks are known (startLaneThreads): the command
 * starts them before it loads the workload (cold, a few tenths of a second), so that their own
 * start overlaps it, and each loads the workload once while it waits (its first point would
 * otherwise load it cold).
 */
import { Worker } from 'node:worker_threads';
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';
import type { Scenario } from '../workload/scenario.js';

/** What a lane thread is sent, once (src/sweep/laneWorker.ts). */
export interface LaneData {
  readonly tasks: readonly PointTask[];
  /** Int32Array over it: [0] the next task index to take. */
  readonly next: SharedArrayBuffer;
}

/** What a lane thread starts with: a workload to load while it waits for its tasks, or null. */
export interface LaneWarmUp {
  readonly warm: { readonly file: string; readonly set: readonly string[]; readonly seed?: number } | null;
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

/** Lane threads started ahead of their tasks; runLanes takes them, `close` stops those it did not. */
export interface LaneThreads {
  /** Threads not yet taken, each with the error it failed with before being taken (or null). */
  readonly idle: { readonly thread: Worker; failed: unknown }[];
  close(): void;
}

/**
 * Starts `count` lane threads now. They hold the process open only once runLanes gives them
 * tasks; `close` stops the ones it has not taken (call it when the sweep does not run).
 * @param warm a workload each thread loads while it waits (the sweep's first point), or null
 */
export function startLaneThreads(count: number, warm: LaneWarmUp['warm']): LaneThreads {
  const idle = Array.from({ length: Math.max(0, count) }, () => {
    const thread = new Worker(laneWorkerUrl(), { workerData: { warm } satisfies LaneWarmUp });
    const lane = { thread, failed: null as unknown };
    thread.on('error', (error) => (lane.failed ??= error));
    thread.on('exit', (code) => (lane.failed ??= new Error(`sweep worker thread exited with code ${code}`)));
    thread.unref();
    return lane;
  });
  return {
    idle,
    close: () => {
      for (const { thread } of idle.splice(0)) void thread.terminate();
    },
  };
}

/**
 * Runs every task once, on `workers` lanes (1: this thread only), calling `onOutcome` as each
 * ends (in completion order). `loaded[i]`, when given, is task i's workload already loaded
 * (this thread's lane then does not load it again). `started`: threads to take before starting new
 * ones (those not needed are stopped). Resolves when all have ended; rejects, stopping every
 * lane, if a lane thread dies or `onOutcome` throws or returns a promise that rejects (a row
 * write failed).
 */
export function runLanes(
  tasks: readonly PointTask[],
  workers: number,
  onOutcome: (index: number, outcome: PointOutcome) => void | Promise<void>,
  loaded?: readonly (Scenario | null)[],
  started?: LaneThreads,
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
      started?.close();
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
    const data: LaneData = { tasks, next };
    for (let k = 1; k < lanes; k++) {
      const early = started?.idle.shift();
      const thread = early?.thread ?? new Worker(laneWorkerUrl(), { workerData: { warm: null } satisfies LaneWarmUp });
      threads.push(thread);
      if (early?.failed != null) {
        finish(early.failed);
        return;
      }
      thread.ref();
      thread.on('message', (m: LaneResult) => ended(m.index, m.outcome));
      thread.on('error', (error) => finish(error));
      thread.on('exit', (code) => {
        if (code !== 0 && !settled) finish(new Error(`sweep worker thread exited with code ${code}`));
      });
      thread.postMessage(data);
    }
    started?.close(); // more than there are lanes for
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
