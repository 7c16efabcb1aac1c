/**
 * Runs sweep points on a piscina pool of worker threads, or in-process for one worker.
 * Results depend only on the task, never on which thread ran it.
 */
import { Piscina } from 'piscina';
import { cappedWorkers } from './workerCap.js';
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';

export interface PointRunner {
  run(task: PointTask): Promise<PointOutcome>;
  close(): Promise<void>;
}

/**
 * The compiled worker. Under the TypeScript sources (tests run src/ through vitest) the worker
 * is taken from dist/, which `npx tsc -p tsconfig.build.json` writes.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/sweep/worker.js', here) : new URL('./worker.js', here);
}

/** `workers` threads (1: in-process, no thread start-up), at most maxWorkers(). */
export function createPointRunner(requested: number): PointRunner {
  const workers = cappedWorkers(requested);
  if (workers <= 1) {
    return {
      // Yield to the event loop between points, so progress and row writes interleave.
      run: (task) => new Promise((resolve) => setImmediate(() => resolve(runPoint(task)))),
      close: async () => {},
    };
  }
  const pool = new Piscina<PointTask, PointOutcome>({ filename: workerUrl().href, minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
  return {
    run: (task) => pool.run(task),
    close: () => pool.destroy(),
  };
}
