#!/usr/bin/env node
// Runs the lever examples in workloads/levers/ (base.yaml first, then every other file) and
// prints a markdown table of each one's cost per 1k requests and p99 TTFT, the table pasted into
// docs/levers.md. TTFT figures are over the completed interactive requests (nearest-rank p99):
// the whole day, and the worst arrival hour. Needs a build (`npx tsc -p tsconfig.build.json`): it imports from ../dist.
//
//   node scripts/levers.mjs [--only NAME,...]
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWorkload } from '../dist/workload/load.js';
import { simulate } from '../dist/simulate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = join(root, 'workloads', 'levers');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(',')) : null;

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
  const { summary } = simulate(scenario, {
    onRequestEnd: (r, outcome) => {
      if (outcome === 'dropped' || scenario.classes[r.classIndex].priority === 'batch') return;
      const hour = Math.floor(r.arrivedAt / 3600);
      (ttftByHour[hour] ??= []).push((r.firstTokenAt - r.arrivedAt) * 1000);
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
  '| workload | cost / 1k req (USD) | vs base | cost / hour (USD) | p99 TTFT (ms) | worst hour p99 TTFT (ms) | cache hits | to API | dropped | meets SLO |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
];
for (const r of rows) {
  const vs = base && r !== base ? `${r.costPer1k >= base.costPer1k ? '+' : ''}${(((r.costPer1k / base.costPer1k) - 1) * 100).toFixed(1)}%` : '';
  lines.push(
    `| ${r.name} | ${fmt(r.costPer1k, 4)} | ${vs} | ${fmt(r.costPerHour, 2)} | ${fmt(r.ttftP99, 0)} | ${fmt(r.peakTtft, 0)} | ${(r.cacheHits * 100).toFixed(1)}% | ${(r.api * 100).toFixed(1)}% | ${r.dropped} | ${r.meets ? 'yes' : 'no'} |`,
  );
}
console.log(lines.join('\n'));
