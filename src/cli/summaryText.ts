import { headroomAdvice, type PeakWording } from '../metrics/headroom.js';
import type { Scenario } from '../workload/scenario.js';
import type { HourRow, Summary } from '../metrics/results.js';
import { count, duration as msText, HOURS_PER_MONTH, percent, usd } from '../report/format.js';

export interface SummaryTextOptions {
  /** Files written beside the four of every run (e.g. report.html). */
  extraFiles?: readonly string[];
  /** hourly_by_class rows: give each class its worst hour, and let the advice name the class, metric and hour that missed. */
  hourlyByClass?: readonly ClassLatencies[];
}

/** What the advice reads of an hourly_by_class row. */
type ClassLatencies = Pick<HourRow, 'hour' | 'class' | 'ttft_p99_ms' | 'tpot_p99_ms' | 'e2e_p99_ms'>;


/** The summary's name for the hour of the largest mean batch (the report's "peak hour"). */
const LARGEST_BATCH: PeakWording = { reference: 'the largest hourly mean batch', label: 'largest in hour' };

/**
 * The human summary `capsim run` prints: a cost table (per hour, day, month of 730 h and per 1k
 * requests, by category), each class's whole-run p99s against its SLO with PASS/FAIL and, under
 * it, the class's worst hour (the verdict is decided hour by hour, so that hour is the binding
 * figure), the busiest hour (most arrivals), one line of advice when the SLO is missed or the
 * fleet idles, and the verdict.
 */
export function formatRunSummary(
  scenario: Scenario,
  s: Summary,
  hourly: readonly HourRow[],
  out: string,
  options: SummaryTextOptions = {},
): string {
  const lines: string[] = [];
  const perReplica = (n: number) => `${n} GPU${n === 1 ? '' : 's'}/replica`;
  const fleet = scenario.pools.map((p) => {
    const d = p.disaggregation;
    if (d === undefined) return `${p.gpus} x ${p.gpu.name} (${p.model.name}, ${perReplica(p.gpusPerReplica)})`;
    const role = (r: typeof d.prefill) => `${r.gpus} x ${r.gpu.name} ${r.role} (${perReplica(r.gpusPerReplica)})`;
    return `${role(d.prefill)} + ${role(d.decode)} (${p.model.name}, disaggregated)`;
  }).join(' + ');
  lines.push(`capsim: ${scenario.name} — ${s.hours} h, seed ${s.seed}${fleet ? `, ${fleet}` : ''}`);
  lines.push(
    `requests ${count(s.requests)}: completed ${count(s.completed)}, dropped ${count(s.dropped)}${dropReasons(s)}` +
      (s.cache_hits ? `, cache hits ${count(s.cache_hits)}` : '') +
      (s.api_requests ? `, via API ${count(s.api_requests)}` : '') +
      (s.preemptions ? `, preemptions ${count(s.preemptions)}` : ''),
  );
  const sessions = s.sessions;
  if (sessions !== undefined) {
    lines.push(
      `sessions ${count(sessions.started)}: ${count(sessions.turns)} turns, context carried ${percent(sessions.carried_share, 0)} of prompt tokens, ` +
        `prefix-cache hits ${percent(sessions.prefix_hit_share, 0)}` +
        (sessions.affinity_kept_share !== null ? `, affinity kept ${percent(sessions.affinity_kept_share, 0)}` : '') +
        (sessions.truncated_turns ? `, cut to the context length ${count(sessions.truncated_turns)}` : '') +
        (sessions.abandoned ? `, abandoned ${count(sessions.abandoned)}` : ''),
    );
  }
  lines.push('', ...costTable(s), '', ...classTable(s, options.hourlyByClass ?? []), '');

  const busiest = hourly.reduce<HourRow | undefined>((a, r) => (a === undefined || r.arrivals > a.arrivals ? r : a), undefined);
  if (busiest) {
    lines.push(`busiest hour (most arrivals) ${busiest.hour}: ${count(busiest.arrivals)} arrivals, p99 TTFT ${msText(busiest.ttft_p99_ms)} over all classes, GPU utilization ${percent(busiest.gpu_utilization, 0)}, ${usd(busiest.total_cost)}`);
  }
  const advice = adviceLine(s, hourly, options.hourlyByClass ?? []);
  if (advice) lines.push(`advice: ${advice}`);
  lines.push(`verdict: ${s.meets_slo ? 'PASS, every class meets its SLO in every hour' : 'FAIL, misses its SLOs'}`);
  const files = ['hourly.csv', 'hourly_by_class.csv', 'summary.json', 'manifest.json', ...(options.extraFiles ?? [])];
  lines.push(`wrote ${out}/{${files.join(', ')}}`);
  return `${lines.join('\n')}\n`;
}

/** Columns padded to a common width: the first and `leftLast` the last left-aligned, numbers right-aligned. */
function table(rows: readonly (readonly string[])[], leftLast = false): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const last = rows[0].length - 1;
  const left = (c: number) => c === 0 || (leftLast && c === last);
  return rows.map((r) => `  ${r.map((cell, c) => (left(c) ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`.trimEnd());
}

function costTable(s: Summary): string[] {
  const horizonHours = s.cost_per_hour > 0 ? s.total_cost / s.cost_per_hour : s.hours;
  const perHour = (x: number) => (horizonHours > 0 ? x / horizonHours : 0);
  const per1k = (x: number) => (s.completed > 0 ? usd((x / s.completed) * 1000) : '-');
  const b = s.cost_breakdown;
  const categories: [string, number][] = [
    ['gpu', b.gpu_cost],
    ['energy', b.energy_cost],
    ['api', b.api_cost],
    ['cache', b.cache_cost],
    ['other', b.other_cost],
  ];
  const row = (label: string, x: number) => [label, usd(perHour(x)), usd(perHour(x) * 24), usd(perHour(x) * HOURS_PER_MONTH), per1k(x)];
  return table([
    ['cost', 'per hour', 'per day', `per month (${HOURS_PER_MONTH} h)`, 'per 1k requests'],
    ...categories.filter(([, x]) => x !== 0).map(([label, x]) => row(label, x)),
    row('total', s.total_cost),
  ]);
}

/**
 * Each class's whole-run p99s against its SLO, and under each class its worst hour (see
 * worstHour): the verdict is per hour, and a whole-run p99 can sit well inside a limit that one
 * hour nearly breaks.
 */
function classTable(s: Summary, hourlyByClass: readonly ClassLatencies[]): string[] {
  const check = (p99: number | null, limit: number | null) => {
    if (limit === null) return msText(p99);
    return `${msText(p99)} ${p99 !== null && p99 <= limit ? '<=' : '>'} ${msText(limit)}`;
  };
  const rows = Object.entries(s.classes).map(([name, c]) => [
    name,
    check(c.latency.ttft_ms.p99, c.slo.ttft_ms),
    check(c.latency.tpot_ms.p99, c.slo.tpot_ms),
    check(c.latency.e2e_ms.p99, c.slo.deadline_ms ?? c.slo.e2e_ms),
    percent(c.slo_attainment),
    c.meets_slo ? 'PASS' : `FAIL (hours ${compactHours(c.hours_missed)})`,
  ]);
  const header = ['class', 'whole-run p99 TTFT', 'whole-run p99 TPOT', 'whole-run p99 E2E', 'within SLO', 'verdict (hourly)'];
  const [head, ...body] = table([header, ...rows], true);
  const names = Object.keys(s.classes);
  return [
    head,
    ...body.flatMap((line, i) => {
      const worst = worstHour(s.classes[names[i]].slo, hourlyByClass.filter((r) => r.class === names[i]));
      return worst === null ? [line] : [line, `    worst hour  ${worst}`];
    }),
  ];
}

/**
 * A class's tightest hour: over its hourly_by_class rows and the metrics it has a limit for, the
 * largest hourly p99 / limit (the one closest to its limit, or furthest over it), as
 * `h12 TTFT 978 ms (98% of 1 s)`; null when the class has no limit or no hourly p99. Ties go to
 * the earlier hour, then TTFT, TPOT, E2E. A ratio that rounds to 100% gets one decimal, so a pass
 * never reads as 100%.
 */
export function worstHour(slo: Summary['classes'][string]['slo'], rows: readonly ClassLatencies[]): string | null {
  const worst = tightestHour(rows, () => slo, false);
  if (worst === null) return null;
  const share = percent(worst.ratio, Math.round(worst.ratio * 100) === 100 && worst.ratio !== 1 ? 1 : 0);
  return `h${worst.hour} ${worst.metric} ${msText(worst.p99)} (${share} of ${msText(worst.limit)})`;
}

/** One hourly p99 against its class's limit: what worstHour and adviceLine name. */
interface HourAgainstLimit {
  ratio: number;
  row: ClassLatencies;
  hour: number;
  metric: 'TTFT' | 'TPOT' | 'E2E';
  p99: number;
  limit: number;
}

/**
 * The largest hourly p99 / limit over `rows` and the metrics with a limit: TTFT, TPOT and E2E
 * (against the deadline when the class has one, else its e2e limit). `sloOf` gives a row's
 * limits, or null to skip the row. With `missesOnly` only p99s over their limit count; without
 * it every p99 whose limit is > 0. Ties go to the first row in `rows` order, then TTFT, TPOT,
 * E2E (a later candidate must be strictly larger). Null when nothing counts.
 */
function tightestHour(
  rows: readonly ClassLatencies[],
  sloOf: (r: ClassLatencies) => Summary['classes'][string]['slo'] | null,
  missesOnly: boolean,
): HourAgainstLimit | null {
  let worst: HourAgainstLimit | null = null;
  for (const r of rows) {
    const slo = sloOf(r);
    if (slo === null) continue;
    const candidates: [HourAgainstLimit['metric'], number | null, number | null][] = [
      ['TTFT', r.ttft_p99_ms, slo.ttft_ms],
      ['TPOT', r.tpot_p99_ms, slo.tpot_ms],
      ['E2E', r.e2e_p99_ms, slo.deadline_ms ?? slo.e2e_ms],
    ];
    for (const [metric, p99, limit] of candidates) {
      if (p99 === null || limit === null || (missesOnly ? p99 <= limit : limit <= 0)) continue;
      const ratio = p99 / limit;
      if (worst === null || ratio > worst.ratio) worst = { ratio, row: r, hour: r.hour, metric, p99, limit };
    }
  }
  return worst;
}

/**
 * One line of advice: the worst SLO miss (the class, metric and hour where p99 / limit is
 * largest), else spare capacity from the mean batch per hour (see metrics/headroom.ts), else nothing.
 */
export function adviceLine(s: Summary, hourly: readonly HourRow[], hourlyByClass: readonly ClassLatencies[]): string | null {
  if (!s.meets_slo) {
    // Requests too large for a replica's KV memory: more GPUs of the same kind never help.
    const tooLarge = Object.entries(s.classes).find(([, c]) => (c.dropped_by_reason?.kv_memory ?? 0) > 0);
    if (tooLarge) {
      const [name, c] = tooLarge;
      return `${name}: ${count(c.dropped_by_reason.kv_memory)} requests dropped because prompt + output do not fit in one replica's KV memory; more GPUs of this kind cannot help: use a GPU with more memory, a larger gpus_per_replica, or cap the class's prompt_tokens/output_tokens (max)`;
    }
    const worst = tightestHour(hourlyByClass, (r) => {
      const c = r.class === undefined ? undefined : s.classes[r.class];
      return !c || c.meets_slo ? null : c.slo;
    }, true);
    if (worst) return `${worst.row.class} peak-hour p99 ${worst.metric} ${msText(worst.p99)} > ${msText(worst.limit)} in hour ${worst.hour}: try \`capsim plan\``;
    const failing = Object.entries(s.classes).find(([, c]) => !c.meets_slo);
    if (failing) {
      const [name, c] = failing;
      const dropped = c.requests > 0 ? c.dropped / c.requests : 0;
      return `${name} misses its SLO in hour${c.hours_missed.length === 1 ? '' : 's'} ${compactHours(c.hours_missed)}${dropped > 0 ? ` (${percent(dropped)} dropped)` : ''}: try \`capsim plan\``;
    }
  }
  return headroomAdvice(hourly, LARGEST_BATCH);
}

/** ` (queue time 3, KV memory 2)`: why requests were dropped, when any were. */
function dropReasons(s: Summary): string {
  const by = s.dropped_by_reason;
  if (!by || s.dropped === 0) return '';
  const parts = [
    by.queue_time > 0 ? `queue time ${count(by.queue_time)}` : null,
    by.kv_memory > 0 ? `too large for KV memory ${count(by.kv_memory)}` : null,
    by.api_limit > 0 ? `API rate limit ${count(by.api_limit)}` : null,
  ].filter((p) => p !== null);
  return ` (${parts.join(', ')})`;
}

function compactHours(hours: readonly number[]): string {
  if (hours.length <= 6) return hours.join(', ');
  return `${hours.slice(0, 5).join(', ')} and ${hours.length - 5} more`;
}
