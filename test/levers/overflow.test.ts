import { describe, expect, it } from 'vitest';
import { PROFILE, run, workload } from './helpers.js';
import { RequestQueue } from '../../src/serving/RequestQueue.js';
import { OverflowRule } from '../../src/levers/overflow.js';
import { resolveWorkload } from '../../src/workload/load.js';
import { linearStepModel } from '../../src/gpu/linear.js';
import { newRequest } from '../../src/serving/request.js';

/**
 * One replica through a day whose peak (1.5x the mean) is more than it can serve within the 1 s
 * TTFT limit, while the night (0.3x) is easy: 3.5 req/s mean of 2k-token prompts. Prefill budget
 * 2,048 tokens per iteration: with the default host overheads a token reaches the client one
 * iteration after the one that computed it, and a full 8,192-token iteration of this perf block
 * takes 0.415 s, so the long prompts' TTFT floor (own prefill + that lag) left no room under 1 s
 * whatever the API took (threshold 0.25: peak-hour p99 1,000.6 ms); 2,048-token iterations take
 * at most 0.107 s.
 */
const day = workload({
  duration: '24h',
  traffic: { rate: 3.5, daily_profile: PROFILE },
  classes: [
    {
      name: 'chat',
      prompt_tokens: { dist: 'lognormal', median: 2000, p99: 5000, max: 8000 },
      output_tokens: { dist: 'lognormal', median: 120, p99: 600, max: 2000 },
      slo: { ttft: '1s', e2e: '20s' },
    },
  ],
  fleet: { gpus: 1 },
  serving: { max_batch_tokens: 2048 },
});

describe('api.use_for: overflow', () => {
  const without = run(day);
  const withOverflow = run({ ...day, api: { name: 'gpt-4o-mini', use_for: 'overflow' } });
  const peakHour = (rows: typeof without.hourly) => rows.reduce((a, b) => (b.arrivals > a.arrivals ? b : a));

  it('sends nothing to the API in the quiet hours (profile <= 0.6), and some at the daily peak', () => {
    const quiet = withOverflow.hourly.filter((row) => PROFILE[row.hour] <= 0.6);
    expect(quiet.length).toBe(8);
    for (const row of quiet) expect(row.api_requests).toBe(0);
    const peak = peakHour(withOverflow.hourly);
    expect(PROFILE[peak.hour]).toBe(1.5);
    expect(peak.api_requests).toBeGreaterThan(0);
    // A spill-over, not a migration: most of the peak stays on the GPUs.
    expect(peak.api_requests / peak.arrivals).toBeLessThan(0.05);
    expect(withOverflow.summary.cost_breakdown.api_cost).toBeGreaterThan(0);
  });

  it('gives a better peak-hour p99 TTFT than the same fleet without it (and meets the 1 s limit it missed)', () => {
    const before = Math.max(...without.hourly.map((r) => r.ttft_p99_ms ?? 0));
    const after = Math.max(...withOverflow.hourly.map((r) => r.ttft_p99_ms ?? 0));
    expect(before).toBeGreaterThan(1000);
    expect(after).toBeLessThan(1000);
    expect(after).toBeLessThan(before * 0.95);
  });

  it('a lower threshold spills more', () => {
    const eager = run({ ...day, duration: '12h', api: { name: 'gpt-4o-mini', use_for: 'overflow', overflow_threshold: 0.2 } });
    const spilled = withOverflow.hourly.slice(0, 12).reduce((n, r) => n + r.api_requests, 0);
    expect(eager.summary.api_requests).toBeGreaterThan(spilled);
  });
});

describe('OverflowRule: the estimate', () => {
  const scenario = resolveWorkload({ ...day, api: { name: 'gpt-4o-mini', use_for: 'overflow', overflow_threshold: 0.5 } });
  const model = linearStepModel(scenario.perf!);
  const rule = new OverflowRule(scenario, model);
  const b = scenario.serving.maxBatchTokens;
  const tokensPerS = b / model.iterationS(b, (b * 1024) / 2, 0, 0);
  const req = (id: number, prompt: number, at = 0) => newRequest(id, 0, at, prompt, 10, 0, null);

  it('wait = max(oldest interactive wait, interactive prompt tokens ahead / (servers x prefill rate)); batch requests are ignored', () => {
    const queue = new RequestQueue();
    const first = req(0, 4000, 0);
    first.queuedAt = 0;
    queue.push(first);
    queue.push(req(1, 3000, 0));
    const batch = req(2, 50_000, 0);
    batch.batch = true;
    queue.push(batch);
    expect(rule.expectedWaitS(queue, 1, 0)).toBeCloseTo(7000 / tokensPerS, 12);
    expect(rule.expectedWaitS(queue, 4, 0)).toBeCloseTo(7000 / 4 / tokensPerS, 12);
    expect(rule.expectedWaitS(queue, 4, 2.5)).toBe(2.5);
  });

  it('keeps a request on the pool up to threshold x TTFT limit (0.5 s here), spills beyond', () => {
    const queue = new RequestQueue();
    const newcomer = req(9, 100);
    expect(rule.keepOnPool(newcomer, queue, 1, 0)).toBe(true);
    const ahead = req(0, Math.ceil(0.49 * tokensPerS));
    ahead.queuedAt = 0;
    queue.push(ahead);
    expect(rule.keepOnPool(newcomer, queue, 1, 0)).toBe(true);
    queue.push(req(1, Math.ceil(0.02 * tokensPerS)));
    expect(rule.keepOnPool(newcomer, queue, 1, 0)).toBe(false);
    expect(rule.keepOnPool(newcomer, new RequestQueue(), 1, 0)).toBe(true);
  });
});
