#!/usr/bin/env node
/**
 * Trace streaming benchmark: replays generated Azure-format traces of 1M and 5M rows through
 * `openTrace` (and `traceStats`) and prints rows/s, wall time and peak RSS, to show that memory
 * does not grow with the row count.
 *
 *   npx tsc -p tsconfig.build.json && node bench/traceStream.mjs [--rows 1000000,5000000] [--dist DIR] [--keep]
 *
 * Each measurement runs in a fresh child process, so its peak RSS (`process.resourceUsage().maxRSS`)
 * belongs to that measurement alone. The CSV is written to a temp folder in 1 MiB pieces (the
 * generator never holds the file either) and removed afterwards unless --keep.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const dist = path.resolve(flag('--dist', path.join(here, '../dist')));

if (args[0] === '--child') {
  await child(args[1], args[2], args[3]);
} else {
  await parent();
}

async function parent() {
  const counts = flag('--rows', '1000000,5000000').split(',').map(Number);
  const dir = mkdtempSync(path.join(tmpdir(), 'capsim-bench-trace-'));
  const results = [];
  try {
    for (const rows of counts) {
      const file = path.join(dir, `azure_${rows}.csv`);
      const t0 = performance.now();
      generate(file, rows);
      const genS = (performance.now() - t0) / 1000;
      const mb = statSync(file).size / 2 ** 20;
      console.error(`generated ${rows.toLocaleString('en-US')} rows (${mb.toFixed(0)} MiB) in ${genS.toFixed(1)} s`);
      for (const mode of ['replay', 'stats']) {
        const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, file, dist], {
          encoding: 'utf8',
        });
        if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
        results.push({ rows, mib: mb, mode, ...JSON.parse(run.stdout) });
      }
    }
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  console.log('mode    rows        file MiB  wall s  rows/s       peak RSS MiB  check');
  for (const r of results) {
    console.log(
      [
        r.mode.padEnd(6),
        r.rows.toLocaleString('en-US').padEnd(10),
        r.mib.toFixed(0).padStart(8),
        r.wallS.toFixed(2).padStart(6),
        Math.round(r.rowsPerS).toLocaleString('en-US').padStart(11),
        (r.maxRssKiB / 1024).toFixed(1).padStart(12),
        ` ${r.check}`,
      ].join('  '),
    );
  }
}

/** Deterministic generator (mulberry32): bursty gaps, lognormal-ish token counts, several days. */
function generate(file, rows) {
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const fd = openSync(file, 'w');
  const day0 = Date.UTC(2024, 4, 12);
  let ticks = 0; // 100 ns since day0
  let out = 'TIMESTAMP,ContextTokens,GeneratedTokens';
  for (let i = 0; i < rows; i++) {
    ticks += Math.floor(-Math.log(1 - rand()) * (rand() < 0.1 ? 5e6 : 1.2e6)); // ~0.16 s mean gap
    const ms = Math.floor(ticks / 1e4);
    const iso = new Date(day0 + ms).toISOString();
    const frac = String(ticks % 1e7).padStart(7, '0');
    const prompt = 1 + Math.floor(Math.exp(6.5 + rand() * 2.5));
    const output = 1 + Math.floor(Math.exp(3 + rand() * 3));
    out += `\n${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac},${prompt},${output}`;
    if (out.length > 1 << 20) {
      writeSync(fd, out);
      out = '';
    }
  }
  writeSync(fd, out); // no final newline, like the real Azure files
  closeSync(fd);
}

async function child(mode, file, distDir) {
  const { openTrace } = await import(pathToFileURL(path.join(distDir, 'traffic/trace/openTrace.js')).href);
  const { traceStats } = await import(pathToFileURL(path.join(distDir, 'traffic/trace/stats.js')).href);
  const spec = { file, format: 'azure', speedup: 1, loop: false, startS: null, endS: null, columns: null, classColumn: null, classMap: null, defaultClass: 'default' };
  const t0 = performance.now();
  let rows = 0;
  let check = '';
  if (mode === 'replay') {
    const reader = openTrace(spec);
    let tokens = 0;
    let last = 0;
    for (let row = reader.next(); row !== null; row = reader.next()) {
      tokens += row.promptTokens + row.outputTokens;
      if (row.timeS < last) throw new Error('not sorted');
      last = row.timeS;
    }
    rows = reader.rows;
    check = `${tokens} tokens, span ${last.toFixed(1)} s`;
  } else {
    const s = traceStats(spec);
    rows = s.rows;
    check = `p99 prompt ${s.promptTokens.p99}, gap median ${s.gapMedianS?.toFixed(4)} s (exact: ${s.gapsExact}), ${s.ratePerHour.length} h`;
  }
  const wallS = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ wallS, rowsPerS: rows / wallS, maxRssKiB: process.resourceUsage().maxRSS, check }));
}
