#!/usr/bin/env node
/**
 * The README's workload gallery: runs every bundled workload (workloads/*.yaml, not the
 * templates) and writes a table of what each costs and whether it meets its SLOs between the
 * `<!-- gallery:start -->` and `<!-- gallery:end -->` markers of README.md. Without the markers
 * (or with --stdout) it prints the table instead.
 *
 *   npm run build && node scripts/gallery.mjs [--stdout]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = join(ROOT, 'README.md');
const START = '<!-- gallery:start -->';
const END = '<!-- gallery:end -->';
const HOURS_PER_MONTH = 730;

/** The first header-comment line that is not the editor's schema line. */
export function describeWorkload(text) {
  for (const line of text.split('\n')) {
    if (line.startsWith('# yaml-language-server:')) continue;
    if (line.startsWith('#')) return line.replace(/^#\s*/, '').trim();
    if (line.trim() !== '') break;
  }
  return '';
}

const usd = (x) => (x === null || x === undefined ? '-' : `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const ms = (x) => (x === null || x === undefined ? '-' : x >= 1000 ? `${Number((x / 1000).toFixed(2))} s` : `${Math.round(x)} ms`);
const cell = (text) => String(text).replace(/\|/g, '\\|');

/** One table row from a workload file's text and its `capsim run --json` summary. */
export function galleryRow(file, text, summary) {
  const hours = summary.cost_per_hour > 0 ? summary.total_cost / summary.cost_per_hour : summary.hours;
  const perDay = hours > 0 ? Math.round((summary.requests / hours) * 24) : 0;
  return [
    `[\`${file}\`](${file})`,
    describeWorkload(text),
    perDay.toLocaleString('en-US'),
    usd(summary.cost_per_hour * HOURS_PER_MONTH),
    usd(summary.cost_per_1k_requests),
    ms(summary.latency.ttft_ms.p99),
    summary.meets_slo ? 'yes' : 'no',
  ].map(cell);
}

export function galleryTable(rows) {
  const header = ['workload', 'what it is', 'requests/day', 'cost per month', 'cost per 1k requests', 'p99 TTFT', 'meets SLO'];
  return [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function runWorkload(file) {
  const out = mkdtempSync(join(tmpdir(), 'capsim-gallery-'));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/capsim.js'), 'run', file, '--json', '--quiet', '--out', out], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0 && r.status !== 1) throw new Error(`capsim run ${file} exited ${r.status}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = readdirSync(join(ROOT, 'workloads')).filter((f) => f.endsWith('.yaml')).sort().map((f) => `workloads/${f}`);
  const rows = files.map((file) => {
    process.stderr.write(`gallery: running ${file}\n`);
    return galleryRow(file, readFileSync(join(ROOT, file), 'utf8'), runWorkload(file));
  });
  const table = galleryTable(rows);
  const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (process.argv.includes('--stdout') || start < 0 || end < start) {
    process.stdout.write(`${table}\n`);
    if (!process.argv.includes('--stdout')) process.stderr.write(`gallery: README.md has no ${START} ... ${END} markers; printed the table instead\n`);
  } else {
    writeFileSync(README, `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`);
    process.stderr.write(`gallery: updated README.md (${rows.length} workloads)\n`);
  }
}
