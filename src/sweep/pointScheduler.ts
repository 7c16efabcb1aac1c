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
import { Worker } from 'node:worker_threads';
import { PausedRuns } from './pausedRuns.js';
import { isStopped } from './planSearch.js';
import { runPoint, taskKey, type PointOutcome, type PointTask } from './runPoint.js';
import { cappedWorkers } from './workerCap.js';

/** One point run, kept by its task. */
interface Entry {
  readonly task: PointTask;
  readonly key: string;
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
  /** The lane that ran it, and whether it resumed a paused run there. */
  readonly lane: number;
  readonly resumed: boolean;
}

/** A lane's answer: the outcome, and the keys of the full runs it now keeps paused. */
export interface LaneReply {
  readonly outcome: PointOutcome;
  readonly held: readonly string[];
}

/** Where points run: a worker thread, or this thread. One point at a time. */
export interface Lane {
  run(task: PointTask): Promise<LaneReply>;
  close(): Promise<void>;
}

/**
 * Paused runs a thread keeps (src/sweep/pausedRuns.ts). A paused day of the bundled chatbot on a
 * few GPUs holds tens of MB; 8 stay well inside a thread's share of memory (workerCap.ts).
 */
export const PAUSED_PER_THREAD = 8;

/**
 * The compiled worker. Under the TypeScript sources (tests run src/ through vitest) the worker
 * is taken from dist/, which `npx tsc -p tsconfig.build.json` writes.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/sweep/planWorker.js', here) : new URL('./planWorker.js', here);
}

/** A worker thread running planWorker.ts: one task at a time, answered in order. */
function threadLane(): Lane {
  const thread = new Worker(workerUrl());
  let waiting: { resolve: (r: LaneReply) => void; reject: (e: unknown) => void } | null = null;
  let broken: unknown = null;
  const fail = (error: unknown) => {
    broken ??= error;
    waiting?.reject(error);
    waiting = null;
  };
  thread.on('message', (reply: LaneReply) => {
    const w = waiting;
    waiting = null;
    w?.resolve(reply);
  });
  thread.on('error', fail);
  thread.on('exit', (code) => fail(new Error(`plan worker thread exited with code ${code}`)));
  return {
    run: (task) =>
      new Promise<LaneReply>((resolve, reject) => {
        if (broken !== null) return reject(broken);
        waiting = { resolve, reject };
        thread.postMessage(task);
      }),
    close: async () => {
      await thread.terminate();
    },
  };
}

/** This thread: one point per turn of the event loop. */
function inProcessLane(): Lane {
  const paused = new PausedRuns(PAUSED_PER_THREAD);
  return {
    run: (task) => new Promise((resolve) => setImmediate(() => resolve({ outcome: runPoint(task, undefined, paused), held: paused.keys() }))),
    close: async () => {},
  };
}

/**
 * A scheduler on `requested` worker threads (capped by workerCap.ts); 1 runs points in-process,
 * one per turn of the event loop, and never speculates (there is no idle worker to use).
 */
export function createPointScheduler(requested: number, onEvent?: (e: SchedulerEvent) => void): PointScheduler {
  const workers = cappedWorkers(requested);
  const lanes = workers <= 1 ? [inProcessLane()] : Array.from({ length: workers }, threadLane);
  return new PointScheduler(lanes, onEvent);
}

/**
 * Dispatch, for each free lane, the first of: a demand whose paused run this lane keeps; a demand
 * no lane keeps; a hint this lane keeps; a hint no lane keeps; a demand kept by a busy lane (run
 * from the start here rather than wait). A kept run is thus resumed where it is, and a lane never
 * idles while a demand waits.
 */
export class PointScheduler {
  readonly workers: number;
  private readonly entries = new Map<string, Entry>();
  private readonly demands: Entry[] = [];
  private readonly busy: boolean[];
  /** Per lane, the full-run keys of the paused runs it keeps. */
  private readonly held: Set<string>[];
  private nextRank = 0;
  private pumping = false;

  /**
   * @param lanes where points run; with one, hints are ignored
   * @param onEvent called as points start and end
   */
  constructor(
    private readonly lanes: readonly Lane[],
    private readonly onEvent?: (e: SchedulerEvent) => void,
  ) {
    this.workers = lanes.length;
    this.busy = lanes.map(() => false);
    this.held = lanes.map(() => new Set<string>());
  }

  /**
   * The outcome of `task`: a run already made or under way, or a new one at demand priority. A
   * full run whose verdict run (stopOnMiss 'any') has started takes that run's outcome when it did
   * not stop (it ran to the end: the same outcome, src/sweep/earlyStop.ts), else runs, resuming
   * the stopped run where a lane keeps it.
   */
  run(task: PointTask): Promise<PointOutcome> {
    const key = taskKey(task);
    if (task.stopOnMiss === undefined && !this.entries.has(key)) {
      const verdict = this.entries.get(taskKey({ ...task, stopOnMiss: 'any' }));
      if (verdict !== undefined && verdict.state !== 'queued') return verdict.outcome.then((o) => (isStopped(o) ? this.demand(key, task) : o));
    }
    return this.demand(key, task);
  }

  private demand(key: string, task: PointTask): Promise<PointOutcome> {
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
    await Promise.all(this.lanes.map((l) => l.close()));
  }

  private add(key: string, task: PointTask): Entry {
    let settle!: (run: Promise<PointOutcome>) => void;
    const outcome = new Promise<PointOutcome>((resolve) => (settle = resolve));
    // A hinted run nobody asks for must not be an unhandled rejection (a worker thread died).
    outcome.catch(() => {});
    const entry: Entry = { task, key, outcome, settle, state: 'queued', demanded: false, stream: null, rank: 0 };
    this.entries.set(key, entry);
    return entry;
  }

  /** Starts queued tasks on free lanes at the next turn of the event loop. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      this.dispatch();
    });
  }

  /** The lane keeping `key` paused, or -1. */
  private holder(key: string): number {
    return this.held.findIndex((keys) => keys.has(key));
  }

  private dispatch(): void {
    for (let i = this.demands.length - 1; i >= 0; i--) if (this.demands[i].state !== 'queued') this.demands.splice(i, 1);
    for (let lane = 0; lane < this.lanes.length; lane++) {
      if (this.busy[lane]) continue;
      const hints = [...this.entries.values()].filter((e) => e.state === 'queued' && !e.demanded && e.stream !== null).sort((a, b) => a.rank - b.rank);
      const kept = (e: Entry) => this.holder(e.key);
      const entry =
        this.demands.find((e) => kept(e) === lane) ??
        this.demands.find((e) => kept(e) < 0) ??
        hints.find((e) => kept(e) === lane) ??
        hints.find((e) => kept(e) < 0) ??
        this.demands.find((e) => this.busy[kept(e)]);
      if (entry === undefined) continue;
      const queued = this.demands.indexOf(entry);
      if (queued >= 0) this.demands.splice(queued, 1);
      this.start(entry, lane);
    }
  }

  private start(entry: Entry, lane: number): void {
    entry.state = 'running';
    entry.stream = null;
    this.busy[lane] = true;
    const resumed = this.held[lane].has(entry.key);
    this.onEvent?.({ event: 'start', key: entry.key, speculative: !entry.demanded, lane, resumed });
    const reply = this.lanes[lane].run(entry.task);
    entry.settle(reply.then((r) => r.outcome));
    const ended = (r?: LaneReply) => {
      entry.state = 'done';
      this.busy[lane] = false;
      if (r !== undefined) this.held[lane] = new Set(r.held);
      this.onEvent?.({ event: 'end', key: entry.key, speculative: !entry.demanded, lane, resumed });
      this.pump();
    };
    reply.then(ended, () => ended());
  }
}
