#!/usr/bin/env node
/**
 * Sweep speed-up on worker threads: the same 16-point sweep (each point ~1-2 s of simulation:
 * 6 simulated hours at 40 requests/s) with --workers 1 and --workers 2, timed wall-clock.
 * Target: >= 1.7x on 2 idle cores. Also checks that both runs wrote the same bytes.
 *
 * Runs in-process from dist/ (so the CPU time of the worker threads is measured too).
 * Usage: npx tsc -p tsconfig.build.json && node bench/sweepSpeedup.mjs [--workers N]
 */
import { main } from '../dist/cli/main.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const many = Number(process.argv[process.argv.indexOf('--workers') + 1]) || 2;
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
const grid = ['--vary', 'fleet.gpus=3..10', '--vary', 'serving.max_batch_size=64,128'];

/** Runs the sweep in this process (worker threads count in process.cpuUsage). */
async function sweep(workers) {
  const out = join(dir, `w${workers}`);
  const io = { out: () => {}, err: (t) => process.stderr.write(t), errIsTty: false };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const code = await main(['sweep', workload, ...grid, '--workers', String(workers), '--out', out, '--quiet'], io);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  if (code !== 0) throw new Error(`sweep --workers ${workers} exited ${code}`);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, csv: readFileSync(join(out, 'sweep.csv'), 'utf8') };
}

const show = (label, r) =>
  console.log(`${label}: ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU (${(r.cpuSeconds / r.seconds).toFixed(2)} cores busy)`);

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

console.log(`cores: ${availableParallelism()}, load average before: ${loadavg()[0].toFixed(2)}`);
const capacity = await usableCores(many);
console.log(`usable cores (busy-loop check, ${many} threads): ${capacity.toFixed(2)}${capacity < many * 0.9 ? ': other processes hold the cores, expect a lower speed-up' : ''}`);
const one = await sweep(1);
show('--workers 1', one);
const two = await sweep(many);
show(`--workers ${many}`, two);
const speedup = one.seconds / two.seconds;
console.log(`speedup: ${speedup.toFixed(2)}x (target >= 1.7x on 2 idle cores)`);
console.log(`same bytes: ${one.csv === two.csv}`);
console.log(`load average after: ${loadavg()[0].toFixed(2)}${loadavg()[0] > availableParallelism() ? ' (other processes competed for the cores: the speed-up is not representative)' : ''}`);
if (one.csv !== two.csv) process.exitCode = 1;
