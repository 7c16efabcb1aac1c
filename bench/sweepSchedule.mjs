#!/usr/bin/env node
/**
 * What a sweep's dispatch order is worth, apart from the machine's noise (issue 19 item 4): the
 * 8-point sweep of bench/sweepSpeedup.mjs (fleet.gpus=3..10, 6 h at 40 requests/s), each point
 * simulated in this thread one after another (warm, after a warm-up point), CPU seconds per point,
 * the lowest of --repeat rounds (default 3); then a lane thread's start-up (from `new Worker` to
 * its first point, and that first point's CPU seconds, cold). From those it computes the end of
 * the sweep on --workers lanes (default 2) when the lanes take the points in grid order and in
 * the order capsim uses (src/sweep/dispatchOrder.ts): list scheduling, this thread's lane from 0,
 * each thread's lane from its start-up, every lane's first point at its cold cost (one lane too).
 *
 * Usage: npx tsc -p tsconfig.build.json && node bench/sweepSchedule.mjs [--repeat R] [--workers N]
 */
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPoint } from '../dist/sweep/runPoint.js';
import { dispatchOrder } from '../dist/sweep/dispatchOrder.js';
import { loadWorkload } from '../dist/workload/load.js';

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const repeat = Number(arg('--repeat', 3));
const lanes = Number(arg('--workers', 2));
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

// The workload of bench/sweepSpeedup.mjs, taken from its source so that the two stay the same.
const speedup = readFileSync(fileURLToPath(new URL('./sweepSpeedup.mjs', import.meta.url)), 'utf8');
const file = join(mkdtempSync(join(tmpdir(), 'capsim-schedule-')), 'bench.yaml');
writeFileSync(file, /`(name: sweep-bench[\s\S]*?)`,/.exec(speedup)[1]);
const gpus = [3, 4, 5, 6, 7, 8, 9, 10];
const tasks = gpus.map((g) => ({ file, set: ['serving.max_batch_size=128', `fleet.gpus=${g}`], replications: 0, runDir: null }));

const cpuS = (f) => {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

console.log(`load average before: ${load()}`);
runPoint({ ...tasks[0], set: [...tasks[0].set, 'duration=30m'] }); // warm-up
const best = tasks.map(() => Infinity);
for (let r = 0; r < repeat; r++) {
  // alternate the direction so that no point always runs first or last
  const indices = r % 2 === 0 ? tasks.map((_, i) => i) : tasks.map((_, i) => tasks.length - 1 - i);
  for (const i of indices) best[i] = Math.min(best[i], cpuS(() => runPoint(tasks[i])));
}

// A thread's start-up and its first (cold) point: the lightest and the heaviest, each in a fresh
// thread given its workload already loaded, as the sweep's lane threads are (src/sweep/laneRunner.ts).
const thread = (task) =>
  new Promise((resolve, reject) => {
    const start = performance.now();
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const ready = performance.now();
      import(${JSON.stringify(new URL('../dist/sweep/runPoint.js', import.meta.url).href)}).then(({ runPoint }) => {
        const loaded = performance.now();
        const c = process.cpuUsage();
        runPoint(workerData.task, workerData.scenario);
        const u = process.cpuUsage(c);
        parentPort.postMessage({ cpuS: (u.user + u.system) / 1e6, atMs: performance.timeOrigin + loaded });
      });`;
    const w = new Worker(code, { eval: true, workerData: { task, scenario: loadWorkload(task.file, { set: task.set }) } });
    w.on('message', (m) => resolve({ startS: (m.atMs - performance.timeOrigin - start) / 1000, cpuS: m.cpuS }));
    w.on('error', reject);
  });
const cold = [];
for (const i of [0, tasks.length - 1]) cold.push({ i, ...(await thread(tasks[i])) });
const startS = Math.min(...cold.map((c) => c.startS));
const coldExtra = Math.max(0, Math.min(...cold.map((c) => c.cpuS - best[c.i])));

/** The end of the sweep when lanes take `order` (task indices) as they come free. */
function makespan(order) {
  const free = Array.from({ length: lanes }, (_, k) => ({ at: k === 0 ? 0 : startS, first: true }));
  for (const i of order) {
    const lane = free.reduce((a, b) => (b.at < a.at ? b : a));
    lane.at += best[i] + (lane.first ? coldExtra : 0);
    lane.first = false;
  }
  return Math.max(...free.map((l) => l.at));
}

const total = best.reduce((a, b) => a + b, 0);
console.log(`per-point CPU s (fleet.gpus ${gpus.join(', ')}; lowest of ${repeat}): ${best.map((x) => x.toFixed(3)).join(', ')}; sum ${total.toFixed(2)}`);
console.log(`lane thread: first point starts ${startS.toFixed(2)} s after new Worker; a first point costs +${coldExtra.toFixed(2)} s cold`);
const grid = makespan(tasks.map((_, i) => i));
const order = dispatchOrder(tasks, lanes).order;
const ordered = makespan(order);
const one = total + coldExtra;
console.log(`one lane: ${one.toFixed(2)} s`);
console.log(`${lanes} lanes, grid order: ${grid.toFixed(2)} s (${(one / grid).toFixed(2)}x)`);
console.log(`${lanes} lanes, dispatch order [${order.map((i) => gpus[i]).join(', ')} GPUs]: ${ordered.toFixed(2)} s (${(one / ordered).toFixed(2)}x)`);
console.log(`load average after: ${load()}`);
