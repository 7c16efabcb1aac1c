/**
 * Simulates one sweep point: loads the workload with the point's overrides, runs it once per
 * replication and returns only the figures (what crosses the worker-thread boundary is small).
 * Used by the sweep lanes, the plan's threads and, with `--workers 1`, in-process: same code, same bytes.
 */
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { loadWorkload } from '../workload/load.js';
import { simulate, startSimulation } from '../simulate.js';
import { writeRun } from '../output/runFiles.js';
import { combineReplications, observe, type Observation } from './figures.js';
import { MissedHour, pauseOnMiss, stopOnMiss } from './earlyStop.js';
import type { PausedRuns } from './pausedRuns.js';
import { replicationSeed } from './replicationSeed.js';
import type { Scenario } from '../workload/scenario.js';

export interface PointTask {
  /** Absolute path of the workload file. */
  readonly file: string;
  /** The user's `--set` flags, then the point's. */
  readonly set: readonly string[];
  /** `--seed`, when given. */
  readonly seed?: number;
  /** 0: one run with the workload's seed and no confidence intervals; R >= 1: R replications. */
  readonly replications: number;
  /** `--keep-runs`: write the run's files here (with replications, under r<k>/). */
  readonly runDir: string | null;
  /**
   * Pass/fail only (`capsim plan`): stop at the first closed hour in which one of these classes
   * (`'any'`: every class) misses its SLO, and report the point as `stopped` (src/sweep/earlyStop.ts).
   * A point that does not miss runs to the end and gives the same outcome as without this.
   */
  readonly stopOnMiss?: 'any' | readonly string[];
}

export type PointOutcome =
  | ({ readonly ok: true } & Observation)
  | { readonly ok: false; readonly kind: 'input' | 'internal'; readonly message: string }
  | StoppedOutcome;

/** A point stopped early: it misses its SLO (`PointTask.stopOnMiss`); no figures. */
export interface StoppedOutcome {
  readonly ok: false;
  readonly kind: 'stopped';
  /** The closed hour (0-based) that missed, the class that missed it, and the replication (0 without). */
  readonly hour: number;
  readonly className: string;
  readonly replication: number;
  /**
   * The hours that had closed meeting the SLO of every watched class when the run stopped
   * (ascending; MissedHour.hoursMet). Empty with several replications: an hour meets only when it
   * meets in each, and the later ones were not run.
   */
  readonly hoursMet: readonly number[];
  readonly message: string;
}

/** The key of a task: every field that decides its outcome. */
export const taskKey = (task: PointTask): string => JSON.stringify([task.file, task.set, task.seed ?? null, task.replications, task.runDir, task.stopOnMiss ?? null]);

/** The key of the full run of a task (the same point without stopOnMiss). */
export const fullTaskKey = (task: PointTask): string => taskKey({ ...task, stopOnMiss: undefined });

/**
 * @param loaded the task's workload, when the caller has loaded it already (same file, set and
 *   seed: the same scenario `runPoint` would load)
 * @param paused this thread's paused runs (capsim plan): a stopped run of one replication without
 *   run files is kept there, and a full task whose stopped run is there resumes it
 */
export function runPoint(task: PointTask, loaded?: Scenario, paused?: PausedRuns): PointOutcome {
  if (paused !== undefined && task.replications === 0 && task.runDir === null) {
    try {
      const outcome = pausingRun(task, paused, loaded);
      if (outcome !== null) return outcome;
    } catch (error) {
      return failed(error);
    }
  }
  try {
    const base = loaded ?? loadWorkload(task.file, { set: task.set, seed: task.seed });
    const n = Math.max(1, task.replications);
    const runs: Observation[] = [];
    for (let r = 0; r < n; r++) {
      const scenario = r === 0 ? base : loadWorkload(task.file, { set: task.set, seed: replicationSeed(base.seed, r) });
      let run;
      try {
        run = simulate(scenario, task.stopOnMiss === undefined ? {} : { onHourClosed: stopOnMiss(scenario, task.stopOnMiss) });
      } catch (error) {
        if (!(error instanceof MissedHour)) throw error;
        const message = `${error.message}${task.replications > 0 ? ` in replication ${r}` : ''}: stopped there`;
        const hoursMet = n === 1 ? error.hoursMet : [];
        return { ok: false, kind: 'stopped', hour: error.hour, className: error.className, replication: r, hoursMet, message };
      }
      if (task.runDir !== null) writeRun(n > 1 ? join(task.runDir, `r${r}`) : task.runDir, scenario, run);
      runs.push(observe(scenario, run));
    }
    return { ok: true, ...(task.replications > 0 ? combineReplications(runs) : runs[0]) };
  } catch (error) {
    return failed(error);
  }
}

function failed(error: unknown): PointOutcome {
  const kind = error instanceof InputError ? 'input' : 'internal';
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ');
  return { ok: false, kind, message };
}

/**
 * One replication, no run files: a full task resumes its paused run when this thread keeps one;
 * a stopOnMiss task pauses at the first missed hour and is kept. null: neither applies (a full
 * task with nothing kept), run as usual.
 */
function pausingRun(task: PointTask, paused: PausedRuns, loaded?: Scenario): PointOutcome | null {
  if (task.stopOnMiss === undefined) {
    const kept = paused.take(fullTaskKey(task));
    if (kept === undefined) return null;
    let run = kept.run.resume();
    while ('resume' in run) run = run.resume();
    return { ok: true, ...observe(kept.scenario, run) };
  }
  const scenario = loaded ?? loadWorkload(task.file, { set: task.set, seed: task.seed });
  const watcher = pauseOnMiss(scenario, task.stopOnMiss);
  const run = startSimulation(scenario, { onHourClosed: watcher.onHourClosed });
  if ('resume' in run) {
    const missed = watcher.missed!;
    paused.keep(fullTaskKey(task), { scenario, run, hour: missed.hour });
    return { ok: false, kind: 'stopped', hour: missed.hour, className: missed.className, replication: 0, hoursMet: missed.hoursMet, message: `${missed.message}: stopped there` };
  }
  return { ok: true, ...observe(scenario, run) };
}
