#!/usr/bin/env node
// Runs the lever examples in workloads/levers/ (base.yaml first, then every other file) and
// prints a markdown table of each one's cost per 1k requests, p99 TTFT and TPOT and GPUs, the
// table pasted into docs/levers.md. TTFT and TPOT figures are over the completed interactive
// requests (nearest-rank p99; TPOT = (last token - first token) / (output tokens - 1), requests
// with more than one output token): the whole day, and for TTFT the worst arrival hour. With
// --plan (or --plan NAME,...), each file (or those) also goes through `capsim plan` (its
// default GPU-count search) and the "plan GPUs" column is the fewest GPUs it finds meeting every
// SLO in every hour (slow: several 24-hour simulations per file; "–" where not run). Needs a
// build (`npx tsc -p tsconfig.build.json`): it imports from ../dist.
//
//   node scripts/levers.mjs [--only NAME,...] [--plan [NAME,...]] [--workers N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWorkload } from '../dist/workload/load.js';
import { simulate } from '../dist/simulate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = join(root, 'workloads', 'levers');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(',')) : null;
const planAt = process.argv.indexOf('--plan');
// --plan: every file; --plan a,b: those files only (a plan costs several 24-hour simulations).
const planFor = planAt < 0 ? new Set() : planAt + 1 < process.argv.length && !process.argv[planAt + 1].startsWith('--') ? new Set(process.argv[planAt + 1].split(',')) : null;
const workersAt = process.argv.indexOf('--workers');
const workers = workersAt > 0 ? process.argv[workersAt + 1] : '2';

/** `capsim plan FILE`: the GPUs of the cheapest fleet meeting every SLO, or null (none found). */
function planGpus(file) {
  const out = mkdtempSync(join(tmpdir(), 'capsim-levers-plan-'));
  try {
    execFileSync(process.execPath, [join(root, 'bin', 'capsim.js'), 'plan', file, '--quiet', '--workers', workers, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
    const chosen = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')).chosen;
    return chosen === null ? null : chosen.gpus;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const files = readdirSync(folder)
  .filter((f) => f.endsWith('.yaml'))
  .sort((a, b) => (a === 'base.yaml' ? -1 : b === 'base.yaml' ? 1 : a.localeCompare(b)))
  .filter((f) => only === null || only.has(f.replace(/\.yaml$/, '')));

const fmt = (x, digits) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const rows = [];
let base = null;
for (const file of files) {
  const scenario = loadWorkload(join(folder, file));
  // TTFT of every interactive request that completed, by arrival hour (a batch class's TTFT is
  // not a latency target: its SLO is its deadline).
  const ttftByHour = [];
  const tpot = [];
  const { summary } = simulate(scenario, {
    onRequestEnd: (r, outcome) => {
      if (outcome === 'dropped' || scenario.classes[r.classIndex].priority === 'batch') return;
      const hour = Math.floor(r.arrivedAt / 3600);
      (ttftByHour[hour] ??= []).push((r.firstTokenAt - r.arrivedAt) * 1000);
      if (r.outputTokens > 1) tpot.push(((r.finishedAt - r.firstTokenAt) / (r.outputTokens - 1)) * 1000);
    },
  });
  const p99 = (xs) => {
    const sorted = Float64Array.from(xs).sort();
    return sorted.length === 0 ? null : sorted[Math.ceil(0.99 * sorted.length) - 1];
  };
  const ttftP99 = p99(ttftByHour.flat());
  const peakTtft = Math.max(...ttftByHour.map((xs) => p99(xs) ?? 0));
  const row = {
    name: file.replace(/\.yaml$/, ''),
    costPer1k: summary.cost_per_1k_requests,
    costPerHour: summary.cost_per_hour,
    ttftP99,
    peakTtft,
    tpotP99: p99(tpot),
    gpus: scenario.pools.reduce((n, pool) => n + pool.gpus, 0),
    planGpus: planFor === null || planFor.has(file.replace(/\.yaml$/, '')) ? planGpus(join(folder, file)) : undefined,
    cacheHits: summary.cache_hits / summary.requests,
    api: summary.api_requests / summary.requests,
    dropped: summary.dropped,
    meets: summary.meets_slo,
  };
  if (file === 'base.yaml') base = row;
  rows.push(row);
  process.stderr.write(`${file}: ${summary.requests} requests\n`);
}

const lines = [
  '| workload | cost / 1k req (USD) | vs base | cost / hour (USD) | p99 TTFT (ms) | worst hour p99 TTFT (ms) | p99 TPOT (ms) | GPUs | plan GPUs | cache hits | to API | dropped | meets SLO |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
];
for (const r of rows) {
  const vs = base && r !== base ? `${r.costPer1k >= base.costPer1k ? '+' : ''}${(((r.costPer1k / base.costPer1k) - 1) * 100).toFixed(1)}%` : '';
  lines.push(
    `| ${r.name} | ${fmt(r.costPer1k, 4)} | ${vs} | ${fmt(r.costPerHour, 2)} | ${fmt(r.ttftP99, 0)} | ${fmt(r.peakTtft, 0)} | ${fmt(r.tpotP99, 1)} | ${r.gpus} | ${r.planGpus === undefined ? '–' : r.planGpus === null ? 'none' : r.planGpus} | ${(r.cacheHits * 100).toFixed(1)}% | ${(r.api * 100).toFixed(1)}% | ${r.dropped} | ${r.meets ? 'yes' : 'no'} |`,
  );
}
console.log(lines.join('\n'));
