import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

/**
 * Two pools: a 3B model on L4s for chat, an 8B model on H100s for summaries (the built-in
 * roofline step model, so the two pools really differ). Each pool is also run alone, with the
 * other pool's class sent to a free, instant hosted API: same arrivals, same token counts
 * (every class and stream is drawn as in the two-pool run), nothing else billed.
 */
const classes = [
  {
    name: 'chat',
    weight: 0.7,
    prompt_tokens: { dist: 'lognormal', median: 800, p99: 4000, max: 8000 },
    output_tokens: { dist: 'lognormal', median: 150, p99: 600, max: 2000 },
    slo: { ttft: '1s' },
  },
  {
    name: 'summarize',
    weight: 0.3,
    prompt_tokens: { dist: 'uniform', min: 2000, max: 6000 },
    output_tokens: { dist: 'uniform', min: 100, max: 400 },
    slo: { e2e: '60s' },
  },
];
const small = { name: 'small', model: 'llama-3.2-3b', gpu: 'l4', gpus: 3, serves: ['chat'] };
const large = { name: 'large', model: 'llama-3.1-8b', gpu: 'h100-sxm', gpus: 2, serves: ['summarize'] };
const base = { name: 'pools', seed: 5, duration: '3h', traffic: { rate: 6 }, classes, costs: { electricity_per_kwh: 0.15, pue: 1.2 } };
const freeApi = (cls: string) => ({ name: 'free', input_per_million: 0, output_per_million: 0, ttft: 0, tokens_per_second: 1e9, use_for: [cls] });

describe('pools', () => {
  const both = run({ ...base, pools: [small, large] });
  const smallAlone = run({ ...base, pools: [small], api: freeApi('summarize') });
  const largeAlone = run({ ...base, pools: [large], api: freeApi('chat') });

  it('every class reaches only its pool: each request has the same times as in the run with its pool alone', () => {
    expect(both.summary.requests).toBe(smallAlone.summary.requests);
    expect(both.summary.api_requests).toBe(0);
    const times = (e: (typeof both.ended)[number]) => [e.outcome, e.request.startedAt, e.request.firstTokenAt, e.request.finishedAt];
    both.ended.forEach((e, i) => {
      const alone = e.request.classIndex === 0 ? smallAlone.ended[i] : largeAlone.ended[i];
      expect(alone.request.id).toBe(e.request.id);
      expect(times(alone)).toEqual(times(e));
    });
  });

  it("a two-pool workload's hourly costs equal the sum of the pools' costs run separately", () => {
    both.hourly.forEach((row, h) => {
      const a = smallAlone.hourly[h];
      const b = largeAlone.hourly[h];
      // Each figure is rounded to 1e-6 USD in the outputs.
      expect(Math.abs(row.gpu_cost - (a.gpu_cost + b.gpu_cost))).toBeLessThanOrEqual(2e-6);
      expect(Math.abs(row.energy_cost - (a.energy_cost + b.energy_cost))).toBeLessThanOrEqual(2e-6);
      expect(Math.abs(row.total_cost - (a.total_cost + b.total_cost))).toBeLessThanOrEqual(1e-5);
      expect(row.gpus).toBe(a.gpus + b.gpus);
      expect(row.gpu_cost).toBeGreaterThan(0);
    });
  });

  it('hourly_by_class.csv: each class carries the fleet costs of its own pool', () => {
    for (const [cls, alone] of [['chat', smallAlone], ['summarize', largeAlone]] as const) {
      both.hourlyByClass.filter((r) => r.class === cls).forEach((row, h) => {
        expect(Math.abs(row.gpu_cost - alone.hourly[h].gpu_cost)).toBeLessThanOrEqual(2e-6);
        expect(Math.abs(row.energy_cost - alone.hourly[h].energy_cost)).toBeLessThanOrEqual(2e-6);
      });
    }
  });
});
