#!/usr/bin/env node
/**
 * What a sweep's dispatch order is worth, apart from the machine's noise (issue 19 item 4): the
 * 8-point sweep of bench/sweepSpeedup.mjs (fleet.gpus=3..10, 6 h at 40 requests/s), each point
 * simulated in this thread one after another (warm, after a warm-up point), CPU seconds per point,
 * the lowest of --repeat rounds (default 3); then a lane thread's start-up (from `new Worker` to
 * its first point, and that first point's CPU seconds, cold). From those it computes the end of
 * the sweep on --workers lanes (default 2) when the lanes take the points in grid order and in
 * heaviest first (capsim before takeNext), and as capsim takes them now (src/sweep/dispatchOrder.ts:
 * each free lane calls takeNext with what every lane runs and since when, on the dispatch's expected
 * seconds): list scheduling, this thread's lane from 0, each thread's lane from its start-up, every
 * lane's first point at its cold cost (one lane too).
 *
 * Then a Monte Carlo (--draws D, default 10,000; a fixed seed) of the same two rules: each point's
 * cost +-10% of its measured one, the threads' start-up 0.3-1.2 s, the expected seconds as capsim
 * computes them (and scaled by 1/2 and 2: SECONDS_PER_EVENT off by 2x either way); and on synthetic
 * sweeps (2, 4, 8 lanes; lanes + 1 to 6 x lanes points of 0.3-3 s, flat, rising, falling or
 * random along the grid; estimates +-5% and off by 0.5-2x; costs +-10%; start-up 0.3-1.2 s and
 * cold first points +0.3-0.5 s per thread) with no measuring (--synthetic-only skips the measuring).
 *
 * Usage: npx tsc -p tsconfig.build.json && node bench/sweepSchedule.mjs [--repeat R] [--workers N] [--draws D] [--synthetic-only]
 */
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPoint } from '../dist/sweep/runPoint.js';
import { dispatchOrder, takeNext } from '../dist/sweep/dispatchOrder.js';
import { loadWorkload } from '../dist/workload/load.js';

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const repeat = Number(arg('--repeat', 3));
const lanes = Number(arg('--workers', 2));
const draws = Number(arg('--draws', 10_000));
const syntheticOnly = process.argv.includes('--synthetic-only');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

// The workload of bench/sweepSpeedup.mjs, taken from its source so that the two stay the same.
const speedup = readFileSync(fileURLToPath(new URL('./sweepSpeedup.mjs', import.meta.url)), 'utf8');
const folder = mkdtempSync(join(tmpdir(), 'capsim-schedule-'));
const file = join(folder, 'bench.yaml');
writeFileSync(file, /`(name: sweep-bench[\s\S]*?)`,/.exec(speedup)[1]);
const gpus = [3, 4, 5, 6, 7, 8, 9, 10];
const tasks = gpus.map((g) => ({ file, set: ['serving.max_batch_size=128', `fleet.gpus=${g}`], replications: 0, runDir: null }));

const cpuS = (f) => {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/**
 * The end of a sweep on `n` lanes, list scheduling: lane 0 free from 0, the others from `startS`
 * (one figure or one per lane), each lane's first point `coldS` more. `rule` 'lpt' takes `order`
 * as it is (heaviest first); 'takeNext' asks capsim's rule, given `expectedS`, at each free lane.
 */
function schedule({ n, actualS, expectedS, order, startS, coldS, rule }) {
  const laneStart = (k) => (k === 0 ? 0 : Array.isArray(startS) ? startS[k] : startS);
  const st = Array.from({ length: n }, (_, k) => ({ k, at: laneStart(k), first: true, task: -1, since: 0 }));
  const remaining = [...order];
  while (remaining.length > 0) {
    const lane = st.reduce((a, b) => (b.at < a.at ? b : a));
    const now = lane.at;
    const view = st.map((l) => ({ task: l.at > now ? l.task : -1, sinceS: l.since }));
    const task = rule === 'lpt' ? remaining[0] : takeNext(remaining, expectedS, lane.k, view, now);
    remaining.splice(remaining.indexOf(task), 1);
    lane.task = task;
    lane.since = now;
    lane.at = now + actualS[task] + (lane.first ? (Array.isArray(coldS) ? coldS[lane.k] : coldS) : 0);
    lane.first = false;
  }
  return Math.max(...st.map((l) => l.at));
}

let seed = 20261203;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const uniform = (a, b) => a + (b - a) * rnd();

/** Mean end of each rule over the draws, the share of draws where takeNext ends > 2% after heaviest first, and the worst ratio. */
function compare(draw, count) {
  let lpt = 0;
  let next = 0;
  let worse = 0;
  let better = 0;
  let worst = 0;
  for (let d = 0; d < count; d++) {
    const x = draw();
    const a = schedule({ ...x, rule: 'lpt' });
    const b = schedule({ ...x, rule: 'takeNext' });
    lpt += a;
    next += b;
    if (b > a * 1.02) worse++;
    if (b < a * 0.98) better++;
    worst = Math.max(worst, b / a);
  }
  const pct = (k) => `${((100 * k) / count).toFixed(1)}%`;
  return `heaviest first ${(lpt / count).toFixed(2)} s, takeNext ${(next / count).toFixed(2)} s (${(lpt / next).toFixed(3)}x); takeNext > 2% later in ${pct(worse)} of draws, > 2% sooner in ${pct(better)}, at worst ${worst.toFixed(3)}x heaviest first's end`;
}

if (!syntheticOnly) {
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

  const total = best.reduce((a, b) => a + b, 0);
  console.log(`per-point CPU s (fleet.gpus ${gpus.join(', ')}; lowest of ${repeat}): ${best.map((x) => x.toFixed(3)).join(', ')}; sum ${total.toFixed(2)}`);
  console.log(`lane thread: first point starts ${startS.toFixed(2)} s after new Worker; a first point costs +${coldExtra.toFixed(2)} s cold`);
  const d = dispatchOrder(tasks, lanes);
  const base = { n: lanes, actualS: best, expectedS: d.expectedS, startS, coldS: coldExtra };
  const grid = schedule({ ...base, order: tasks.map((_, i) => i), rule: 'lpt' });
  const heaviest = schedule({ ...base, order: d.order, rule: 'lpt' });
  const next = schedule({ ...base, order: d.order, rule: 'takeNext' });
  const one = total + coldExtra;
  const x = (end) => `${end.toFixed(2)} s (${(one / end).toFixed(2)}x)`;
  console.log(`expected s (SECONDS_PER_EVENT): ${d.expectedS.map((e) => e.toFixed(2)).join(', ')}`);
  console.log(`one lane: ${one.toFixed(2)} s`);
  console.log(`${lanes} lanes, grid order: ${x(grid)}`);
  console.log(`${lanes} lanes, heaviest first [${d.order.map((i) => gpus[i]).join(', ')} GPUs]: ${x(heaviest)}`);
  console.log(`${lanes} lanes, takeNext: ${x(next)}`);
  const scale = (k) => () => ({
    ...base,
    actualS: best.map((c) => c * uniform(0.9, 1.1)),
    expectedS: d.expectedS.map((e) => e * k),
    startS: uniform(0.3, 1.2),
    order: d.order,
  });
  for (const k of [1, 0.5, 2]) console.log(`Monte Carlo, ${draws} draws, costs +-10%, thread start 0.3-1.2 s${k === 1 ? '' : `, expected s x ${k}`}: ${compare(scale(k), draws)}`);
  console.log(`load average after: ${load()}`);
}

/** A synthetic sweep on `n` lanes (see the header). */
const synthetic = (n) => () => {
  const points = Math.floor(uniform(n + 1, 6 * n + 1));
  const shape = Math.floor(uniform(0, 4));
  const perPointS = uniform(0.3, 3);
  const along = (i) => (shape === 0 ? 1 : shape === 1 ? 1 + (0.5 * i) / points : shape === 2 ? 1.5 - (0.5 * i) / points : uniform(0.5, 1.5));
  const cost = Array.from({ length: points }, (_, i) => perPointS * along(i));
  const off = Math.exp(uniform(Math.log(0.5), Math.log(2)));
  const expectedS = cost.map((c) => c * uniform(0.95, 1.05) * off);
  return {
    n,
    actualS: cost.map((c) => c * uniform(0.9, 1.1)),
    expectedS,
    order: expectedS.map((_, i) => i).sort((a, b) => expectedS[b] - expectedS[a] || a - b),
    startS: Array.from({ length: n }, () => uniform(0.3, 1.2)),
    coldS: Array.from({ length: n }, () => uniform(0.3, 0.5)),
  };
};
for (const n of [2, 4, 8]) console.log(`synthetic sweeps on ${n} lanes, ${draws} draws: ${compare(synthetic(n), draws)}`);
rmSync(folder, { recursive: true });
