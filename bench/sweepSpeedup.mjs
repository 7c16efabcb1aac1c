#!/usr/bin/env node
/**
 * Sweep speed-up on worker threads (issue 19 item 4): the same sweep with --workers 1 and
 * --workers 2, each a fresh `node bin/capsim.js sweep` process timed wall-clock (start-up
 * included, as a user sees it), median of --repeat runs (default 3), runs alternating.
 * Sweeps (6 simulated hours at 40 requests/s, ~1 s a point on an idle core):
 * - `16 points`: fleet.gpus=3..10 x serving.max_batch_size=64,128;
 * - `8 points`: fleet.gpus=3..10 (the target: >= 1.7x on 2 idle cores);
 * - `tiny`: fleet.gpus=3..5 for 5 simulated minutes (target: --workers 2 never slower).
 * Also checks that both worker counts wrote the same bytes.
 *
 * Usage: npx tsc -p tsconfig.build.json && node bench/sweepSpeedup.mjs [--workers N] [--repeat R] [--only tiny,8]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const many = Number(arg('--workers', 2));
const repeat = Number(arg('--repeat', 3));
const only = arg('--only', null)?.split(',') ?? null;
const bin = fileURLToPath(new URL('../bin/capsim.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'capsim-sweep-bench-'));
const workload = join(dir, 'bench.yaml');
writeFileSync(
  workload,
  `name: sweep-bench
seed: 11
duration: 6h
traffic: { rate: 40, arrival: poisson }
classes:
  - name: chat
    weight: 1
    prompt_tokens: { dist: lognormal, median: 500, p99: 3000, max: 8000 }
    output_tokens: { dist: lognormal, median: 100, p99: 600, max: 2000 }
    slo: { ttft: 1s, tpot: 80ms, e2e: 20s }
model: llama-3.1-8b
gpu: h100-sxm
fleet: { gpus: 4 }
perf:
  prefill: { base: 5ms, per_token: 0.05ms }
  decode: { base: 8ms, per_seq: 0.05ms, per_kv_token: 0.00002ms }
`,
);
const sweeps = [
  { name: '16', label: '16 points', args: ['--vary', 'fleet.gpus=3..10', '--vary', 'serving.max_batch_size=64,128'] },
  { name: '8', label: '8 points', args: ['--vary', 'fleet.gpus=3..10', '--set', 'serving.max_batch_size=128'] },
  { name: 'tiny', label: 'tiny (3 points of 5 min)', args: ['--vary', 'fleet.gpus=3..5', '--set', 'duration=5m'] },
].filter((s) => only === null || only.includes(s.name));

/** One sweep in a fresh process: wall seconds and the sweep.csv it wrote. */
function sweep(args, workers, k) {
  const out = join(dir, `${args.join('_').replace(/[^a-z0-9]+/gi, '')}-w${workers}-${k}`);
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, 'sweep', workload, ...args, '--workers', String(workers), '--out', out, '--quiet'], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`sweep --workers ${workers} exited ${r.status}: ${r.stderr}`);
  return { seconds, csv: readFileSync(join(out, 'sweep.csv'), 'utf8') };
}

/**
 * How many cores this process can really use right now: the same busy loop on 1 thread and on
 * `n` threads; on n idle cores both take the same time. Other processes on the machine lower it.
 */
async function usableCores(n) {
  const spin = `let x = 0; for (let i = 0; i < 3e8; i++) x += i % 7; require('node:worker_threads').parentPort.postMessage(x);`;
  const run = async (threads) => {
    const start = Date.now();
    await Promise.all(Array.from({ length: threads }, () => new Promise((done) => new Worker(spin, { eval: true }).on('message', done))));
    return Date.now() - start;
  };
  const one = await run(1);
  return (n * one) / (await run(n));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`cores: ${availableParallelism()}, load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const capacity = await usableCores(many);
console.log(`usable cores (busy-loop check, ${many} threads): ${capacity.toFixed(2)}${capacity < many * 0.9 ? ': other processes hold the cores, expect a lower speed-up' : ''}`);
let same = true;
for (const s of sweeps) {
  const ones = [];
  const twos = [];
  for (let k = 0; k < repeat; k++) {
    const a = sweep(s.args, 1, k);
    const b = sweep(s.args, many, k);
    ones.push(a.seconds);
    twos.push(b.seconds);
    same &&= a.csv === b.csv;
  }
  const fmt = (xs) => `${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
  console.log(`${s.label}: --workers 1 ${fmt(ones)}, --workers ${many} ${fmt(twos)}, speedup ${(median(ones) / median(twos)).toFixed(2)}x`);
}
console.log(`same bytes: ${same}`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}${loadavg()[0] > availableParallelism() ? ' (other processes competed for the cores: the speed-up is not representative)' : ''}`);
if (!same) process.exitCode = 1;
