import { describe, expect, it } from 'vitest';
import { loadWorkload, resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import type { HourRow } from '../../src/metrics/results.js';

const costColumns = ['gpu_cost', 'energy_cost', 'api_cost', 'cache_cost', 'other_cost'] as const;

function small(fleet: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return resolveWorkload({
    name: 'fleet',
    seed: 11,
    duration: '6h',
    traffic: { rate: 1, daily_profile: [1, 0, 1, 1, 0, 1, ...Array(18).fill(1)] },
    classes: [{ name: 'chat', prompt_tokens: 500, output_tokens: 100, slo: { ttft: '2s' } }],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet,
    ...extra,
  });
}

function checkInvariants(rows: readonly HourRow[]) {
  for (const r of rows) {
    expect(r.completed + r.dropped).toBe(r.arrivals);
    const sum = costColumns.reduce((s, c) => s + r[c], 0);
    expect(Math.abs(sum - r.total_cost)).toBeLessThan(1e-5);
  }
}

describe('billing', () => {
  it('a reserved base is billed every hour, with or without traffic; on-demand on top', () => {
    const run = simulate(small({ gpus: 6, pricing: { reserved: { gpus: 4, price_per_hour: 2.1 }, on_demand: { price_per_hour: 3.9 } } }));
    for (const r of run.hourly) expect(r.gpu_cost).toBeCloseTo(4 * 2.1 + 2 * 3.9, 6);
    expect(run.hourly[1].arrivals).toBe(0);
    expect(run.summary.cost_breakdown.gpu_by_pricing.reserved).toBeCloseTo(6 * 4 * 2.1, 6);
    expect(run.summary.cost_breakdown.gpu_by_pricing.on_demand).toBeCloseTo(6 * 2 * 3.9, 6);
    checkInvariants(run.hourly);
  });

  it('per-hour billing bills a started hour whole; per-second bills the part', () => {
    const perHour = simulate(small({ gpus: 2, pricing: 3, billing: 'per_hour' }, { duration: '90m' }));
    const perSecond = simulate(small({ gpus: 2, pricing: 3, billing: 'per_second' }, { duration: '90m' }));
    expect(perHour.hourly.map((r) => r.gpu_cost)).toEqual([6, 6]);
    expect(perSecond.hourly.map((r) => r.gpu_cost)).toEqual([6, 3]);
    checkInvariants(perHour.hourly);
  });
});

describe('storage grown by requests', () => {
  it('bills the GB held each hour: initial + bytes per request x requests so far', () => {
    const run = simulate(
      small({ gpus: 1 }, { traffic: { rate: 2 }, costs: { storage: { bytes_per_request: 5e6, price_per_gb_month: 0.1, initial_gb: 100 } } }),
    );
    let before = 0;
    let expected = 0;
    for (const r of run.hourly) {
      // GB over the hour, its own arrivals counted at half (they arrive through the hour)
      expected += ((100 + (5e6 * (before + r.arrivals / 2)) / 1e9) * 0.1) / 730;
      before += r.arrivals;
    }
    expect(run.summary.cost_breakdown.other_by_item.storage_growth).toBeCloseTo(expected, 5);
    // each hour's other_cost grows as requests pile up
    const other = run.hourly.map((r) => r.other_cost);
    expect(other[5]).toBeGreaterThan(other[0]);
    checkInvariants(run.hourly);
  });
});

describe('autoscaling', () => {
  it('a schedule reproduces its counts: ready replicas exactly, billed GPUs within provisioning and drain time', () => {
    const schedule = [2, 4, 1, 3, 3, 2, ...Array(18).fill(2)];
    const run = simulate(small({ autoscale: { schedule, provisioning: '3m' } }));
    run.hourly.forEach((r, h) => {
      // ready: the schedule's count all hour (scale-outs are provisioned ahead, scale-ins start
      // at the hour); billed GPUs: plus the next hour's scale-out provisioning (3 of 60 min) and
      // a scale-in's drain (seconds).
      expect(r.replicas_ready).toBeCloseTo(schedule[h], 6);
      const provisioningAhead = Math.max(0, (schedule[h + 1] ?? 0) - schedule[h]) * (3 / 60);
      expect(r.gpus).toBeGreaterThanOrEqual(schedule[h] + provisioningAhead - 1e-9);
      expect(r.gpus).toBeLessThan(schedule[h] + provisioningAhead + 0.05);
    });
    checkInvariants(run.hourly);
  });

  it('an hour-by-hour schedule meets the chatbot SLOs for less than the static fleet that meets them', () => {
    const staticRun = simulate(loadWorkload(null, { set: ['fleet.gpus=3'] }));
    expect(staticRun.summary.meets_slo).toBe(true);
    // GPUs in proportion to the hour's traffic: 3 x profile / 1.4 rounded up (a little headroom
    // over the static fleet's 3 GPUs at the 1.5x peak), at least 2: with the default host
    // overheads one H100 missed the chat TTFT limit at night (0.3-0.4x, p99 1.30 s > 1 s; measured
    // before the length-dependent prefill attention, 82950a5). 65 GPU-hours against the static
    // 72; measured $448.28 against $495.36 of GPU cost.
    const profile = [0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.2, 1.4, 1.5, 1.5, 1.4, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.5];
    const schedule = profile.map((w) => Math.max(2, Math.ceil((3 * w) / 1.4)));
    const scheduled = simulate(loadWorkload(null, { set: [`fleet.gpus=${schedule[0]}`, `fleet.autoscale={schedule: [${schedule.join(',')}]}`] }));
    expect(scheduled.summary.meets_slo).toBe(true);
    expect(scheduled.summary.cost_breakdown.gpu_cost).toBeLessThan(staticRun.summary.cost_breakdown.gpu_cost);
    checkInvariants(scheduled.hourly);
  });

  it('reactive autoscaling follows the chatbot day and costs less than the static fleet meeting the same SLO', () => {
    const staticRun = simulate(loadWorkload(null, { set: ['fleet.gpus=3'] }));
    expect(staticRun.summary.meets_slo).toBe(true); // 3 GPUs: the cheapest static fleet (2 misses, see capsim plan)
    // Tuned with the default host overheads (fitted, docs/gpu-model.md) and the length-dependent
    // prefill attention: target 225ms, cooldown 10m cost $471.57 against the static $495.36. The
    // controller is sensitive to its settings here (same code): target 175ms / cooldown 20m $610.66,
    // 200ms / 10m $541.46, 250ms / 10m and 300ms / 5m miss an hour.
    const reactive = simulate(
      loadWorkload(null, {
        set: ['fleet.gpus=3', 'fleet.autoscale={min: 2, max: 4, metric: queue_time, target: 225ms, provisioning: 3m, cooldown: 10m}'],
      }),
    );
    const gpus = reactive.hourly.map((r) => r.gpus);
    const night = (gpus[1] + gpus[2] + gpus[3]) / 3;
    const afternoon = (gpus[13] + gpus[14] + gpus[16] + gpus[17]) / 4;
    expect(afternoon).toBeGreaterThan(1.5 * night);
    expect(reactive.summary.meets_slo).toBe(true);
    expect(reactive.summary.cost_breakdown.gpu_cost).toBeLessThan(staticRun.summary.cost_breakdown.gpu_cost);
    checkInvariants(reactive.hourly);
  });
});

describe('failures and spot interruptions', () => {
  it('replica-time lost to failures matches MTTR / (MTBF + MTTR) within 10%', () => {
    const mtbfH = 10;
    const repairH = 1;
    // 16 replicas x 2000 h: about 2,900 failure-repair cycles, a 2.6% standard error on the fraction.
    const run = simulate(small({ gpus: 16, failures: { mtbf: `${mtbfH}h`, repair: `${repairH}h` } }, { duration: '2000h', traffic: { rate: 0.02 } }));
    const readyMean = run.hourly.reduce((s, r) => s + r.replicas_ready, 0) / run.hourly.length;
    const lost = 1 - readyMean / 16;
    const expected = repairH / (mtbfH + repairH);
    expect(Math.abs(lost / expected - 1)).toBeLessThan(0.1);
    expect(run.summary.failures).toBeGreaterThan(2000);
    checkInvariants(run.hourly);
  });

  it('a spare takes over at once: less replica-time lost with one spare, billed as a GPU', () => {
    const fleet = { gpus: 4, failures: { mtbf: '20h', repair: '2h' } };
    const without = simulate(small(fleet, { duration: '200h', traffic: { rate: 0.05 } }));
    const withSpare = simulate(small({ ...fleet, spares: 1 }, { duration: '200h', traffic: { rate: 0.05 } }));
    const ready = (rows: readonly HourRow[]) => rows.reduce((s, r) => s + r.replicas_ready, 0);
    expect(ready(withSpare.hourly)).toBeGreaterThan(ready(without.hourly));
    expect(withSpare.hourly[0].gpus).toBe(5);
  });

  it('a lost replica hands back its waiting batch requests too: nothing is lost', () => {
    const run = simulate(
      small(
        { gpus: 2, failures: { mtbf: '2h', repair: '10m' } },
        {
          traffic: { rate: 3 },
          classes: [
            { name: 'chat', weight: 3, prompt_tokens: 800, output_tokens: 300 },
            { name: 'nightly', weight: 1, priority: 'batch', deadline: '12h', prompt_tokens: 6000, output_tokens: 600 },
          ],
        },
      ),
    );
    expect(run.summary.failures).toBeGreaterThan(0);
    checkInvariants(run.hourly);
    expect(run.summary.completed + run.summary.dropped).toBe(run.summary.requests);
  });

  it('spot interruptions re-queue requests and lose none', () => {
    const run = simulate(
      small(
        { gpus: 4, pricing: { spot: { price_per_hour: 2, interruptions_per_hour: 0.5, notice: '2s' } } },
        { traffic: { rate: 4 }, classes: [{ name: 'chat', prompt_tokens: 2000, output_tokens: 2000 }] },
      ),
    );
    expect(run.summary.requeued).toBeGreaterThan(0);
    expect(run.summary.dropped).toBe(0);
    checkInvariants(run.hourly);
  });
});
