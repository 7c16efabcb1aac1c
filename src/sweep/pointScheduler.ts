/**
 * Runs the points of `capsim plan` on worker threads, with two kinds of request:
 *
 * - `run(task)`: the search needs this point now (a *demand*);
 * - `hint(stream, tasks)`: the search will probably ask for these points next (a *speculation*).
 *   A speculative task starts only on a worker that no demand is waiting for, and a stream's
 *   new hints replace its hints that have not started yet.
 *
 * The plan's search asks for one point at a time per option, so without hints a worker often
 * idles. Every run, demanded or speculative, is kept by its task (a task determines its outcome:
 * results depend only on the task, never on the thread or the timing), so when the search later
 * asks for a speculated point it gets the outcome at once, or joins the run under way. What a
 * search reads is therefore exactly what it would read had it run every point itself, in order;
 * speculation changes only when the answers arrive (src/sweep/planEvaluator.ts).
 *
 * Dispatch waits for one turn of the event loop after each run ends, so that a search which was
 * waiting for that run can ask for its next point before a speculative task takes the worker.
 */
import { Piscina } from 'piscina';
import { runPoint, type PointOutcome, type PointTask } from './runPoint.js';
import { cappedWorkers } from './workerCap.js';

/** One point run, kept by its task. */
interface Entry {
  readonly task: PointTask;
  readonly outcome: Promise<PointOutcome>;
  readonly settle: (run: Promise<PointOutcome>) => void;
  state: 'queued' | 'running' | 'done';
  /** A search has asked for it (never withdrawn then). */
  demanded: boolean;
  /** The hinting stream, while only hinted. */
  stream: object | null;
  /** Order among speculative tasks: lower starts first. */
  rank: number;
}

/** What happened to a point, for a caller that wants to see the schedule (bench, tests). */
export interface SchedulerEvent {
  readonly event: 'start' | 'end';
  readonly key: string;
  /** Demanded when it started (`start`), or hinted only. */
  readonly speculative: boolean;
}

/**
 * The compiled worker. Under the TypeScript sources (tests run src/ through vitest) the worker
 * is taken from dist/, which `npx tsc -p tsconfig.build.json` writes.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/sweep/worker.js', here) : new URL('./worker.js', here);
}

/** The key of a task: every field that decides its outcome. */
export const taskKey = (task: PointTask): string => JSON.stringify([task.file, task.set, task.seed ?? null, task.replications, task.runDir, task.stopOnMiss ?? null]);

/**
 * A scheduler on `requested` worker threads (capped by workerCap.ts); 1 runs points in-process,
 * one per turn of the event loop, and never speculates (there is no idle worker to use).
 */
export function createPointScheduler(requested: number, onEvent?: (e: SchedulerEvent) => void): PointScheduler {
  const workers = cappedWorkers(requested);
  if (workers <= 1) {
    return new PointScheduler(1, (task) => new Promise((resolve) => setImmediate(() => resolve(runPoint(task)))), async () => {}, onEvent);
  }
  const pool = new Piscina<PointTask, PointOutcome>({ filename: workerUrl().href, minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
  return new PointScheduler(workers, (task) => pool.run(task), () => pool.destroy(), onEvent);
}

export class PointScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly demands: Entry[] = [];
  private running = 0;
  private nextRank = 0;
  private pumping = false;

  /**
   * @param workers how many tasks run at once; with 1, hints are ignored
   * @param runTask runs one task (on a worker thread)
   * @param closePool stops the threads
   * @param onEvent called as points start and end
   */
  constructor(
    readonly workers: number,
    private readonly runTask: (task: PointTask) => Promise<PointOutcome>,
    private readonly closePool: () => Promise<void>,
    private readonly onEvent?: (e: SchedulerEvent) => void,
  ) {}

  /** The outcome of `task`: a run already made or under way, or a new one at demand priority. */
  run(task: PointTask): Promise<PointOutcome> {
    const key = taskKey(task);
    let entry = this.entries.get(key);
    if (!entry) entry = this.add(key, task);
    if (!entry.demanded) {
      entry.demanded = true;
      entry.stream = null;
      if (entry.state === 'queued') this.demands.push(entry);
      this.pump();
    }
    return entry.outcome;
  }

  /**
   * The points `stream` will probably ask for next, most likely first. Replaces the stream's
   * earlier hints that have not started; hints of tasks already run, running or demanded change
   * nothing.
   */
  hint(stream: object, tasks: readonly PointTask[]): void {
    if (this.workers <= 1) return;
    const wanted = new Set(tasks.map(taskKey));
    for (const [key, entry] of this.entries) {
      if (entry.stream === stream && entry.state === 'queued' && !wanted.has(key)) this.entries.delete(key);
    }
    for (const task of tasks) {
      const key = taskKey(task);
      const entry = this.entries.get(key) ?? this.add(key, task);
      if (entry.state === 'queued' && !entry.demanded) {
        entry.stream = stream;
        entry.rank = this.nextRank++;
      }
    }
    this.pump();
  }

  /** Drops every hint of `stream` that has not started. */
  withdraw(stream: object): void {
    this.hint(stream, []);
  }

  async close(): Promise<void> {
    await this.closePool();
  }

  private add(key: string, task: PointTask): Entry {
    let settle!: (run: Promise<PointOutcome>) => void;
    const outcome = new Promise<PointOutcome>((resolve) => (settle = resolve));
    // A hinted run nobody asks for must not be an unhandled rejection (a worker thread died).
    outcome.catch(() => {});
    const entry: Entry = { task, outcome, settle, state: 'queued', demanded: false, stream: null, rank: 0 };
    this.entries.set(key, entry);
    return entry;
  }

  /** Starts queued tasks on free workers at the next turn of the event loop. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.workers) {
      const entry = this.demands.shift() ?? this.nextHinted();
      if (entry === undefined) return;
      if (entry.state !== 'queued') continue;
      this.start(entry);
    }
  }

  private nextHinted(): Entry | undefined {
    let best: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.state === 'queued' && !entry.demanded && entry.stream !== null && (best === undefined || entry.rank < best.rank)) best = entry;
    }
    return best;
  }

  private start(entry: Entry): void {
    entry.state = 'running';
    entry.stream = null;
    this.running++;
    const key = taskKey(entry.task);
    this.onEvent?.({ event: 'start', key, speculative: !entry.demanded });
    const run = this.runTask(entry.task);
    entry.settle(run);
    const ended = () => {
      entry.state = 'done';
      this.running--;
      this.onEvent?.({ event: 'end', key, speculative: !entry.demanded });
      this.pump();
    };
    run.then(ended, ended);
  }
}
