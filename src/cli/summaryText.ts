import type { Scenario } from '../workload/scenario.js';
import type { HourRow, Summary } from '../metrics/results.js';

const usd = (x: number) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const msText = (x: number | null) => (x === null ? '-' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);

/** The short human summary `capsim run` prints: costs, p99s against each SLO, the verdict. */
export function formatRunSummary(scenario: Scenario, s: Summary, hourly: readonly HourRow[], out: string): string {
  const lines: string[] = [];
  const fleet = scenario.pools.map((p) => `${p.gpus} x ${p.gpu.name} (${p.model.name}, TP${p.gpusPerReplica})`).join(' + ');
  lines.push(`capsim: ${scenario.name} — ${s.hours} h, seed ${s.seed}${fleet ? `, ${fleet}` : ''}`);
  lines.push(
    `requests ${s.requests.toLocaleString('en-US')}: completed ${s.completed.toLocaleString('en-US')}, dropped ${s.dropped.toLocaleString('en-US')}` +
      (s.cache_hits ? `, cache hits ${s.cache_hits.toLocaleString('en-US')}` : '') +
      (s.api_requests ? `, via API ${s.api_requests.toLocaleString('en-US')}` : '') +
      (s.preemptions ? `, preemptions ${s.preemptions.toLocaleString('en-US')}` : ''),
  );
  const b = s.cost_breakdown;
  lines.push(
    `cost ${usd(s.cost_per_hour)}/h, ${usd(s.cost_per_hour * 24)}/day, ${usd(s.cost_per_hour * 730)}/month (730 h), ` +
      `${s.cost_per_1k_requests === null ? '-' : usd(s.cost_per_1k_requests)} per 1k requests`,
  );
  lines.push(
    `  gpu ${usd(b.gpu_cost)}  energy ${usd(b.energy_cost)}  api ${usd(b.api_cost)}  cache ${usd(b.cache_cost)}  other ${usd(b.other_cost)}  total ${usd(s.total_cost)}`,
  );
  for (const [name, c] of Object.entries(s.classes)) {
    const parts: string[] = [];
    const check = (label: string, p99: number | null, limit: number | null) => {
      if (limit === null) parts.push(`${label} p99 ${msText(p99)}`);
      else parts.push(`${label} p99 ${msText(p99)} ${p99 !== null && p99 <= limit ? '<=' : '>'} ${msText(limit)}`);
    };
    check('ttft', c.latency.ttft_ms.p99, c.slo.ttft_ms);
    check('tpot', c.latency.tpot_ms.p99, c.slo.tpot_ms);
    check('e2e', c.latency.e2e_ms.p99, c.slo.deadline_ms ?? c.slo.e2e_ms);
    const verdict = c.meets_slo ? 'PASS' : `FAIL (hours ${compactHours(c.hours_missed)})`;
    lines.push(`  ${name}: ${parts.join(', ')}; attainment ${((c.slo_attainment ?? 0) * 100).toFixed(2)}% — ${verdict}`);
  }
  const busiest = hourly.reduce((a, r) => (r.arrivals > a.arrivals ? r : a), hourly[0]);
  if (busiest) lines.push(`busiest hour ${busiest.hour}: ${busiest.arrivals.toLocaleString('en-US')} arrivals, ttft p99 ${msText(busiest.ttft_p99_ms)}, utilization ${(busiest.gpu_utilization * 100).toFixed(0)}%`);
  lines.push(`verdict: ${s.meets_slo ? 'meets every SLO in every hour' : 'misses its SLOs (try `capsim plan`)'}`);
  lines.push(`wrote ${out}/{hourly.csv, hourly_by_class.csv, summary.json, manifest.json}`);
  return `${lines.join('\n')}\n`;
}

function compactHours(hours: readonly number[]): string {
  if (hours.length <= 6) return hours.join(', ');
  return `${hours.slice(0, 5).join(', ')} and ${hours.length - 5} more`;
}
