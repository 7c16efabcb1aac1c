import { describe, expect, it } from 'vitest';
import { quantile } from 'simple-statistics';
import { Samples } from '../../src/metrics/Samples.js';
import { HourlyMetrics } from '../../src/metrics/HourlyMetrics.js';
import { newRequest, type Request } from '../../src/serving/request.js';
import { resolveWorkload } from '../../src/workload/load.js';
import { stream } from '../../src/random/streams.js';
import { exponential } from '../../src/random/sample.js';

describe('Samples.close', () => {
  it('keeps p50, p99, count, mean and max as they were, and refuses anything else', () => {
    const u = stream(3, 'close-test');
    const values = Array.from({ length: 5000 }, () => exponential(u, 40));
    const s = new Samples();
    for (const x of values) s.push(x);
    const mean = s.mean();
    s.close();
    expect(s.closed).toBe(true);
    // Reference: simple-statistics' type-7 quantile on the same values.
    expect(s.quantile(0.5)).toBe(quantile(values, 0.5));
    expect(s.quantile(0.99)).toBe(quantile(values, 0.99));
    expect(s.count).toBe(5000);
    expect(s.mean()).toBe(mean);
    expect(s.max()).toBe(Math.max(...values));
    expect(() => s.quantile(0.9)).toThrow(/after close/);
    expect(() => s.push(1)).toThrow(/after close/);
    expect(() => new Samples().addAll(s)).toThrow(/closed/);
  });
});

const scenario = resolveWorkload({
  duration: '4h',
  traffic: { rate: 1 },
  classes: [
    { name: 'a', prompt_tokens: 100, output_tokens: 10 },
    { name: 'b', prompt_tokens: 100, output_tokens: 10 },
  ],
  fleet: { gpus: 1 },
  perf: { prefill: { base: '10ms', per_token: 0 }, decode: { base: '10ms', per_seq: 0, per_kv_token: 0 } },
});

function ended(m: HourlyMetrics, r: Request, at: number): void {
  r.startedAt = r.arrivedAt;
  r.firstTokenAt = r.arrivedAt + 0.1;
  r.finishedAt = at;
  m.onEnd(r, 'gpu');
}

describe('HourlyMetrics closes an hour once it is over and its requests have ended', () => {
  it('waits for the hour to pass and for its last request, closes in hour order, and merges as buildResult did', () => {
    const m = new HourlyMetrics(scenario, 4);
    const early = newRequest(0, 0, 10, 100, 10, 0, null);
    const long = newRequest(1, 1, 20, 100, 10, 0, null);
    m.onArrival(early);
    m.onArrival(long);
    ended(m, early, 11);
    expect(m.hourTotals.length).toBe(0); // hour 0 is not over: more may arrive in it
    const h1 = newRequest(2, 0, 3700, 100, 10, 0, null);
    m.onArrival(h1);
    expect(m.hourTotals.length).toBe(0); // hour 0 is over, but `long` is still running
    ended(m, h1, 3701);
    const h2 = newRequest(3, 0, 7300, 100, 10, 0, null);
    m.onArrival(h2);
    expect(m.hourTotals.length).toBe(0); // hour 1 has ended too, but hours close in order
    ended(m, long, 7400);
    expect(m.hourTotals.length).toBe(2); // hours 0 and 1 together
    expect(m.tallies[0][1].e2eMs.closed).toBe(true);
    expect(m.tallies[2][0].e2eMs.closed).toBe(false);
    ended(m, h2, 7301);
    m.closeAll();
    expect(m.hourTotals.length).toBe(4);

    // The run's figures from the four requests' end-to-end times (ms).
    const e2e = [1000, 7380_000, 1000, 1000];
    expect(m.all.arrivals).toBe(4);
    expect(m.all.completed).toBe(4);
    expect(m.all.e2eMs.mean()).toBeCloseTo(e2e.reduce((a, b) => a + b) / 4, 6);
    expect(m.classTotals[1].e2eMs.quantile(0.5)).toBe(7380_000);
    expect(m.hourTotals[0].e2eMs.quantile(0.99)).toBe(quantile([1000, 7380_000], 0.99));
  });
});
