/**
 * report.html: one self-contained page (inline CSS and SVG, no network) that a FinOps reader can
 * follow: the headline figures first, then where the money goes hour by hour, whether each
 * request class met its latency target, and for a sweep or plan which fleet size is cheapest
 * while meeting the targets. Every part is drawn only when its data file is present.
 */
import { headroomFinding } from '../metrics/headroom.js';
import { basename } from 'node:path';
import type { ClassSummary, DayTotals, Summary } from '../metrics/results.js';
import { cellFlag, cellNumber, type CsvRow } from './readCsv.js';
import type { ManifestInfo, Results } from './readResults.js';
import { count, duration, HOURS_PER_MONTH, percent, usd } from './format.js';
import { escapeXml as esc, lineChart, PALETTE, stackedBars, type ReferenceLine, type Series } from './svg.js';

const COST_LAYERS = [
  { column: 'gpu_cost', name: 'GPUs', color: '#0072B2' },
  { column: 'energy_cost', name: 'Energy', color: '#E69F00' },
  { column: 'api_cost', name: 'Hosted API', color: '#CC79A7' },
  { column: 'cache_cost', name: 'Cache', color: '#009E73' },
  { column: 'other_cost', name: 'Other (fixed, per request, amortized)', color: '#999999' },
] as const;

const WIDE = 1160;
const HALF = 540;

interface Section {
  title: string;
  intro?: string;
  body: string[];
}

/** The whole page for a results folder (run, sweep or plan, or several of them). */
export function reportHtml(results: Results, version: string): string {
  const sections: Section[] = [];
  const name = results.summary?.name ?? results.manifest?.scenario?.name ?? basename(results.dir);
  if (results.summary) sections.push(headlineSection(results.summary, results.hourly));
  if (results.hourly && results.hourly.length > 0) sections.push(...runSections(results));
  const days = results.summary ? daysOf(results.summary) : null;
  if (days !== null) sections.push(byDaySection(days, slosOf(results)));
  if (results.summary) sections.push(classSection(results.summary));
  // plan.csv marks the chosen configuration, so it wins over a sweep.csv in the same folder.
  const plan = results.plan && results.plan.length > 0 ? results.plan : null;
  const grid = plan ?? (results.sweep && results.sweep.length > 0 ? results.sweep : null);
  if (grid) sections.push(gridSection(grid, plan ? 'plan' : 'sweep', slosOf(results)));
  if (results.planSchedule && results.planSchedule.length > 0) sections.push(scheduleSection(results.planSchedule, grid));
  return page(name, provenance(results, version), sections);
}

function page(name: string, provenanceHtml: string, sections: Section[]): string {
  const body = sections
    .map((s) => `<section><h2>${esc(s.title)}</h2>${s.intro ? `<p class="intro">${s.intro}</p>` : ''}${s.body.join('\n')}</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>capsim report: ${esc(name)}</title>
<style>${CSS}</style>
</head>
<body data-charts-ready="pending">
<header><h1>capsim report: ${esc(name)}</h1>${provenanceHtml}</header>
<main>
${body}
</main>
<footer>Written by capsim. Latency figures count the requests that arrived in each hour; cost figures count the money spent in it. Months are ${HOURS_PER_MONTH} hours.</footer>
<script>${READY_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Marks the page when it has rendered: `data-charts-ready` is "true" when every chart has at
 * least one drawn series, else "false"; `data-chart-count` is the number of charts. Headless
 * browser tests read these from the DOM; the page itself needs no script.
 */
const READY_SCRIPT = `(function(){var c=document.querySelectorAll('svg.chart'),ok=c.length>0;c.forEach(function(s){var d=Array.prototype.some.call(s.querySelectorAll('path.series'),function(p){return (p.getAttribute('d')||'').length>0});if(!d){ok=false;s.setAttribute('data-empty','true');}});document.body.setAttribute('data-chart-count',String(c.length));document.body.setAttribute('data-charts-ready',String(ok));})();`;

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}
header{background:#111827;color:#f9fafb;padding:20px 32px}
header h1{margin:0 0 6px;font-size:22px}
header p{margin:0;color:#d1d5db}
main{max-width:1224px;margin:0 auto;padding:8px 32px 24px}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:17px;margin:0 0 8px}
p.intro{margin:0 0 12px;color:#374151}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.card{border:1px solid #e5e7eb;border-radius:6px;padding:10px 12px}
.card .label{font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:22px;font-weight:600;margin-top:2px}
.card .note{font-size:12px;color:#6b7280}
.pass{color:#047857}.fail{color:#B91C1C}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}
figcaption{font-weight:600;margin:4px 0}
svg.chart{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right}
th:first-child,td:first-child{text-align:left}
th{font-size:12px;color:#6b7280;font-weight:600}
tr.chosen td{background:#ecfdf5;font-weight:600}
tr.sub td{color:#6b7280;font-size:13px}
footer{max-width:1224px;margin:0 auto;padding:0 32px 32px;color:#6b7280;font-size:12px}
`;

function provenance(r: Results, version: string): string {
  const m: ManifestInfo | null = r.manifest;
  const parts: string[] = [];
  const workload = r.summary?.name ?? m?.scenario?.name;
  if (workload) parts.push(`workload <b>${esc(workload)}</b>`);
  if (m?.workload_file) parts.push(`file ${esc(m.workload_file)}`);
  const seed = m?.seed ?? r.summary?.seed;
  if (seed !== undefined) parts.push(`seed ${seed}`);
  const pools = m?.scenario?.pools ?? [];
  if (pools.length > 0) {
    parts.push(pools.map((p) => `${p.gpus} x ${esc(p.gpu?.name ?? 'gpu')} (${esc(p.model?.name ?? 'model')}, ${p.gpusPerReplica} GPU${p.gpusPerReplica === 1 ? '' : 's'} per replica)`).join(' + '));
  }
  parts.push(`capsim ${esc(m?.capsim_version ?? version)}`);
  return `<p>${parts.join(' · ')}</p>`;
}

function card(label: string, value: string, note = '', cls = ''): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value${cls ? ` ${cls}` : ''}">${value}</div>${note ? `<div class="note">${note}</div>` : ''}</div>`;
}

function figure(caption: string, svg: string): string {
  return `<figure><figcaption>${esc(caption)}</figcaption>${svg}</figure>`;
}

function numbers(rows: readonly CsvRow[], column: string): (number | null)[] {
  return rows.map((r) => cellNumber(r, column));
}

function headlineSection(s: Summary, hourly: CsvRow[] | null): Section {
  const util = hourly ? meanUtilization(hourly) : null;
  const cards = [
    card('Cost per hour', usd(s.cost_per_hour), `${usd(s.cost_per_hour * 24)} per day`),
    card('Cost per month', usd(s.cost_per_hour * HOURS_PER_MONTH), `${HOURS_PER_MONTH} h at the simulated rate`),
    card('Cost per 1k requests', usd(s.cost_per_1k_requests), `${usd(s.total_cost)} over ${s.hours} h`),
    card('Requests', count(s.requests), `${count(s.completed)} completed, ${count(s.dropped)} dropped`),
    card('Latency targets (SLOs)', s.meets_slo ? 'PASS' : 'FAIL', s.meets_slo ? 'every class, every hour' : 'see the per-class table', s.meets_slo ? 'pass' : 'fail'),
    card('Requests within SLO', percent(s.slo_attainment), 'dropped requests count as misses'),
  ];
  if (util !== null) cards.push(card('GPU busy time', percent(util, 0), 'share of paid GPU time with any iteration running: not how full the batches are'));
  const fleet = (s as { fleet?: { batch_size_mean: number; kv_utilization: number; mfu: number; mbu: number } }).fleet;
  if (fleet) {
    cards.push(card('Mean batch', String(fleet.batch_size_mean), `running sequences per ready replica; KV memory ${percent(fleet.kv_utilization, 0)} in use`));
    cards.push(card('MFU / MBU', `${percent(fleet.mfu, 0)} / ${percent(fleet.mbu, 0)}`, 'achieved FLOP/s and HBM bytes/s over paid GPU time, against peak'));
  }
  const advice = hourly ? headroomFinding(hourly.map((r) => ({ hour: cellNumber(r, 'hour') ?? 0, batch_size_mean: cellNumber(r, 'batch_size_mean'), kv_utilization: cellNumber(r, 'kv_utilization'), mfu: cellNumber(r, 'mfu') }))) : null;
  const headline = { near_capacity: 'near capacity', spare_off_peak: 'spare off-peak', mostly_idle: 'mostly idle', no_requests: 'no requests' };
  if (advice) cards.push(card('Headroom', headline[advice.kind], advice.text));
  const b = s.cost_breakdown;
  const total = s.total_cost || 1;
  const horizonHours = s.cost_per_hour > 0 ? s.total_cost / s.cost_per_hour : s.hours;
  const line = (name: string, v: number, sub = false) =>
    `<tr${sub ? ' class="sub"' : ''}><td>${sub ? '&nbsp;&nbsp;&nbsp;' : ''}${esc(name)}</td><td>${usd(v)}</td><td>${usd(horizonHours > 0 ? v / horizonHours : null)}</td><td>${percent(v / total, 1)}</td></tr>`;
  // Sub-rows where the summary has them: GPU cost by pricing kind, other cost by named item.
  const details = b as { gpu_by_pricing?: Record<string, number>; other_by_item?: Record<string, number> };
  const subRows = (parts: Record<string, number> | undefined, label: (k: string) => string) =>
    Object.entries(parts ?? {}).filter(([, v]) => v > 0).map(([k, v]) => line(label(k), v, true));
  const rows = COST_LAYERS.flatMap((l) => [
    line(l.name, b[l.column]),
    ...(l.column === 'gpu_cost' && Object.values(details.gpu_by_pricing ?? {}).filter((v) => v > 0).length > 1 ? subRows(details.gpu_by_pricing, (k) => k.replace('_', '-')) : []),
    ...(l.column === 'other_cost' ? subRows(details.other_by_item, itemLabel) : []),
  ]);
  return {
    title: 'Headline',
    body: [
      `<div class="cards">${cards.join('')}</div>`,
      `<h2 style="margin-top:16px">Where the money goes</h2><table><thead><tr><th>category</th><th>total</th><th>per hour</th><th>share</th></tr></thead><tbody>${rows.join('')}<tr><td><b>Total</b></td><td><b>${usd(s.total_cost)}</b></td><td><b>${usd(s.cost_per_hour)}</b></td><td>100.0%</td></tr></tbody></table>`,
    ],
  };
}

/** `per_request:logging` -> `logging (per request)`, `vector_db` -> `vector db`. */
function itemLabel(key: string): string {
  const [kind, name] = key.includes(':') ? key.split(/:(.*)/s) : ['', key];
  return `${name.replace(/_/g, ' ')}${kind ? ` (${kind.replace(/_/g, ' ')})` : ''}`;
}

function meanUtilization(hourly: readonly CsvRow[]): number | null {
  let busy = 0;
  let gpus = 0;
  for (const r of hourly) {
    const g = cellNumber(r, 'gpus') ?? 0;
    busy += g * (cellNumber(r, 'gpu_utilization') ?? 0);
    gpus += g;
  }
  return gpus > 0 ? busy / gpus : null;
}

function slosOf(r: Results): { name: string; ttftMs: number | null; e2eMs: number | null }[] {
  if (r.summary) {
    return Object.entries(r.summary.classes).map(([name, c]) => ({ name, ttftMs: c.slo.ttft_ms, e2eMs: c.slo.deadline_ms ?? c.slo.e2e_ms }));
  }
  return (r.manifest?.scenario?.classes ?? []).map((c) => ({
    name: c.name,
    ttftMs: c.slo?.ttftS == null ? null : c.slo.ttftS * 1000,
    e2eMs: c.deadlineS != null ? c.deadlineS * 1000 : c.slo?.e2eS == null ? null : c.slo.e2eS * 1000,
  }));
}

function runSections(r: Results): Section[] {
  const hourly = r.hourly as CsvRow[];
  const hours = hourly.map((row, i) => cellNumber(row, 'hour') ?? i);
  // Each column is read once (linear in hours: the report of a 20,000-hour run takes a second).
  const line = (column: string) => {
    const ys = numbers(hourly, column);
    return hours.map((h, i) => [h, ys[i]] as const);
  };
  const has = (column: string) => hourly.some((row) => cellNumber(row, column) !== null);
  const traffic: string[] = [];
  if (has('arrivals')) {
    traffic.push(figure('Requests arriving per hour', lineChart({ title: 'Requests arriving per hour', xLabel: 'hour', yLabel: 'requests', width: HALF, series: [{ name: 'arrivals', points: line('arrivals') }, ...(has('completed') ? [{ name: 'completed', points: line('completed'), dashed: true, color: PALETTE[2] }] : [])] })));
  }
  if (has('gpus')) {
    traffic.push(figure('GPUs provisioned per hour', lineChart({ title: 'GPUs provisioned per hour', xLabel: 'hour', yLabel: 'GPUs (hourly average)', width: HALF, series: [{ name: 'GPUs', points: line('gpus'), color: PALETTE[5] }] })));
  }
  const sections: Section[] = [];
  if (traffic.length) sections.push({ title: 'Traffic and fleet', intro: 'How many requests came in each hour, and how many GPUs were paid for.', body: [`<div class="charts">${traffic.join('')}</div>`] });

  const layers = COST_LAYERS.filter((l) => has(l.column)).map((l) => ({ name: l.name, color: l.color, values: numbers(hourly, l.column).map((v) => v ?? 0) }));
  if (layers.some((l) => l.values.some((v) => v > 0))) {
    sections.push({
      title: 'Cost per hour',
      intro: 'Money spent in each hour, stacked by category. GPUs are billed whether busy or idle.',
      body: [figure('Cost per hour by category (USD)', stackedBars({ title: 'Cost per hour by category', xLabel: 'hour', yLabel: 'USD per hour', width: WIDE, x: hours, layers, yFormat: (y) => `$${formatMoneyTick(y)}` }))],
    });
  }

  const latency: string[] = [];
  const slos = slosOf(r);
  const rowsOfClass = new Map<string, CsvRow[]>();
  for (const row of r.hourlyByClass ?? []) {
    const rows = rowsOfClass.get(row.class);
    if (rows) rows.push(row);
    else rowsOfClass.set(row.class, [row]);
  }
  for (const [metric, label, sloKey] of [['ttft', 'Time to first token', 'ttftMs'], ['e2e', 'End-to-end latency', 'e2eMs']] as const) {
    const series: Series[] = [];
    const references: ReferenceLine[] = [];
    if (rowsOfClass.size > 0) {
      [...rowsOfClass.keys()].forEach((cls, i) => {
        const rows = rowsOfClass.get(cls) as CsvRow[];
        const color = PALETTE[i % PALETTE.length];
        const pts = (col: string) => rows.map((row) => [cellNumber(row, 'hour') ?? 0, cellNumber(row, col)] as const);
        series.push({ name: `${cls} p99`, points: pts(`${metric}_p99_ms`), color });
        series.push({ name: `${cls} p50`, points: pts(`${metric}_p50_ms`), color, dashed: true });
        const slo = slos.find((s) => s.name === cls)?.[sloKey];
        if (slo != null) references.push({ y: slo, label: `${cls} SLO (p99) ${duration(slo)}`, color });
      });
    } else {
      series.push({ name: 'p99', points: line(`${metric}_p99_ms`) }, { name: 'p50', points: line(`${metric}_p50_ms`), dashed: true });
      for (const s of slos) {
        const slo = s[sloKey];
        if (slo != null) references.push({ y: slo, label: `${s.name} SLO (p99) ${duration(slo)}` });
      }
    }
    const drawn = series.filter((s) => s.points.some(([, y]) => y !== null));
    if (drawn.length === 0) continue;
    latency.push(figure(`${label} per hour (p99 solid, p50 dashed)`, lineChart({ title: `${label} per hour`, xLabel: 'hour', yLabel: 'latency', width: HALF, height: 320, series: drawn, references, yFormat: (y) => duration(y).replace(' ', '') })));
  }
  if (latency.length) sections.push({ title: 'Latency against the targets', intro: 'Each class\'s 99th percentile (the latency 99% of its requests beat) should stay under its dashed SLO line in every hour.', body: [`<div class="charts">${latency.join('')}</div>`] });

  if (has('kv_utilization')) {
    const pctSeries = (column: string, name: string, color: string) => ({ name, points: line(column).map(([h, y]) => [h, mul(y, 100)] as const), color });
    sections.push({
      title: 'Headroom',
      intro: 'How full the fleet really is, hour by hour: the share of KV-cache memory held by running sequences, and the FLOPs (MFU) and HBM bytes (MBU) of the iterations run against the peak of the GPUs paid for. Off-peak hours far below the peak hour are capacity an hourly schedule would not buy.',
      body: [figure('KV utilization, MFU and MBU per hour (%)', lineChart({ title: 'Headroom per hour', xLabel: 'hour', yLabel: 'share of peak (%)', width: WIDE, height: 260, series: [pctSeries('kv_utilization', 'KV memory', PALETTE[0]), pctSeries('mfu', 'MFU', PALETTE[1]), pctSeries('mbu', 'MBU', PALETTE[3])], references: [] }))],
    });
  }
  if (has('gpu_utilization')) {
    sections.push({
      title: 'GPU busy time',
      intro: 'The share of the GPU time paid for in each hour during which an iteration was running. Under continuous batching a replica iterates whenever it holds one sequence, so this reads near 100% for a mostly empty fleet too: see Headroom for how full the batches are.',
      body: [figure('GPU utilization per hour (%)', lineChart({ title: 'GPU utilization per hour', xLabel: 'hour', yLabel: 'utilization (%)', width: WIDE, height: 260, series: [{ name: 'utilization', points: line('gpu_utilization').map(([h, y]) => [h, mul(y, 100)] as const), color: PALETTE[2] }], references: [{ y: 100, label: 'fully busy', color: '#6b7280' }] }))],
    });
  }
  return sections;
}

/** The run's days (summary.json `by_day`) when it is longer than two days and they are well formed, else null. */
function daysOf(s: Summary): DayTotals[] | null {
  const days = (s as { by_day?: unknown }).by_day;
  if (!Array.isArray(days) || s.hours <= 48) return null;
  const ok = days.every((d) => d !== null && typeof d === 'object' && ['day', 'requests', 'completed', 'dropped', 'total_cost'].every((k) => typeof (d as Record<string, unknown>)[k] === 'number'));
  return ok && days.length > 2 ? (days as DayTotals[]) : null;
}

/**
 * Runs longer than two days: requests and cost per day, and each day's worst hourly p99 against
 * the SLOs (from summary.json `by_day`), so weeks, weekly profiles and growth read at a glance.
 */
function byDaySection(days: readonly DayTotals[], slos: ReturnType<typeof slosOf>): Section {
  const x = days.map((d) => d.day);
  const charts = [
    figure('Requests per day', lineChart({
      title: 'Requests per day', xLabel: 'day (day 0 is a Monday)', yLabel: 'requests', width: HALF,
      series: [{ name: 'arrivals', points: days.map((d) => [d.day, d.requests] as const) }, { name: 'completed', points: days.map((d) => [d.day, d.completed] as const), dashed: true, color: PALETTE[2] }],
    })),
    figure('Cost per day (USD)', stackedBars({ title: 'Cost per day', xLabel: 'day', yLabel: 'USD per day', width: HALF, x, layers: [{ name: 'total cost', values: days.map((d) => d.total_cost), color: PALETTE[5] }], yFormat: (y) => `$${formatMoneyTick(y)}` })),
  ];
  const worst: Series[] = [
    { name: 'worst-hour TTFT p99', points: days.map((d) => [d.day, d.worst_hour_ttft_p99_ms ?? null] as const), color: PALETTE[0] },
    { name: 'worst-hour E2E p99', points: days.map((d) => [d.day, d.worst_hour_e2e_p99_ms ?? null] as const), color: PALETTE[3] },
  ].filter((series) => series.points.some(([, y]) => y !== null));
  if (worst.length > 0) {
    const references: ReferenceLine[] = [];
    for (const slo of slos) {
      if (slo.ttftMs != null) references.push({ y: slo.ttftMs, label: `${slo.name} TTFT SLO ${duration(slo.ttftMs)}`, color: PALETTE[0] });
      if (slo.e2eMs != null) references.push({ y: slo.e2eMs, label: `${slo.name} E2E SLO ${duration(slo.e2eMs)}`, color: PALETTE[3] });
    }
    charts.push(figure('Worst hour of each day: p99 latency (all classes)', lineChart({
      title: 'Worst-hour p99 per day', xLabel: 'day', yLabel: 'latency', width: WIDE, height: 300, series: worst, references, yScale: 'log', yFormat: (y) => duration(y).replace(' ', ''),
    })));
  }
  return {
    title: 'By day',
    intro: `The ${days.length} days of the run: requests and cost per day, and the worst hour of each day against the SLOs (a day passes when its worst hour does).`,
    body: [`<div class="charts">${charts.join('')}</div>`],
  };
}

/** Min and max without spreading into arguments (which overflows the stack past ~100k values). */
function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

function mul(x: number | null, k: number): number | null {
  return x === null ? null : x * k;
}

function formatMoneyTick(y: number): string {
  if (Math.abs(y) >= 1e6) return `${Number((y / 1e6).toPrecision(4))}M`;
  if (Math.abs(y) >= 1e4) return `${Number((y / 1e3).toPrecision(4))}k`;
  return String(Number(y.toPrecision(4)));
}

function classSection(s: Summary): Section {
  const sloCell = (p99: number | null, limit: number | null) => {
    if (limit === null) return duration(p99);
    const ok = p99 !== null && p99 <= limit;
    return `<span class="${ok ? 'pass' : 'fail'}">${duration(p99)} ${ok ? '≤' : '>'} ${duration(limit)}</span>`;
  };
  const rows = Object.entries(s.classes).map(([name, c]: [string, ClassSummary]) => {
    const missed = c.hours_missed.length === 0 ? '' : ` (hours ${c.hours_missed.slice(0, 8).join(', ')}${c.hours_missed.length > 8 ? ', ...' : ''})`;
    return `<tr><td>${esc(name)}</td><td>${count(c.requests)}</td><td>${count(c.dropped)}</td><td>${sloCell(c.latency.ttft_ms.p99, c.slo.ttft_ms)}</td><td>${sloCell(c.latency.tpot_ms.p99, c.slo.tpot_ms)}</td><td>${sloCell(c.latency.e2e_ms.p99, c.slo.deadline_ms ?? c.slo.e2e_ms)}</td><td>${percent(c.slo_attainment)}</td><td>${usd(c.cost_per_1k_requests)}</td><td class="${c.meets_slo ? 'pass' : 'fail'}"><b>${c.meets_slo ? 'PASS' : 'FAIL'}</b>${esc(missed)}</td></tr>`;
  });
  return {
    title: 'Request classes',
    intro: 'p99 latencies over the whole run against each class\'s SLO. A class passes when its p99s stay within the SLO in every hour and under 1% of its requests are dropped.',
    body: [`<table><thead><tr><th>class</th><th>requests</th><th>dropped</th><th>p99 TTFT vs SLO</th><th>p99 TPOT vs SLO</th><th>p99 E2E vs SLO</th><th>within SLO</th><th>cost per 1k</th><th>verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>`],
  };
}

/** The varied keys of a sweep/plan CSV: the columns before `requests` (docs/cli.md column order). */
export function variedKeys(rows: readonly CsvRow[]): string[] {
  const columns = Object.keys(rows[0] ?? {});
  const end = columns.indexOf('requests');
  return (end >= 0 ? columns.slice(0, end) : []).filter((c) => !['chosen', 'rank', 'index', 'point'].includes(c));
}

function chosenRow(rows: readonly CsvRow[]): CsvRow | null {
  const flagColumn = ['chosen', 'selected', 'is_chosen'].find((c) => c in (rows[0] ?? {}));
  if (flagColumn) return rows.find((r) => cellFlag(r, flagColumn)) ?? null;
  let best: CsvRow | null = null;
  for (const r of rows) {
    if (!cellFlag(r, 'meets_slo')) continue;
    if (best === null || (cellNumber(r, 'cost_per_hour') ?? Infinity) < (cellNumber(best, 'cost_per_hour') ?? Infinity)) best = r;
  }
  return best;
}

const GRID_LABELS: Record<string, string> = {
  cost_per_hour: 'cost per hour',
  peak_hour_ttft_p99_ms: 'peak-hour p99 TTFT',
  ttft_p99_ms: 'p99 TTFT',
};

function gridSection(rows: CsvRow[], kind: 'sweep' | 'plan', slos: ReturnType<typeof slosOf>): Section {
  const keys = variedKeys(rows);
  const xKey = keys.find((k) => /(^|\.)gpus$/.test(k) && rows.every((r) => cellNumber(r, k) !== null)) ?? keys.find((k) => rows.every((r) => cellNumber(r, k) !== null)) ?? ('gpus' in rows[0] ? 'gpus' : null);
  const categorical = xKey === null;
  const xOf = (r: CsvRow, i: number) => (categorical ? i : (cellNumber(r, xKey as string) as number));
  const others = keys.filter((k) => k !== xKey);
  const groups = new Map<string, { row: CsvRow; i: number }[]>();
  rows.forEach((row, i) => {
    const label = others.map((k) => `${k}=${row[k]}`).join(', ');
    if (!groups.has(label)) groups.set(label, []);
    (groups.get(label) as { row: CsvRow; i: number }[]).push({ row, i });
  });
  const chosen = chosenRow(rows);
  const chosenIndex = chosen ? rows.indexOf(chosen) : -1;
  const xLabel = categorical ? 'configuration (grid order)' : xKey === 'gpus' || /gpus$/.test(xKey as string) ? `GPUs (${xKey})` : (xKey as string);
  const series = (column: string): Series[] =>
    [...groups.entries()]
      .map(([label, members], g) => ({
        name: label || (GRID_LABELS[column] ?? column),
        color: PALETTE[g % PALETTE.length],
        points: members.map(({ row, i }) => [xOf(row, i), cellNumber(row, column)] as const).sort((a, b) => a[0] - b[0]),
      }))
      .filter((s) => s.points.some(([, y]) => y !== null));
  const chosenLabel = chosen ? `${kind === 'plan' ? 'chosen' : 'cheapest meeting SLOs'}: ${keys.map((k) => `${k}=${chosen[k]}`).join(', ') || `row ${chosenIndex + 1}`}` : '';
  const marker = (column: string) => {
    if (!chosen) return null;
    const y = cellNumber(chosen, column);
    return y === null ? null : { x: xOf(chosen, chosenIndex), y, label: chosenLabel };
  };
  const figures: string[] = [];
  const costSeries = series('cost_per_hour');
  if (costSeries.length) {
    figures.push(figure('Cost per hour', lineChart({ title: 'Cost per hour', xLabel, yLabel: 'USD per hour', width: HALF, series: costSeries, marker: marker('cost_per_hour'), yFormat: (y) => `$${formatMoneyTick(y)}` })));
  }
  const p99Column = rows.some((r) => cellNumber(r, 'peak_hour_ttft_p99_ms') !== null) ? 'peak_hour_ttft_p99_ms' : 'ttft_p99_ms';
  const p99Series = series(p99Column);
  if (p99Series.length) {
    const limits = slos.map((s) => s.ttftMs).filter((x): x is number => x !== null);
    const references: ReferenceLine[] = limits.length ? [{ y: Math.min(...limits), label: `tightest TTFT SLO (p99) ${duration(Math.min(...limits))}` }] : [];
    const title = p99Column === 'peak_hour_ttft_p99_ms' ? 'Peak-hour p99 time to first token' : 'p99 time to first token';
    // Latencies of an undersized fleet are often 100x those of an adequate one: a log axis keeps both readable.
    const ys = p99Series.flatMap((s) => s.points.map(([, y]) => y)).filter((y): y is number => y !== null && y > 0).concat(references.map((r) => r.y));
    const yScale = ys.length > 0 && maxOf(ys) / minOf(ys) > 20 ? 'log' : 'linear';
    figures.push(figure(`${title}${yScale === 'log' ? ' (log scale)' : ''}`, lineChart({ title, xLabel, yLabel: 'latency', width: HALF, series: p99Series, references, marker: marker(p99Column), yScale, yFormat: (y) => duration(y).replace(' ', '') })));
  }
  const shown = ['cost_per_hour', 'cost_per_1k_requests', 'peak_hour_ttft_p99_ms', 'peak_hour_e2e_p99_ms', 'slo_attainment', 'meets_slo'].filter((c) => c in rows[0]);
  const fmt = (c: string, row: CsvRow) => {
    const v = cellNumber(row, c);
    if (c === 'meets_slo') return cellFlag(row, c) ? '<span class="pass">yes</span>' : '<span class="fail">no</span>';
    if (c.startsWith('cost')) return usd(v);
    if (c.endsWith('_ms')) return duration(v);
    if (c.includes('attainment')) return percent(v);
    return esc(row[c] ?? '');
  };
  const tableRows = rows.slice(0, 200).map((row) => `<tr${row === chosen ? ' class="chosen"' : ''}>${keys.map((k) => `<td>${esc(row[k])}</td>`).join('')}${shown.map((c) => `<td>${fmt(c, row)}</td>`).join('')}</tr>`);
  const headline = chosen
    ? `<div class="cards">${card(kind === 'plan' ? 'Chosen configuration' : 'Cheapest meeting every SLO', esc(keys.map((k) => chosen[k]).join(' / ') || `row ${chosenIndex + 1}`), esc(keys.join(' / ')), 'pass')}${card('Its cost per hour', usd(cellNumber(chosen, 'cost_per_hour')), `${usd((cellNumber(chosen, 'cost_per_hour') ?? NaN) * HOURS_PER_MONTH)} per month`)}${card('Its peak-hour p99 TTFT', duration(cellNumber(chosen, p99Column)))}${card('Configurations simulated', count(rows.length))}</div>`
    : `<div class="cards">${card('Configurations simulated', count(rows.length))}${card('Meeting every SLO', 'none', 'widen the search space', 'fail')}</div>`;
  return {
    title: kind === 'plan' ? 'Capacity plan' : 'Sweep',
    intro: 'Each point is one simulated configuration. More GPUs cost more per hour and cut latency; the marked point is the cheapest that keeps every class within its SLO in every hour.',
    body: [headline, `<div class="charts">${figures.join('')}</div>`, `<table><thead><tr>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}${shown.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${tableRows.join('')}</tbody></table>`],
  };
}

/** Readable names for plan_schedule.csv's columns; other columns show as named. */
const SCHEDULE_LABELS: Record<string, string> = {
  gpus: 'GPUs needed (hourly schedule)',
  static_gpus: 'static fleet',
  cost: 'hourly schedule',
  static_cost: 'static fleet',
  api_cost: 'all on the hosted API',
};

function scheduleSection(schedule: CsvRow[], grid: CsvRow[] | null): Section {
  const hours = schedule.map((r, i) => cellNumber(r, 'hour') ?? i);
  const columns = Object.keys(schedule[0]).filter((c) => c !== 'hour' && schedule.some((r) => cellNumber(r, c) !== null));
  const gpuColumns = columns.filter((c) => /gpus/.test(c));
  const costColumns = columns.filter((c) => /cost/.test(c));
  const mk = (cols: string[]): Series[] => cols.map((c, i) => ({ name: SCHEDULE_LABELS[c] ?? c, color: PALETTE[i % PALETTE.length], dashed: /static/.test(c), points: hours.map((h, j) => [h, cellNumber(schedule[j], c)] as const) }));
  const gpuSeries = mk(gpuColumns);
  const chosen = grid ? chosenRow(grid) : null;
  const staticGpus = chosen ? (cellNumber(chosen, 'gpus') ?? null) : null;
  if (staticGpus !== null && !gpuColumns.some((c) => /static/.test(c))) {
    gpuSeries.push({ name: 'static fleet (chosen)', color: '#6b7280', dashed: true, points: hours.map((h) => [h, staticGpus] as const) });
  }
  const figures: string[] = [];
  if (gpuSeries.length) figures.push(figure('GPUs needed per hour against the static fleet', lineChart({ title: 'Autoscaling schedule', xLabel: 'hour', yLabel: 'GPUs', width: HALF, series: gpuSeries })));
  if (costColumns.length) figures.push(figure('Cost per hour: autoscaled against static', lineChart({ title: 'Cost per hour by strategy', xLabel: 'hour', yLabel: 'USD per hour', width: HALF, series: mk(costColumns), yFormat: (y) => `$${formatMoneyTick(y)}` })));
  const sums = costColumns.map((c) => `${card(`${SCHEDULE_LABELS[c] ?? c}: total`, usd(schedule.reduce((s, r) => s + (cellNumber(r, c) ?? 0), 0)))}`);
  return {
    title: 'Autoscaling schedule',
    intro: 'The GPUs each hour needs to meet the SLOs, against a fleet sized for the busiest hour. The gap is what autoscaling would save.',
    body: [sums.length ? `<div class="cards">${sums.join('')}</div>` : '', `<div class="charts">${figures.join('')}</div>`],
  };
}
