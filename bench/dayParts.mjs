#!/usr/bin/env node
/**
 * Where a realistic day's time goes (issue 19 target 1): prints, for one workload,
 *   - events per request by kind and the steady decode runs' lengths (planned and run), counted
 *     on the run itself through wrappers on ContinuousReplica's `startRun`, `finishRun` and `wake`;
 *   - CPU s of the arrivals alone (times, classes, lengths through the same samplers, no serving);
 *   - CPU s of the metrics hooks alone: every `onArrival` / `onEnd` of that run, recorded with
 *     its request's times, replayed into a fresh HourlyMetrics (requests built at arrival and
 *     dropped at end), minus the same replay loop without the hooks;
 *   - CPU s of the steady-run planning loop alone, over the recorded run lengths.
 * Each CPU s is the fastest of three passes (a loaded machine only adds time).
 *
 *   npx tsc -p tsconfig.build.json && node bench/dayParts.mjs [bench/workloads/day-16xh100.yaml] [--set k=v ...]
 *
 * The instrumented run is slower than a plain one (the wrappers); its CPU s is not a figure.
 * Reads the compiled library from ../dist. Prints figures; asserts nothing.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../dist');
const args = process.argv.slice(2);
const file = args[0] && !args[0].startsWith('--') ? path.resolve(args[0]) : path.resolve(here, 'workloads/day-16xh100.yaml');
const set = args.flatMap((a, i) => (args[i - 1] === '--set' ? [a] : []));

const { loadWorkload } = await import(`${dist}/workload/load.js`);
const { simulate } = await import(`${dist}/simulate.js`);
const { syntheticSource } = await import(`${dist}/traffic/requestSource.js`);
const { newRequest } = await import(`${dist}/serving/request.js`);
const { HourlyMetrics } = await import(`${dist}/metrics/HourlyMetrics.js`);
const { ContinuousReplica } = await import(`${dist}/serving/ContinuousReplica.js`);

const scenario = loadWorkload(file, { set });
const horizonS = scenario.durationS;
const cpuS = (f) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

// 1. Arrivals alone (their count also sizes the records below).
let arrivals = 0;
let genS = Infinity;
for (let pass = 0; pass < 3; pass++) {
  genS = Math.min(
    genS,
    cpuS(() => {
      const source = syntheticSource(scenario, horizonS);
      arrivals = 0;
      while (source() !== null) arrivals++;
    }),
  );
}
const arrivalsLine = `arrivals alone: ${genS.toFixed(2)} CPU s, ${((1e9 * genS) / arrivals).toFixed(0)} ns per arrival`;

// 2. The run, instrumented: run kinds and lengths, and every metrics hook call.
const count = { boundaries: 0, idleAfter: 0, prefillRuns: 0, steadyOne: 0, steadyMany: 0, planned: 0, ranMany: 0, cuts: 0, fromIdle: 0, seqs: 0 };
const lengths = [];
/** Replica -> whether its run in flight was planned as a steady run of several iterations. */
const many = new Map();
const R = ContinuousReplica.prototype;
const { startRun, finishRun, wake } = R;
R.startRun = function (headBefore) {
  count.boundaries++;
  startRun.call(this, headBefore);
  if (this.event === null) return void count.idleAfter++;
  const k = this.iterations;
  if (!this.runSteady) count.prefillRuns++;
  else if (k === 1) count.steadyOne++;
  else {
    count.steadyMany++;
    count.planned += k;
    lengths.push(k);
  }
  many.set(this, this.runSteady && k > 1);
  count.seqs += this.decodeSeqs;
};
R.finishRun = function (now) {
  if (many.get(this)) count.ranMany += this.iterations; // as planned, or as cut by a wake
  finishRun.call(this, now);
};
R.wake = function (admits) {
  const planned = this.iterations;
  const idle = this.event === null;
  wake.call(this, admits);
  if (idle) count.fromIdle++;
  else if (this.iterations < planned) count.cuts++;
};
const hooks = []; // id + 1: an arrival, -(id + 1): an end
const N = arrivals + 1; // the run's requests are these arrivals (synthetic open-loop traffic)
const arrived = { at: new Float64Array(N), cls: new Int32Array(N), prompt: new Int32Array(N), output: new Int32Array(N) };
const ended = { queued: new Float64Array(N), started: new Float64Array(N), first: new Float64Array(N), finished: new Float64Array(N), pre: new Int32Array(N), hitT: new Float64Array(N), hitB: new Float64Array(N), how: new Int8Array(N) };
const HOW = [['gpu', undefined], ['dropped', 'queue_time'], ['dropped', 'kv_memory'], ['dropped', 'api_limit'], ['cache', undefined], ['api', undefined]];
const M = HourlyMetrics.prototype;
const { onArrival, onEnd } = M;
M.onArrival = function (r) {
  hooks.push(r.id + 1);
  arrived.at[r.id] = r.arrivedAt;
  arrived.cls[r.id] = r.classIndex;
  arrived.prompt[r.id] = r.promptTokens;
  arrived.output[r.id] = r.outputTokens;
  onArrival.call(this, r);
};
M.onEnd = function (r, outcome, reason = 'queue_time') {
  hooks.push(-(r.id + 1));
  const i = r.id;
  ended.queued[i] = r.queuedAt;
  ended.started[i] = r.startedAt;
  ended.first[i] = r.firstTokenAt;
  ended.finished[i] = r.finishedAt;
  ended.pre[i] = r.preemptions;
  ended.hitT[i] = r.prefixHitTokens;
  ended.hitB[i] = r.prefixHitBlocks;
  ended.how[i] = HOW.findIndex(([o, why]) => o === outcome && (o !== 'dropped' || why === reason));
  onEnd.call(this, r, outcome, reason);
};
const run = simulate(scenario);
Object.assign(R, { startRun, finishRun, wake });
Object.assign(M, { onArrival, onEnd });

const n = run.stats.requests;
const per = (x) => (x / n).toFixed(3);
const runs = count.prefillRuns + count.steadyOne + count.steadyMany;
console.log(`${path.basename(file)}: ${n} requests, ${run.stats.events} events = ${per(run.stats.events)} per request`);
console.log(`  arrivals 1, front-end delay ${scenario.serving.overhead.perRequestS > 0 ? 1 : 0} (serving.overhead.per_request), run boundaries ${per(count.boundaries)}`);
console.log(`  boundaries per request: end of a prefill run ${per(count.prefillRuns)}, of a steady run of 1 iteration ${per(count.steadyOne)}, of several ${per(count.steadyMany)} (cut by an arrival ${per(count.cuts)}); woken from idle ${per(count.fromIdle)}`);
console.log(`  steady runs of several iterations: mean planned ${(count.planned / count.steadyMany).toFixed(1)}, mean run ${(count.ranMany / count.steadyMany).toFixed(1)} (a cut run at its cut length); per request planned ${per(count.planned)}, run ${per(count.ranMany)}`);
console.log(`  decoding sequences per replica at a run's start: ${(count.seqs / runs).toFixed(1)}`);
console.log(arrivalsLine);

// 3. Metrics hooks alone, replayed with the run's own times.
const hours = Math.ceil(horizonS / 3600);
const make = (i) => {
  const r = newRequest(i, arrived.cls[i], arrived.at[i], arrived.prompt[i], arrived.output[i], 0, null, 60);
  r.queuedAt = ended.queued[i];
  r.startedAt = ended.started[i];
  r.firstTokenAt = ended.first[i];
  r.finishedAt = ended.finished[i];
  r.preemptions = ended.pre[i];
  r.prefixHitTokens = ended.hitT[i];
  r.prefixHitBlocks = ended.hitB[i];
  return r;
};
const live = new Array(n).fill(null);
const replayLoop = () => cpuS(() => {
  for (const h of hooks) {
    if (h > 0) live[h - 1] = make(h - 1);
    else live[-h - 1] = null;
  }
});
const replayHooks = () => cpuS(() => {
  const metrics = new HourlyMetrics(scenario, hours, horizonS);
  for (const h of hooks) {
    if (h > 0) metrics.onArrival((live[h - 1] = make(h - 1)));
    else {
      const [outcome, reason] = HOW[ended.how[-h - 1]];
      metrics.onEnd(live[-h - 1], outcome, reason);
      live[-h - 1] = null;
    }
  }
  metrics.closeAll();
});
// The fastest of three passes each (the first ones warm the functions and the heap up).
let loopS = Infinity;
let hooksS = Infinity;
for (let pass = 0; pass < 3; pass++) {
  loopS = Math.min(loopS, replayLoop());
  hooksS = Math.min(hooksS, replayHooks());
}
console.log(`metrics hooks alone: ${(hooksS - loopS).toFixed(2)} CPU s (${hooksS.toFixed(2)} replayed, ${loopS.toFixed(2)} for the loop without hooks), ${((1e9 * (hooksS - loopS)) / n).toFixed(0)} ns per request`);

// 4. The steady-run planning loop alone (startRun's add chain), over the recorded lengths; the
// fastest of three passes (the first one warms the function up).
function planAll(ks, ends) {
  let t = 0;
  for (const k of ks) {
    let kv = 100_000;
    for (let j = 0; j < k; j++) {
      t += 1.1e-5 + 2.2e-9 * kv + 4.8e-4;
      ends[j & 8191] = t;
      kv += 8;
    }
  }
  return t;
}
const endsBuf = new Float64Array(8192);
let loopCpu = Infinity;
for (let pass = 0; pass < 3; pass++) loopCpu = Math.min(loopCpu, cpuS(() => planAll(lengths, endsBuf)));
console.log(`planning loop alone: ${loopCpu.toFixed(2)} CPU s for ${count.planned} iterations (${((1e9 * loopCpu) / count.planned).toFixed(2)} ns each), ${((1e9 * loopCpu) / n).toFixed(0)} ns per request`);
