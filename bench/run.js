#!/usr/bin/env node
/**
 * capsim benchmarks (issue "Performance"): events/s of the engine, simulated requests/s end to
 * end, and peak memory, one scenario per fresh child process so that each peak RSS
 * (`process.resourceUsage().maxRSS`) belongs to that scenario alone.
 *
 *   npm run bench                       # builds, then runs every scenario
 *   node bench/run.js --only day-16xh100 --repeat 3
 *   node bench/run.js --quick           # smoke: small M/M/c, scale-256 for 1 h only
 *
 * Flags: --only NAME[,NAME]  --quick  --repeat N (median of N runs per scenario)  --json  --list
 * Workloads live in bench/workloads/; results are printed as a table (stdout), progress on stderr.
 * Reads the compiled library from ../dist (build first: `npx tsc -p tsconfig.build.json`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const workload = (file) => path.resolve(here, 'workloads', file);

/** The scenarios, declared once: name, what it measures, and how to run it in the child. */
const SCENARIOS = [
  { name: 'mmc', about: 'engine micro: M/M/c on Simulation directly', quickLabel: ' (500k)', run: runMmc },
  { name: 'day-16xh100', about: '24 h, llama-3.1-8b, 16 x h100-sxm, 50 req/s, continuous', run: runWorkload('day-16xh100.yaml') },
  { name: 'day-lognormal', about: '24 h, day-16xh100 with one lognormal class (prompts 900/6000, outputs 180/1000)', run: runWorkload('day-lognormal.yaml') },
  { name: 'scale-256', about: '24 h, 1000 req/s, 256 GPUs (--quick: first hour)', quickLabel: ' (1 h)', run: runWorkload('scale-256.yaml', ['duration=1h']) },
  { name: 'static', about: '24 h chatbot day, static batching, 16 GPUs', run: runWorkload('static.yaml') },
  { name: 'chatbot', about: 'the bundled default workload (workloads/chatbot.yaml)', run: runWorkload('../../workloads/chatbot.yaml') },
  { name: 'trace', about: 'Azure 2023 conv trace, 4x, looped 24 h, 8 GPUs', run: runWorkload('trace.yaml') },
  { name: 'fleet-100k', about: 'pool construction: chatbot with 100,000 x h100-sxm for 1 min (check: buildPools time)', run: runWorkload('../../workloads/chatbot.yaml', [], ['fleet.gpus=100000', 'duration=1m'], { build: true }) },
  { name: 'failures-30k', about: 'failure handling: chatbot on 30,000 x h100-sxm + 10 spares, mtbf 1 h, repair 10 min, for 10 min (~5,000 failures)', run: runWorkload('../../workloads/chatbot.yaml', [], ['fleet.gpus=30000', 'fleet.spares=10', 'fleet.failures.mtbf=1h', 'fleet.failures.repair=10m', 'duration=10m']) },
  { name: 'scaleout-30k', about: 'autoscaling: chatbot scheduled from 100 to 30,000 x h100-sxm at hour 1, for 65 min', run: runWorkload('../../workloads/chatbot.yaml', [], ['fleet.gpus=100', `fleet.autoscale.schedule=[100${',30000'.repeat(23)}]`, 'duration=65m']) },
  { name: 'shared-64', about: '1 h, 64 x h100-sxm, 320 req/s, router shared_queue', run: runWorkload('fleet-64.yaml', [], ['serving.router=shared_queue']) },
  { name: 'll-64', about: '1 h, 64 x h100-sxm, 320 req/s, router least_loaded', run: runWorkload('fleet-64.yaml') },
  { name: 'weeks-4', about: '28 d, weekly profile + 5%/month growth, 4 GPUs (--quick: 2 d)', quickLabel: ' (2 d)', run: runWorkload('weeks-4.yaml', ['duration=2d']) },
];

const args = process.argv.slice(2);
const has = (flag) => args.includes(flag);
const value = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};

if (has('--help') || has('--list')) {
  console.log('usage: node bench/run.js [--only NAME[,NAME]] [--quick] [--repeat N] [--json]\n\nscenarios:');
  for (const s of SCENARIOS) console.log(`  ${s.name.padEnd(12)} ${s.about}`);
} else if (args[0] === '--child') {
  const scenario = SCENARIOS.find((s) => s.name === args[1]);
  const result = await scenario.run(has('--quick'));
  const rssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  process.stdout.write(JSON.stringify({ ...result, rssMb }) + '\n');
} else {
  parent();
}

function parent() {
  const only = value('--only', null);
  const repeat = Math.max(1, Number(value('--repeat', '1')));
  const quick = has('--quick');
  const chosen = only === null ? SCENARIOS : only.split(',').map((n) => {
    const s = SCENARIOS.find((x) => x.name === n);
    if (!s) {
      console.error(`unknown scenario "${n}"; expected one of ${SCENARIOS.map((x) => x.name).join(', ')}`);
      process.exit(2);
    }
    return s;
  });

  const rows = [];
  for (const s of chosen) {
    const runs = [];
    for (let i = 0; i < repeat; i++) {
      console.error(`[bench] ${s.name}${quick ? ' (quick)' : ''} run ${i + 1}/${repeat} ...`);
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', s.name, ...(quick ? ['--quick'] : [])], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) {
        console.error(`[bench] ${s.name} failed (exit ${child.status}${child.signal ? `, ${child.signal}` : ''})`);
        process.exit(1);
      }
      const r = JSON.parse(child.stdout.trim().split('\n').pop());
      console.error(`[bench]   ${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s cpu, ${fmt(r.events / r.wallS)} events/s, ${r.rssMb.toFixed(0)} MB`);
      runs.push(r);
    }
    // The median run by wall time (its own events, requests and check), and the median RSS.
    const byWall = [...runs].sort((a, b) => a.wallS - b.wallS);
    const mid = byWall[(byWall.length - 1) >> 1];
    const rss = runs.map((r) => r.rssMb).sort((a, b) => a - b)[(runs.length - 1) >> 1];
    rows.push({ scenario: s.name + (quick ? (s.quickLabel ?? '') : ''), ...mid, rssMb: rss, runs: runs.length, walls: runs.map((r) => r.wallS) });
  }

  if (has('--json')) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism?.() ?? os.cpus().length} cores; median of ${repeat} run(s); 1-min load average at the end ${os.loadavg()[0].toFixed(1)}`);
  const header = ['scenario', 'requests', 'events', 'wall s', 'wall s min-max', 'cpu s', 'events/s', 'sim requests/s', 'peak RSS MB', 'check'];
  const table = rows.map((r) => [
    r.scenario,
    fmt(r.requests),
    fmt(r.events),
    r.wallS.toFixed(2),
    `${Math.min(...r.walls).toFixed(2)}-${Math.max(...r.walls).toFixed(2)}`,
    r.cpuS.toFixed(2),
    fmt(r.events / r.wallS),
    fmt(r.requests / r.wallS),
    r.rssMb.toFixed(0),
    r.check ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 || i === 9 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w, i) => (i === 0 || i === 9 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const t of table) console.log(line(t));
}

function fmt(x) {
  return Math.round(x).toLocaleString('en-US');
}

/**
 * A capsim workload run end to end through `simulate` (loading excluded from the wall time). With
 * `build`, the pools are first built alone (`buildPools`, as simulate does) and that wall time is
 * reported in the check column.
 */
function runWorkload(file, quickSet = [], set = [], { build = false } = {}) {
  return async (quick) => {
    const { loadWorkload } = await import('../dist/workload/load.js');
    const { simulate } = await import('../dist/simulate.js');
    const scenario = loadWorkload(workload(file), { set: [...set, ...(quick ? quickSet : [])] });
    const buildS = build ? await timeBuild(scenario) : null;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const run = simulate(scenario);
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = cpuSince(cpu0);
    const s = run.summary;
    const built = buildS === null ? '' : `build ${buildS.wallS.toFixed(2)} s (cpu ${buildS.cpuS.toFixed(2)} s), `;
    const check = `${built}completed ${((100 * s.completed) / Math.max(1, s.requests)).toFixed(1)}%, ttft p99 ${s.latency.ttft_ms.p99} ms`;
    return { requests: run.stats.requests, events: run.stats.events, wallS, cpuS, check };
  };
}

/** Wall and CPU seconds of building the scenario's pools alone (what simulate does before its first event). */
async function timeBuild(scenario) {
  const { buildPools } = await import('../dist/serving/buildPools.js');
  const { Simulation } = await import('../dist/engine/Simulation.js');
  const horizonS = scenario.durationS;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  buildPools(scenario, new Simulation(), Math.ceil(horizonS / 3600), horizonS, { fastForward: true, checkInvariants: false }, () => {});
  return { wallS: (performance.now() - t0) / 1000, cpuS: cpuSince(cpu0) };
}

/**
 * M/M/c on the bare engine: Poisson arrivals (lambda), exponential service (mu), c servers, one
 * FIFO queue. Two events per customer (arrival, departure). The mean wait in queue is checked
 * against Erlang C: Wq = C(c, lambda/mu) / (c mu - lambda) (Kleinrock, Queueing Systems I, 3.2).
 */
async function runMmc(quick) {
  const { Simulation } = await import('../dist/engine/Simulation.js');
  const { stream } = await import('../dist/random/streams.js');
  const { exponential } = await import('../dist/random/sample.js');
  const p = JSON.parse(readFileSync(workload('mmc.json'), 'utf8'));
  const customers = quick ? p.quickCustomers : p.customers;
  const { lambda, mu, servers } = p;
  const arrivals = stream(p.seed, 'arrivals');
  const service = stream(p.seed, 'service');

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sim = new Simulation();
  // FIFO of arrival times, a growable ring buffer.
  let ring = new Float64Array(1024);
  let head = 0;
  let size = 0;
  let busy = 0;
  let arrived = 0;
  let served = 0;
  let waitSum = 0;

  const depart = () => {
    served++;
    if (size > 0) {
      waitSum += sim.now - ring[head];
      head = (head + 1) & (ring.length - 1);
      size--;
      sim.schedule(exponential(service, 1 / mu), depart);
    } else {
      busy--;
    }
  };
  const arrive = () => {
    arrived++;
    if (busy < servers) {
      busy++;
      sim.schedule(exponential(service, 1 / mu), depart);
    } else {
      if (size === ring.length) {
        const grown = new Float64Array(ring.length * 2);
        for (let i = 0; i < size; i++) grown[i] = ring[(head + i) & (ring.length - 1)];
        ring = grown;
        head = 0;
      }
      ring[(head + size) & (ring.length - 1)] = sim.now;
      size++;
    }
    if (arrived < customers) sim.schedule(exponential(arrivals, 1 / lambda), arrive);
  };
  sim.schedule(exponential(arrivals, 1 / lambda), arrive);
  sim.run();
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = cpuSince(cpu0);

  const wq = waitSum / served;
  const wqErlang = erlangC(servers, lambda / mu) / (servers * mu - lambda);
  const check = `Wq ${(wq * 1000).toFixed(1)} ms vs Erlang C ${(wqErlang * 1000).toFixed(1)} ms`;
  return { requests: served, events: sim.eventsRun, wallS, cpuS, check };
}

/** CPU seconds (user + system) of this process since `start` (a `process.cpuUsage()`). */
function cpuSince(start) {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** Erlang C: probability that an arrival waits, c servers, offered load a = lambda/mu < c. */
function erlangC(c, a) {
  let term = 1;
  let sum = 1; // k = 0
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const last = (term * a) / c / (1 - a / c);
  return last / (sum + last);
}
