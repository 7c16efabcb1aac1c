import type { Scenario } from '../workload/scenario.js';
import { estimateRun, human, REQUESTS_PER_WALL_S, wallRange } from '../workload/estimate.js';
import { jsonNumbers, presentScenario, readableYaml } from './commands/validate.js';

/**
 * `capsim run --dry-run`: the resolved scenario and what running it would take (requests,
 * events, wall time, memory: src/workload/estimate.ts), as text or JSON. Simulates nothing.
 */
export function dryRunText(file: string, scenario: Scenario): string {
  const e = estimateRun(scenario);
  const t = scenario.traffic;
  const horizon = scenario.durationS === null ? 'the trace' : `${human(scenario.durationS / 3600)} h`;
  const factors = [t.dailyProfile && 'daily profile', t.weeklyProfile && 'weekly profile', t.growth && 'growth'].filter(Boolean);
  const how = t.arrival === 'closed'
    ? `active users x ${horizon} / think time ${t.thinkTime?.meanS ?? 0} s, as if every answer were instant`
    : `rate ${Number(t.ratePerS.toPrecision(4))}/s${factors.length > 0 ? ` x ${factors.join(' x ')}` : ''} over ${horizon}`;
  const lines = [
    e.requests === null
      ? t.arrival === 'closed'
        ? `requests: not known before the run (closed loop without think time: users / mean response time per second)`
        : `requests: not known before the run (a trace replayed at its own times: capsim trace stats counts its rows)`
      : `requests: ${e.requestsUpperBound ? 'at most' : 'about'} ${human(e.requests)} (${how})`,
    ...(e.events !== null && e.wallS !== null
      ? [
          `events: about ${human(e.events)}`,
          `wall time: about ${wallRange(e.wallS)} on one core (${human(REQUESTS_PER_WALL_S.slow)} to ${human(REQUESTS_PER_WALL_S.fast)} simulated requests per second, bench/README.md)`,
        ]
      : []),
    `memory: about ${Math.max(1, Math.round(e.memoryBytes / 1024 ** 2))} MB for what grows with the workload`,
  ];
  return `# ${file}: dry run, nothing simulated and no files written. Resolved with every default filled in.\n${readableYaml(presentScenario(scenario))}\n# ${lines.join('\n# ')}\n`;
}

export function dryRunJson(scenario: Scenario): string {
  const e = estimateRun(scenario);
  const estimate = {
    requests: e.requests,
    requests_upper_bound: e.requestsUpperBound,
    events: e.events,
    wall_s: e.wallS,
    memory_bytes: Math.round(e.memoryBytes),
    hours: e.hours,
  };
  return `${JSON.stringify({ dry_run: true, scenario: presentScenario(scenario), estimate }, jsonNumbers, 2)}\n`;
}
