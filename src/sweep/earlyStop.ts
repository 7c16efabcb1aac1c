/**
 * Early stop for the plan's pass/fail questions: a point whose run has already missed its SLO in
 * a closed hour fails, whatever the later hours do, so its simulation can stop there.
 *
 * Why the verdict is the full run's: a point meets when every class meets in every hour
 * (results.ts: `meets_slo` is true when no class has an hour in `hours_missed`, and hour h of
 * class c is missed when `tallyMeetsSlo(scenario, c, tallies[h][c])` is false). Once hour h has
 * closed (metrics/HourClosing.ts) its tallies are final, so the same test on them now gives the
 * verdict the finished run will give. The test runs on a copy of each tally: `Samples.quantile`
 * sorts its exact values in place, and the finished run would then merge them into the class
 * totals in another order (the running sums, hence the means, could change in the last bit).
 * A tally HourlyMetrics has already closed (its merges done, its samples dropped, its quantiles
 * kept) is judged as it is. Observing never changes a run that is not stopped.
 */
import { Tally } from '../metrics/HourlyMetrics.js';
import { tallyMeetsSlo } from '../metrics/results.js';
import type { Scenario } from '../workload/scenario.js';

/**
 * Thrown from inside `simulate` to abandon a run whose closed hour `hour` missed. `hoursMet`: the
 * hours that closed before it, every watched class meeting its SLO in each (ascending). Hours
 * close in any order (metrics/HourClosing.ts), so an hour before `hour` may be in neither.
 */
export class MissedHour extends Error {
  constructor(
    readonly hour: number,
    readonly className: string,
    readonly hoursMet: readonly number[] = [],
  ) {
    super(`missed its SLO in hour ${hour} (${className})`);
  }
}

/**
 * `SimulateOptions.onHourClosed` that throws MissedHour on the first closed hour in which a
 * watched class (`'any'`: every class) misses its SLO.
 */
export function stopOnMiss(scenario: Scenario, watch: 'any' | readonly string[]): (hour: number, tallies: readonly Tally[]) => void {
  const missed = missedClass(scenario, watch);
  const met: number[] = [];
  return (hour, tallies) => {
    const c = missed(tallies);
    if (c !== null) throw new MissedHour(hour, scenario.classes[c].name, [...met].sort((a, b) => a - b));
    met.push(hour);
  };
}

/**
 * The same watch, pausing instead of throwing (simulate.ts `startSimulation`): the first missed
 * hour is kept in `missed` and the run pauses once the event under way is done; after that it
 * watches no more, so a resumed run goes to the end as a full run.
 */
export function pauseOnMiss(scenario: Scenario, watch: 'any' | readonly string[]): { readonly onHourClosed: (hour: number, tallies: readonly Tally[]) => void | 'pause'; missed: MissedHour | null } {
  const missedIn = missedClass(scenario, watch);
  const met: number[] = [];
  const watcher = {
    missed: null as MissedHour | null,
    onHourClosed: (hour: number, tallies: readonly Tally[]): void | 'pause' => {
      if (watcher.missed !== null) return;
      const c = missedIn(tallies);
      if (c === null) {
        met.push(hour);
        return;
      }
      watcher.missed = new MissedHour(hour, scenario.classes[c].name, [...met].sort((a, b) => a - b));
      return 'pause';
    },
  };
  return watcher;
}

/** The first watched class whose closed hour (its tallies) misses its SLO, or null. */
function missedClass(scenario: Scenario, watch: 'any' | readonly string[]): (tallies: readonly Tally[]) => number | null {
  const watched = scenario.classes.map((c) => watch === 'any' || watch.includes(c.name));
  return (tallies) => {
    for (let c = 0; c < tallies.length; c++) {
      if (!watched[c]) continue;
      // A tally HourlyMetrics has closed keeps its quantiles and is never merged again: no copy.
      const t = tallies[c];
      let judged = t;
      if (!t.closed) {
        judged = new Tally();
        judged.addAll(t);
      }
      if (!tallyMeetsSlo(scenario, c, judged)) return c;
    }
    return null;
  };
}
