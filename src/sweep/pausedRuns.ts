/**
 * Runs of `capsim plan` stopped early at a missed hour, kept paused in the thread that ran them
 * (src/sweep/runPoint.ts), so that when the plan later needs the same point in full (its hourly
 * schedule reads every point below an option's answer) the run goes on from where it stopped
 * instead of starting again: a paused run resumed is the run `simulate` gives (simulate.ts
 * `PausedRun`).
 *
 * A paused run holds the whole simulation (its queues, replicas, open hours): at most `capacity`
 * are kept per thread. When full, the run paused earliest in simulated time is dropped (it saves
 * the least: an option searched far past its answer stops at hour 0, a near miss at its peak).
 */
import type { PausedRun } from '../simulate.js';
import type { Scenario } from '../workload/scenario.js';

export interface Paused {
  readonly scenario: Scenario;
  readonly run: PausedRun;
  /** The hour it stopped at (what resuming saves). */
  readonly hour: number;
}

export class PausedRuns {
  private readonly runs = new Map<string, Paused>();

  constructor(readonly capacity: number) {}

  /** Keeps `paused` under `key` (the key of the full task), dropping the least useful when full. */
  keep(key: string, paused: Paused): void {
    if (this.capacity < 1) return;
    this.runs.delete(key);
    if (this.runs.size >= this.capacity) {
      let drop: string | null = null;
      let earliest = Infinity;
      for (const [k, p] of this.runs) {
        if (p.hour < earliest) {
          earliest = p.hour;
          drop = k;
        }
      }
      if (drop !== null && earliest <= paused.hour) this.runs.delete(drop);
      else return; // every kept run saves more than this one
    }
    this.runs.set(key, paused);
  }

  /** The run kept under `key`, no longer kept; or undefined. */
  take(key: string): Paused | undefined {
    const paused = this.runs.get(key);
    this.runs.delete(key);
    return paused;
  }

  /** The keys kept, in the order they were kept. */
  keys(): string[] {
    return [...this.runs.keys()];
  }
}
