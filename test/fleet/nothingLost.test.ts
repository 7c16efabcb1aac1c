import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadWorkload, resolveWorkload } from '../../src/workload/load.js';
import { simulate, type SimulationRun } from '../../src/simulate.js';
import type { Scenario } from '../../src/workload/scenario.js';

/**
 * Conservation of requests (issue 20 items 5 and 6): every arrival ends exactly once, completed
 * or dropped, whatever the fleet does (a schedule or an autoscaler at 0 GPUs, provisioning 0,
 * failures, spares, spot interruptions), and a count of 0 bills no GPU.
 */
function conserved(scenario: Scenario): SimulationRun {
  const ended = new Set<number>();
  let twice = 0;
  const run = simulate(scenario, {
    onRequestEnd: (r) => {
      if (ended.has(r.id)) twice++;
      ended.add(r.id);
    },
  });
  expect(twice).toBe(0);
  // in flight after the drain: arrivals that never ended
  expect(run.stats.requests - ended.size).toBe(0);
  for (const row of run.hourly) expect(row.completed + row.dropped).toBe(row.arrivals);
  expect(run.summary.completed + run.summary.dropped).toBe(run.summary.requests);
  expect(run.summary.requests).toBe(run.stats.requests);
  return run;
}

const ROUTERS = ['least_loaded', 'round_robin', 'random', 'prefix_affinity', 'shared_queue'] as const;

function small(fleet: Record<string, unknown>, extra: Record<string, unknown> = {}, router = 'least_loaded'): Scenario {
  return resolveWorkload({
    name: 'nothing-lost',
    seed: 3,
    duration: '4h',
    // hour 1 has no traffic at all
    traffic: { rate: 2, daily_profile: [1, 0, 1, 1, ...Array(20).fill(1)] },
    classes: [
      { name: 'chat', prompt_tokens: 600, output_tokens: 120, shared_prefix_tokens: 200 },
      { name: 'bulk', priority: 'batch', deadline: '30m', prompt_tokens: 3000, output_tokens: 200, weight: 0.25 },
    ],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet,
    serving: { router, max_queue_time: '20m' },
    cache: { prefix: true },
    ...extra,
  });
}

const FLEETS: [string, Record<string, unknown>][] = [
  ['static', { gpus: 2 }],
  ['schedule with 0-GPU hours', { autoscale: { schedule: [1, 0, 2, 0, ...Array(20).fill(1)], provisioning: '2m' } }],
  ['schedule, provisioning 0, starting at 0', { autoscale: { schedule: [0, 1, 0, 2, ...Array(20).fill(1)], provisioning: 0 } }],
  ['reactive min 0, queue_time', { autoscale: { min: 0, max: 4, target: '2s', cooldown: '1m' } }],
  ['reactive min 0, utilization, provisioning 0', { autoscale: { min: 0, max: 4, metric: 'utilization', target: 0.5, provisioning: 0, cooldown: '1m' } }],
  ['failures with a spare', { gpus: 2, failures: { mtbf: '1h', repair: '20m' }, spares: 1 }],
  ['failures, reactive', { autoscale: { min: 1, max: 3, cooldown: '2m' }, failures: { mtbf: '1h', repair: '5m' } }],
  ['spot interruptions', { gpus: 2, pricing: { spot: { interruptions_per_hour: 3, notice: '30s' } } }],
];

describe('every arrival ends completed or dropped, for every fleet feature and router', () => {
  for (const [name, fleet] of FLEETS) {
    it.each(ROUTERS)(`${name}: %s`, (router) => {
      conserved(small(fleet, {}, router));
    });
  }
});

describe('a count of 0 runs and bills no GPU', () => {
  it('schedule hours at 0 bill 0 GPUs; requests arriving then wait for the next hour', () => {
    const run = conserved(small({ autoscale: { schedule: [1, 0, 0, 1, ...Array(20).fill(1)], provisioning: '2m' } }, { traffic: { rate: 2 } }));
    const [h0, h1, h2, h3] = run.hourly;
    // hour 1: the replica drains its batch at 1:00 (seconds), then nothing is billed
    expect(h1.gpus).toBeLessThan(0.01);
    expect(h1.replicas_ready).toBe(0);
    // hour 2: only the replica provisioned 2 minutes ahead of hour 3
    expect(h2.gpus).toBeCloseTo(2 / 60, 3); // the column is rounded to 1e-4
    expect(h2.gpu_cost).toBeCloseTo((2 / 60) * h0.gpu_cost, 6);
    expect(h3.replicas_ready).toBe(1);
    // arrivals of hours 1 and 2 waited past max_queue_time (20 min) but those of the last 20
    // minutes of hour 2 are served in hour 3
    expect(h1.dropped).toBe(h1.arrivals);
    expect(h2.completed).toBeGreaterThan(0);
    expect(h2.dropped).toBeGreaterThan(0);
  });

  it('a schedule ending at 0 drops what still waits when the run ends', () => {
    const run = conserved(small({ autoscale: { schedule: [1, 1, 1, 0, ...Array(20).fill(0)], provisioning: '2m' } }, { serving: { max_queue_time: '5h' } }));
    expect(run.hourly[3].gpus).toBeLessThan(0.01);
    expect(run.hourly[3].completed).toBe(0);
    expect(run.hourly[3].dropped).toBe(run.hourly[3].arrivals);
    expect(run.hourly[3].arrivals).toBeGreaterThan(0);
  });

  it('reactive min 0 scales in to nothing in an hour without traffic, and back out after it', () => {
    const run = conserved(small({ autoscale: { min: 0, max: 4, target: '2s', cooldown: '1m', provisioning: '1m' } }));
    expect(run.hourly[0].gpus).toBeGreaterThan(0.9);
    expect(run.hourly[1].arrivals).toBe(0);
    expect(run.hourly[1].gpus).toBeLessThan(0.05);
    expect(run.hourly[2].completed).toBeGreaterThan(0);
  });

  it('provisioning 0 on an empty fleet serves the requests that waited for the first replica', () => {
    const run = conserved(small({ autoscale: { min: 0, max: 2, target: '2s', provisioning: 0 } }));
    expect(run.hourly[0].gpus).toBeGreaterThan(0.5);
    expect(run.hourly[0].completed).toBeGreaterThan(0.9 * run.hourly[0].arrivals);
  });
});

describe('a schedule rules from hour 0 (issue 13 item 3)', () => {
  const schedule = [2, 2, 2, 2, 2, 2, 3, ...Array(17).fill(3)];
  it('fleet.gpus different from schedule[0] is an input error naming both', () => {
    expect(() => small({ gpus: 6, autoscale: { schedule } })).toThrow(/fleet\.gpus.*must equal autoscale\.schedule\[0\] \(2\)/s);
    expect(() => small({ gpus: 2, autoscale: { schedule } })).not.toThrow();
  });

  it('hours 0-5 run and bill the schedule count, even from a pool built larger', () => {
    const base = small({ autoscale: { schedule, provisioning: '3m' } }, { duration: '7h', traffic: { rate: 0.2 } });
    // Force the state the bug produced (a starting fleet of 6) to check the scheduler itself.
    const pool = base.pools[0];
    const forced: Scenario = { ...base, pools: [{ ...pool, gpus: 6, replicas: 6 }] };
    for (const scenario of [base, forced]) {
      const run = conserved(scenario);
      for (let h = 0; h < 5; h++) {
        expect(run.hourly[h].replicas_ready).toBeLessThanOrEqual(2 + 0.01);
        expect(run.hourly[h].gpus).toBeLessThan(2.01);
      }
      // 3 GPUs from hour 6; the third provisioned 3 minutes ahead, in hour 5
      expect(run.hourly[5].gpus).toBeCloseTo(2 + 3 / 60, 2);
      expect(run.hourly[6].replicas_ready).toBeCloseTo(3, 6);
    }
  });
});

describe('every bundled workload conserves its requests', () => {
  const root = resolve(__dirname, '../../workloads');
  const files = [
    ...readdirSync(root).filter((f) => f.endsWith('.yaml')).map((f) => join(root, f)),
    ...['levers', 'templates'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(root, d, f))),
  ];
  it.each(files)('%s (first 2 hours)', (file) => {
    conserved(loadWorkload(file, { set: ['duration=2h'] }));
  });
});
