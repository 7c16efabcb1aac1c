/**
 * Values that are valid but probably not what the user meant, found after a workload resolves:
 * the run goes ahead, the CLI prints each on stderr (`capsim: warning: ...`, even with --quiet) and
 * the exit code does not change. docs/workload.md ("Warnings") lists them:
 *
 * - a latency limit written as a bare number is seconds: `slo: {ttft: 800}` is 800 s. A bare
 *   `ttft` above 60 s or `tpot` above 2 s is most likely milliseconds written without the unit
 *   (`e2e` is not checked: minutes-long answers exist);
 * - `traffic.rate` above 10,000 requests/s (864 million a day): most likely a daily count;
 * - a run that will simulate more than 50 million requests (estimate.ts), with the estimate and
 *   the expected wall time, so that a five-hour run is never started by accident.
 */
import type { Problem } from './problems.js';
import type { Scenario } from './scenario.js';
import { estimateRun, human, wallRange } from './estimate.js';

/** A bare `ttft` above this many seconds is warned about. */
export const BARE_TTFT_MAX_S = 60;
/** A bare `tpot` above this many seconds is warned about. */
export const BARE_TPOT_MAX_S = 2;
/** Requests per second above which `traffic.rate` is warned about. */
export const RATE_WARN_PER_S = 10_000;
/** Simulated requests above which a run is warned about. */
export const REQUESTS_WARN = 50_000_000;

const DAY_S = 86_400;

/**
 * The warnings of a workload: `data` is the document as given (after `--set`), to tell a bare
 * number from a value with a unit; `scenario` is what it resolved to.
 */
export function workloadWarnings(data: unknown, scenario: Scenario): Problem[] {
  const warnings: Problem[] = [];
  const doc = data as { traffic?: { rate?: unknown; requests_per_day?: unknown }; classes?: unknown[] };

  (Array.isArray(doc.classes) ? doc.classes : []).forEach((c, i) => {
    const slo = (c as { slo?: Record<string, unknown> } | null)?.slo;
    if (slo === null || typeof slo !== 'object') return;
    for (const [key, maxS] of [['ttft', BARE_TTFT_MAX_S], ['tpot', BARE_TPOT_MAX_S]] as const) {
      const v = slo[key];
      if (typeof v !== 'number' || v <= maxS) continue;
      const what = key === 'tpot' ? 'seconds per output token' : 'seconds';
      warnings.push({
        path: ['classes', i, 'slo', key],
        message: `${v} has no unit, so it is ${v} ${what} (${key} limits above ${maxS} s are unusual); did you mean ${v}ms? Write the unit: ${v}ms or ${v}s`,
      });
    }
  });

  const t = scenario.traffic;
  if (t.arrival !== 'closed' && t.ratePerS > RATE_WARN_PER_S) {
    const perDay = t.ratePerS * DAY_S;
    const given = doc.traffic?.requests_per_day !== undefined && doc.traffic?.rate === undefined;
    warnings.push(given
      ? { path: ['traffic', 'requests_per_day'], message: `${doc.traffic?.requests_per_day} a day is ${human(t.ratePerS)} requests per second (more than ${human(RATE_WARN_PER_S)}/s); check the number` }
      : {
          path: ['traffic', 'rate'],
          message: `${t.ratePerS} requests per second is ${human(perDay)} a day (more than ${human(RATE_WARN_PER_S)}/s); if ${t.ratePerS} is a daily count, write requests_per_day: ${t.ratePerS} (${Number((t.ratePerS / DAY_S).toPrecision(3))} per second)`,
        });
  }

  const e = estimateRun(scenario);
  if (e.requests !== null && e.requests > REQUESTS_WARN && e.wallS !== null) {
    warnings.push({
      path: [],
      message:
        `this run will simulate ${e.requestsUpperBound ? 'up to' : 'about'} ${human(e.requests)} requests (${human(e.events ?? 0)} events), ` +
        `which takes about ${wallRange(e.wallS)} on one core; try a shorter duration first (--set duration=1h), or see the estimate with capsim run --dry-run`,
    });
  }
  return warnings;
}
