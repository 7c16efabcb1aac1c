import { describe, expect, it } from 'vitest';
import { run, sum, workload } from './helpers.js';
import { ApiBackend } from '../../src/levers/apiBackend.js';
import { newRequest } from '../../src/serving/request.js';
import { stream } from '../../src/random/streams.js';
import type { ApiSpec } from '../../src/workload/scenario.js';
import { findApi } from '../../src/catalog/catalog.js';

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function apiOnly(api: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const { model: _m, gpu: _g, fleet: _f, perf: _p, ...rest } = workload({ duration: '3h', traffic: { rate: 4 }, ...extra });
  return { ...rest, api: { use_for: 'all', ...api } };
}

describe('hosted API, use_for: all', () => {
  it('api_cost = input and output tokens x prices, every hour; gpu and energy cost are zero without a fleet', () => {
    const result = run(apiOnly({ input_per_million: 3, output_per_million: 15 }));
    expect(result.summary.api_requests).toBe(result.summary.requests);
    for (const row of result.hourly) {
      expect(row.api_requests).toBe(row.arrivals);
      expect(row.api_cost).toBe(round6((row.input_tokens * 3 + row.output_tokens * 15) / 1e6));
      expect(row.gpu_cost).toBe(0);
      expect(row.energy_cost).toBe(0);
      expect(row.gpus).toBe(0);
    }
    const tokensIn = sum(result.ended.map((e) => e.request.promptTokens));
    const tokensOut = sum(result.ended.map((e) => e.request.outputTokens));
    expect(result.summary.cost_breakdown.api_cost).toBeCloseTo((tokensIn * 3 + tokensOut * 15) / 1e6, 5);
  });

  it('with a catalog entry, its prices (within the 1e-6 USD rounding of the outputs)', () => {
    const entry = findApi('gpt-4o-mini')!;
    const result = run(apiOnly({ name: 'gpt-4o-mini' }));
    for (const row of result.hourly) {
      expect(Math.abs(row.api_cost - (row.input_tokens * entry.inputPerMillion + row.output_tokens * entry.outputPerMillion) / 1e6)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('without jitter, TTFT = ttft and E2E = ttft + (output - 1) / tokens_per_second exactly', () => {
    const result = run(apiOnly({ input_per_million: 1, output_per_million: 1, ttft: '400ms', tokens_per_second: 50 }));
    for (const { request: r } of result.ended) {
      expect(r.firstTokenAt - r.arrivedAt).toBeCloseTo(0.4, 9);
      expect(r.finishedAt - r.firstTokenAt).toBeCloseTo((r.outputTokens - 1) / 50, 9);
    }
  });

  it('jitter: mean-1 lognormal factors, so mean TTFT stays ttft and its coefficient of variation is jitter', () => {
    const result = run(apiOnly({ input_per_million: 1, output_per_million: 1, ttft: '500ms', jitter: 0.3 }, { duration: '6h' }));
    const ttft = result.ended.map((e) => e.request.firstTokenAt - e.request.arrivedAt);
    const mean = sum(ttft) / ttft.length;
    const sd = Math.sqrt(sum(ttft.map((x) => (x - mean) ** 2)) / (ttft.length - 1));
    expect(ttft.length).toBeGreaterThan(80_000);
    expect(Math.abs(mean / 0.5 - 1)).toBeLessThan(0.01);
    expect(Math.abs(sd / mean - 0.3)).toBeLessThan(0.01);
  });
});

describe('hosted API rate limit', () => {
  const spec = (rateLimit: ApiSpec['rateLimit']): ApiSpec => ({
    name: 'test', inputPerMillion: 0, outputPerMillion: 0, ttftS: 0.1, tokensPerSecond: 100, useFor: 'all',
    jitter: 0, rateLimit, overflowThreshold: 0.5,
  });
  const req = (id: number, at: number, tokens = 10, maxQueueS = 60) => newRequest(id, 0, at, tokens - 1, 1, 0, null, maxQueueS);

  it('wait: a 60 requests/minute quota lets a burst of 60 through at once, then one a second, in arrival order', () => {
    const api = new ApiBackend(spec({ requestsPerMinute: 60, tokensPerMinute: null, onLimit: 'wait' }), stream(1, 'api'));
    const starts: number[] = [];
    for (let i = 0; i < 70; i++) {
      const r = req(i, 0);
      expect(api.serve(r, 0)).toBe('api');
      starts.push(r.startedAt);
    }
    expect(starts.slice(0, 60)).toEqual(new Array(60).fill(0));
    starts.slice(60).forEach((s, i) => expect(s).toBeCloseTo(i + 1, 9));
  });

  it('wait: a request that would wait longer than its queue-time limit is dropped, and takes no quota', () => {
    const api = new ApiBackend(spec({ requestsPerMinute: 60, tokensPerMinute: null, onLimit: 'wait' }), stream(1, 'api'));
    for (let i = 0; i < 60; i++) api.serve(req(i, 0), 0);
    expect(api.serve(req(60, 0, 10, 0.5), 0)).toBe('dropped'); // would wait 1 s
    const next = req(61, 0);
    expect(api.serve(next, 0)).toBe('api');
    expect(next.startedAt).toBeCloseTo(1, 9);
  });

  it('drop: over the quota a request is dropped at once (HTTP 429, no retry)', () => {
    const api = new ApiBackend(spec({ requestsPerMinute: null, tokensPerMinute: 1000, onLimit: 'drop' }), stream(1, 'api'));
    const requests = Array.from({ length: 300 }, (_, i) => req(i, i * 0.01, 10));
    const outcomes = requests.map((r) => api.serve(r, r.arrivedAt));
    // 1000 tokens at once, then 1000/60 tokens a second: 100 requests of 10 tokens, then one every 0.6 s.
    expect(outcomes.slice(0, 100).every((o) => o === 'api')).toBe(true);
    const served = requests.filter((_, i) => outcomes[i] === 'api');
    expect(served.length).toBeGreaterThanOrEqual(104);
    expect(served.length).toBeLessThanOrEqual(106);
    const later = served.slice(102).map((r) => r.startedAt);
    for (let i = 1; i < later.length; i++) expect(later[i] - later[i - 1]).toBeGreaterThan(0.59);
    for (const r of served) expect(r.startedAt).toBe(r.arrivedAt); // nobody waits in drop mode
  });

  it('end to end: throughput over a long run matches the quota (wait), and drops are counted (drop)', () => {
    const waitRun = run(apiOnly({ input_per_million: 1, output_per_million: 1, rate_limit: { requests_per_minute: 180 } }, { duration: '2h', traffic: { rate: 2 } }));
    // 2 req/s arrive, 3 req/s allowed: nobody waits long, nobody is dropped.
    expect(waitRun.summary.dropped).toBe(0);
    const dropRun = run(apiOnly({ input_per_million: 1, output_per_million: 1, rate_limit: { requests_per_minute: 60, on_limit: 'drop' } }, { duration: '2h', traffic: { rate: 2 } }));
    // 2 req/s arrive, 1 req/s allowed: about half are dropped, and they are not billed.
    const served = dropRun.summary.api_requests;
    expect(Math.abs(served / 7200 - 1)).toBeLessThan(0.02);
    expect(dropRun.summary.dropped + served).toBe(dropRun.summary.requests);
  });
});
