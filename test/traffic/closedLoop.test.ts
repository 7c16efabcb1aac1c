import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import { meanRoundedExponential } from '../helpers/queueing.js';

/**
 * Replicas serving one request at a time (max_batch_size 1) with fixed step times of 1 ms: a
 * request with K output tokens takes S = 1 ms prefill (first token) + (K - 1) x 1 ms = K ms.
 */
function closedWorkload(opts: { users: number; gpus: number; think: unknown; output: unknown; durationS: number; batch?: number; seed?: number }) {
  return resolveWorkload({
    name: 'closed',
    seed: opts.seed ?? 9,
    duration: opts.durationS,
    traffic: { arrival: 'closed', users: opts.users, think_time: opts.think },
    classes: [{ name: 'q', prompt_tokens: 10, output_tokens: opts.output }],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: { gpus: opts.gpus },
    serving: { max_batch_size: opts.batch ?? 1, max_batch_tokens: 8192, router: 'shared_queue', max_queue_time: '10000h', overhead: { per_request: 0, per_iteration: 0, output_iterations: 0 } },
    perf: { prefill: { base: 0.001, per_token: 0 }, decode: { base: 0.001, per_seq: 0, per_kv_token: 0 } },
  });
}

/**
 * The machine-repairman model (closed M/M/c//N, Kleinrock vol. 1 §3.10 / Gross & Harris): N users
 * each thinking Exp(mean Z), c servers with Exp(rate mu), FIFO. With r = lambda/mu, lambda = 1/Z:
 *   p_n ∝ C(N,n) r^n                      for n <= c
 *   p_n ∝ C(N,n) n! / (c! c^(n-c)) r^n    for n > c
 * throughput X = sum_n p_n min(n, c) mu; mean response time R = N / X - Z (Little's law on the loop).
 */
function machineRepairman(N: number, c: number, Z: number, S: number): { X: number; R: number } {
  const r = S / Z;
  const w: number[] = [];
  let binom = 1;
  let fact = 1;
  for (let n = 0; n <= N; n++) {
    if (n > 0) {
      binom = (binom * (N - n + 1)) / n;
      fact *= n;
    }
    const shape = n <= c ? 1 : fact / (factorial(c) * c ** (n - c));
    w.push(binom * shape * r ** n);
  }
  const total = w.reduce((a, b) => a + b, 0);
  const X = w.reduce((a, p, n) => a + (p / total) * Math.min(n, c), 0) / S;
  return { X, R: N / X - Z };
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

describe('closed loop against the machine-repairman queue (M/M/c//N)', () => {
  it.each([
    [8, 2, 1, 500],
    [12, 3, 2, 400],
  ])('N = %i users, c = %i replicas, think Exp(%i s), service ~Exp(%i ms): throughput and mean response within 2%%', (N, c, Z, meanTokens) => {
    const durationS = 4 * 3600;
    const run = simulate(closedWorkload({ users: N, gpus: c, think: { dist: 'exponential', mean: Z }, output: { dist: 'exponential', mean: meanTokens }, durationS }));
    // Service is K ms with K the exponential token count rounded to a whole number >= 1.
    const S = meanRoundedExponential(meanTokens) / 1000;
    const exact = machineRepairman(N, c, Z, S);
    const X = run.summary.completed / durationS;
    const R = run.summary.latency.e2e_ms.mean! / 1000;
    console.log(`closed N=${N} c=${c} Z=${Z}s S=${S.toFixed(4)}s: X ${X.toFixed(4)}/s vs exact ${exact.X.toFixed(4)}/s; R ${R.toFixed(4)} s vs exact ${exact.R.toFixed(4)} s; ${run.summary.completed} requests`);
    expect(run.summary.dropped).toBe(0);
    expect(Math.abs(X / exact.X - 1)).toBeLessThan(0.02);
    expect(Math.abs(R / exact.R - 1)).toBeLessThan(0.02);
  });
});

describe('benchmark mode (think_time: 0)', () => {
  it("16 users on 2 continuous-batching replicas, fixed lengths: throughput = users / mean E2E within 1% (Little's law)", () => {
    const durationS = 1800;
    const run = simulate(closedWorkload({ users: 16, gpus: 2, think: 0, output: 200, durationS, batch: 64 }));
    const X = run.summary.completed / durationS;
    const E2E = run.summary.latency.e2e_ms.mean! / 1000;
    console.log(`benchmark: X ${X.toFixed(3)}/s, users / E2E ${(16 / E2E).toFixed(3)}/s`);
    expect(Math.abs(X / (16 / E2E) - 1)).toBeLessThan(0.01);
    // The hourly throughput column says the same for the one full hour... of a 30-min run: the
    // completions during the run over its seconds.
    expect(Math.abs(run.hourly[0].throughput_rps - X)).toBeLessThan(16 / durationS + 1e-6);
  });

  it('the same seed gives the same run; daily_profile scales the active users hour by hour', () => {
    const doc = (seed: number) => closedWorkload({ users: 10, gpus: 1, think: { dist: 'exponential', mean: '2s' }, output: 50, durationS: 3 * 3600, seed });
    expect(JSON.stringify(simulate(doc(4)))).toBe(JSON.stringify(simulate(doc(4))));
    const scenario = resolveWorkload({
      name: 'closed-profile',
      seed: 2,
      duration: '3h',
      traffic: { arrival: 'closed', users: 10, think_time: '1s', daily_profile: [2, 1, 0, ...Array(21).fill(1)] },
      classes: [{ name: 'q', prompt_tokens: 10, output_tokens: 10 }],
      api: { name: 'gpt-4o-mini', use_for: 'all', ttft: '100ms', tokens_per_second: 100 },
    });
    // The profile has mean 1: hour 0 has round(10 x 2) = 20 active users, hour 1 has 10, hour 2
    // none. A user's cycle: 1 s think + 0.1 s to the first token + 9 tokens / 100 per s = 1.19 s.
    const run = simulate(scenario);
    const perHour = 3600 / 1.19;
    expect(run.hourly[0].arrivals / (20 * perHour)).toBeCloseTo(1, 2);
    expect(run.hourly[1].arrivals / (10 * perHour)).toBeCloseTo(1, 2);
    expect(run.hourly[2].arrivals).toBe(0);
  });
});

describe('arrival: closed, validation', () => {
  const base = { name: 'v', classes: [{ name: 'c', prompt_tokens: 10, output_tokens: 10 }], api: { name: 'gpt-4o-mini', use_for: 'all' } };
  it('reads think_time as a duration or a distribution; 0 by default', () => {
    expect(resolveWorkload({ ...base, traffic: { arrival: 'closed', users: 4 } }).traffic.thinkTime).toEqual({ dist: 'fixed', meanS: 0 });
    expect(resolveWorkload({ ...base, traffic: { arrival: 'closed', users: 4, think_time: '5s' } }).traffic.thinkTime).toEqual({ dist: 'fixed', meanS: 5 });
    expect(resolveWorkload({ ...base, traffic: { arrival: 'closed', users: 4, think_time: { dist: 'exponential', mean: '500ms' } } }).traffic.thinkTime).toEqual({ dist: 'exponential', meanS: 0.5 });
  });
  it.each([
    [{ arrival: 'closed' }, 'traffic.users'],
    [{ arrival: 'closed', users: 4, rate: 3 }, 'does not apply with arrival: closed'],
    [{ rate: 3, users: 4 }, 'applies only with arrival: closed'],
    [{ arrival: 'closed', users: 2.5 }, 'traffic.users'],
    [{ arrival: 'closed', users: 4, think_time: { dist: 'gamma', mean: 1 } }, 'traffic.think_time'],
  ])('rejects %j', (traffic, message) => {
    expect(() => resolveWorkload({ ...base, traffic })).toThrow(message);
  });
});
