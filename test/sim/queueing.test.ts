import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import { md1MeanWait, meanRoundedExponential, mmcMeanWait, mmcWaitQuantile, erlangC } from '../helpers/queueing.js';
import type { Request } from '../../src/serving/request.js';

/**
 * The engine against queueing theory. Requests are served one at a time (max_batch_size 1) with
 * a measured `perf` block, so a replica is an ordinary server whose service time is
 * prefill.base + (output_tokens - 1) x decode.base.
 */
function queueWorkload(opts: { rate: number; gpus: number; router: string; output: unknown; durationS: number; seed?: number }) {
  return resolveWorkload({
    name: 'queue',
    seed: opts.seed ?? 7,
    duration: opts.durationS,
    traffic: { rate: opts.rate, arrival: 'poisson' },
    classes: [{ name: 'q', prompt_tokens: 10, output_tokens: opts.output }],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: { gpus: opts.gpus },
    serving: { max_batch_size: 1, max_batch_tokens: 8192, router: opts.router, max_queue_time: '10000h' },
    perf: { prefill: { base: 0.001, per_token: 0 }, decode: { base: 0.001, per_seq: 0, per_kv_token: 0 } },
  });
}

describe('M/D/1: one replica, fixed output tokens (Pollaczek–Khinchine)', () => {
  // S = 1 ms prefill + 99 x 1 ms decode = 0.1 s
  const serviceS = 0.001 + 99 * 0.001;
  it.each([
    [0.5, 200_000],
    [0.9, 1_500_000],
  ])('utilization %s, %s requests: mean queue time within 3%% of ρS/(2(1-ρ))', (rho, requests) => {
    const rate = rho / serviceS;
    const durationS = requests / rate;
    const scenario = queueWorkload({ rate, gpus: 1, router: 'least_loaded', output: 100, durationS });
    const run = simulate(scenario);
    // ρ from the arrivals that were actually drawn, so the test checks the queue, not the RNG.
    const realizedRho = (run.summary.requests / durationS) * serviceS;
    const expected = md1MeanWait(realizedRho, serviceS) * 1000;
    const measured = run.summary.latency.queue_ms.mean!;
    expect(run.summary.dropped).toBe(0);
    expect(Math.abs(measured / expected - 1)).toBeLessThan(0.03);
  });
});

describe('M/M/c: shared_queue, exponential output tokens (Erlang C)', () => {
  const decodeS = 0.001;
  const meanTokens = 1000;
  // Service S = 1 ms + (N - 1) ms with N = max(1, round(Exp(1000))): mean computed exactly.
  const meanServiceS = 0.001 + decodeS * (meanRoundedExponential(meanTokens) - 1);

  // Four independent replications pooled: the mean wait of an M/M/c queue at ρ = 0.8 converges
  // slowly (long busy periods), and one run of 600k requests still has a 2-3% standard error.
  it.each([
    [4, 400_000],
    [16, 400_000],
  ])('c = %s, 4 x %s requests at utilization 0.8: mean wait and P(wait > 0) within 3%%, p99 wait within 5%%', (c, requests) => {
    const lambdaNominal = (0.8 * c) / meanServiceS;
    const durationS = requests / lambdaNominal;
    const waits: number[] = [];
    let service = 0;
    for (const seed of [1, 2, 3, 4]) {
      const scenario = queueWorkload({
        rate: lambdaNominal,
        gpus: c,
        router: 'shared_queue',
        output: { dist: 'exponential', mean: meanTokens },
        durationS,
        seed,
      });
      simulate(scenario, {
        onRequestEnd: (r: Request) => {
          waits.push(r.startedAt - r.queuedAt);
          service += r.finishedAt - r.startedAt;
        },
      });
    }
    // λ and μ as realized by the seeded streams (arrival count, mean service time), so the
    // comparison tests the queue rather than the random numbers feeding it.
    const lambda = waits.length / (4 * durationS);
    const mu = waits.length / service;
    waits.sort((a, b) => a - b);
    const mean = waits.reduce((s, w) => s + w, 0) / waits.length;
    const pWait = waits.filter((w) => w > 1e-12).length / waits.length;
    const p99 = waits[Math.floor(0.99 * (waits.length - 1))];

    expect(Math.abs(mean / mmcMeanWait(c, lambda, mu) - 1)).toBeLessThan(0.03);
    expect(Math.abs(pWait / erlangC(c, lambda / mu) - 1)).toBeLessThan(0.03);
    expect(Math.abs(p99 / mmcWaitQuantile(c, lambda, mu, 0.99) - 1)).toBeLessThan(0.05);
  });
});

describe("Little's law per hour", () => {
  it('time-average requests in system = arrival rate x mean time in system, every hour (1%)', () => {
    const scenario = resolveWorkload({
      name: 'little',
      seed: 3,
      duration: '6h',
      traffic: { rate: 4, daily_profile: [0.5, 1, 1.5, 2, 1, 0.5, ...Array(18).fill(1)] },
      classes: [{ name: 'chat', prompt_tokens: { dist: 'lognormal', median: 800, p99: 4000 }, output_tokens: { dist: 'lognormal', median: 150, p99: 800 } }],
      model: 'llama-3.1-8b',
      gpu: 'h100-sxm',
      fleet: { gpus: 2 },
    });
    const spans: [number, number][] = [];
    simulate(scenario, { onRequestEnd: (r) => spans.push([r.arrivedAt, r.finishedAt]) });
    for (let h = 0; h < 6; h++) {
      const start = h * 3600;
      const end = start + 3600;
      // L: the integral of N(t) over the hour, from every request's overlap with it.
      let area = 0;
      for (const [a, f] of spans) area += Math.max(0, Math.min(f, end) - Math.max(a, start));
      const arrivals = spans.filter(([a]) => a >= start && a < end);
      const lambda = arrivals.length / 3600;
      const w = arrivals.reduce((s, [a, f]) => s + (f - a), 0) / arrivals.length;
      expect(Math.abs(area / 3600 / (lambda * w) - 1)).toBeLessThan(0.01);
    }
  });
});
