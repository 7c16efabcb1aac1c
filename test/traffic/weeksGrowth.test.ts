import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';

const PROFILE = [0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.2, 1.4, 1.5, 1.5, 1.4, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.5];
const WEEKLY = [1.1, 1.1, 1.1, 1.1, 1.0, 0.8, 0.8];
const PER_S = 30 * 86_400;
const GROWTH = 0.05;

/** Four weeks served by a hosted API only (no GPU queue), so the test is about arrivals. */
function fourWeeks(rate: number) {
  return resolveWorkload({
    name: 'weeks',
    seed: 5,
    duration: '28d',
    traffic: { rate, daily_profile: PROFILE, weekly_profile: WEEKLY, growth: { per: '30d', rate: GROWTH } },
    classes: [{ name: 'chat', prompt_tokens: 100, output_tokens: 20 }],
    api: { name: 'hosted', use_for: 'all', input_per_million: 0.15, output_per_million: 0.6, ttft: '200ms', tokens_per_second: 100 },
  });
}

/**
 * Expected arrivals of day d, derived independently of src/traffic/rateByHour.ts:
 * E_d = rate x w_d x sum_h p_h x ∫_hour (1+g)^(t/per) dt, with the antiderivative
 * per / ln(1+g) x (1+g)^(t/per); w and p normalised to mean 1.
 */
function expectedDay(rate: number, d: number): number {
  const wMean = WEEKLY.reduce((a, b) => a + b, 0) / 7;
  const pMean = PROFILE.reduce((a, b) => a + b, 0) / 24;
  const F = (t: number) => (PER_S / Math.log(1 + GROWTH)) * (1 + GROWTH) ** (t / PER_S);
  let sum = 0;
  for (let h = 0; h < 24; h++) {
    const t0 = (d * 24 + h) * 3600;
    sum += (PROFILE[h] / pMean) * (F(t0 + 3600) - F(t0));
  }
  return rate * (WEEKLY[d % 7] / wMean) * sum;
}

describe('traffic.weekly_profile and traffic.growth over four weeks', () => {
  const rate = 0.2; // ~17k arrivals a day, ~490k in four weeks
  const run = simulate(fourWeeks(rate));
  const days = run.summary.by_day!;

  it('per-day arrivals follow weekly profile x growth: chi-square over 28 days below the 0.1% critical value (56.9, 28 dof)', () => {
    expect(days).toHaveLength(28);
    let chi2 = 0;
    for (const day of days) {
      const e = expectedDay(rate, day.day);
      chi2 += (day.requests - e) ** 2 / e;
    }
    console.log(`weeks: chi2 ${chi2.toFixed(1)} over 28 days (28 dof)`);
    expect(chi2).toBeLessThan(56.9);
    // And not trivially: without the growth term the same counts are far off (the last week is
    // (1.05)^(21/30) = 3.5% above the first, ~600 requests a day against sqrt(17k) = 130 noise).
    let chi2NoGrowth = 0;
    for (const day of days) {
      const e = expectedDay(rate, day.day) / (1 + GROWTH) ** ((day.day * 86_400 + 43_200) / PER_S);
      chi2NoGrowth += (day.requests - e) ** 2 / e;
    }
    console.log(`weeks: chi2 without growth ${chi2NoGrowth.toFixed(1)}`);
    expect(chi2NoGrowth).toBeGreaterThan(200);
  });

  it('by_day adds up to the hourly rows and the summary (cost, requests, worst-hour p99)', () => {
    const sum = (k: 'requests' | 'completed' | 'total_cost') => days.reduce((s, d) => s + d[k], 0);
    expect(sum('requests')).toBe(run.summary.requests);
    expect(sum('completed')).toBe(run.summary.completed);
    expect(sum('total_cost')).toBeCloseTo(run.summary.total_cost, 4);
    const day3 = run.hourly.slice(72, 96);
    expect(days[3].hours).toBe(24);
    expect(days[3].worst_hour_e2e_p99_ms).toBe(Math.max(...day3.map((r) => r.e2e_p99_ms ?? 0)));
    expect(run.hourly).toHaveLength(672);
    expect(run.hourly[671].hour).toBe(671);
  });

  it('hourly throughput of an API-only run: completions of the hour / 3600 (fixed 200 ms + 20/100 s latency)', () => {
    // Every request ends 0.2 + 0.19 = 0.39 s after it arrives (ttft, then 19 tokens at 100/s),
    // so the requests completed in hour h are those that arrived in [3600h - 0.39, 3600(h+1) - 0.39):
    // about the hour's arrivals (within the few that straddle a boundary).
    for (const r of run.hourly.slice(0, 671)) {
      expect(Math.abs(r.throughput_rps * 3600 - r.arrivals)).toBeLessThanOrEqual(3);
      expect(r.output_tokens_per_s).toBeCloseTo(r.throughput_rps * 20, 3);
    }
  });
});

describe('hourly throughput_rps against a saturated server (Little-style hand check)', () => {
  it('one replica, batch size 1, fixed S = 1 ms + 99 x 1 ms = 0.1 s, offered 2x capacity: 10.0 requests/s completed every hour', () => {
    const scenario = resolveWorkload({
      name: 'saturated',
      seed: 3,
      duration: '3h',
      traffic: { rate: 20 },
      classes: [{ name: 'q', prompt_tokens: 10, output_tokens: 100 }],
      model: 'llama-3.1-8b',
      gpu: 'h100-sxm',
      fleet: { gpus: 1 },
      serving: { max_batch_size: 1, max_batch_tokens: 8192, max_queue_time: '10000h' },
      perf: { prefill: { base: 0.001, per_token: 0 }, decode: { base: 0.001, per_seq: 0, per_kv_token: 0 } },
    });
    const run = simulate(scenario);
    // The server is never idle after the first arrival: 3600 / 0.1 = 36,000 completions an hour.
    for (const r of run.hourly) {
      expect(Math.abs(r.throughput_rps - 10)).toBeLessThanOrEqual(2 / 3600);
      expect(r.output_tokens_per_s).toBeCloseTo(r.throughput_rps * 100, 3);
    }
    // Per class rows carry the same figures with one class.
    expect(run.hourlyByClass.map((r) => r.throughput_rps)).toEqual(run.hourly.map((r) => r.throughput_rps));
  });
});

describe('weekly_profile and growth: validation', () => {
  const base = { name: 'v', classes: [{ name: 'c', prompt_tokens: 10, output_tokens: 10 }], api: { name: 'gpt-4o-mini', use_for: 'all' } };
  it('normalises the weekly profile to mean 1', () => {
    const s = resolveWorkload({ ...base, traffic: { rate: 1, weekly_profile: [2, 2, 2, 2, 2, 1, 1] } });
    expect(s.traffic.weeklyProfile!.reduce((a, b) => a + b, 0)).toBeCloseTo(7, 12);
    expect(s.traffic.weeklyProfile![5]).toBeCloseTo(7 / 12, 12);
    expect(s.traffic.growth).toBeNull();
  });
  it('reads growth.per as a duration', () => {
    const s = resolveWorkload({ ...base, traffic: { rate: 1, growth: { per: '30d', rate: 0.05 } } });
    expect(s.traffic.growth).toEqual({ perS: 2_592_000, rate: 0.05 });
  });
  it.each([
    [{ rate: 1, weekly_profile: [1, 1, 1] }, 'traffic.weekly_profile'],
    [{ rate: 1, weekly_profile: [0, 0, 0, 0, 0, 0, 0] }, 'must not be all zero'],
    [{ rate: 1, growth: { per: '30d', rate: -1 } }, 'must be > -1'],
    [{ rate: 1, growth: { rate: 0.05 } }, 'traffic.growth.per'],
  ])('rejects %j', (traffic, message) => {
    expect(() => resolveWorkload({ ...base, traffic })).toThrow(message);
  });
});
