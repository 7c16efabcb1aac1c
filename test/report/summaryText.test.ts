import { describe, expect, it } from 'vitest';
import { adviceLine, formatRunSummary, worstHour } from '../../src/cli/summaryText.js';
import type { HourRow, Summary } from '../../src/metrics/results.js';
import type { Scenario } from '../../src/workload/scenario.js';

const stats = (p99: number | null) => ({ mean: p99, p50: p99, p90: p99, p99, max: p99 });

function summary(over: Partial<Summary> = {}, chat: { meets: boolean; ttftP99: number; missed?: number[] } = { meets: true, ttftP99: 400 }): Summary {
  return <Summary>{
    name: 'demo', seed: 1, requests: 10_000, completed: 10_000, dropped: 0, cache_hits: 0, api_requests: 0,
    input_tokens: 1, output_tokens: 1, preemptions: 0, prefix_hit_tokens: 0, hours: 24,
    total_cost: 240, cost_per_hour: 10, cost_per_1k_requests: 24,
    cost_breakdown: { gpu_cost: 200, energy_cost: 16, api_cost: 0, cache_cost: 0, other_cost: 24 } as Summary['cost_breakdown'],
    slo_attainment: 0.99, meets_slo: chat.meets,
    latency: { ttft_ms: stats(400), tpot_ms: stats(20), e2e_ms: stats(5000), queue_ms: stats(10) },
    classes: {
      chat: {
        requests: 10_000, completed: 10_000, dropped: 0, cache_hits: 0, api_requests: 0, input_tokens: 1, output_tokens: 1,
        total_cost: 240, cost_per_1k_requests: 24,
        latency: { ttft_ms: stats(chat.ttftP99), tpot_ms: stats(20), e2e_ms: stats(5000), queue_ms: stats(10) },
        slo: { ttft_ms: 1000, tpot_ms: 80, e2e_ms: null, deadline_ms: null },
        slo_attainment: 0.99, meets_slo: chat.meets, hours_missed: chat.missed ?? [],
      },
    },
    ...over,
  };
}

// Built with a cast: the summary reads only these columns, and rows gain columns over time.
function hour(h: number, over: Partial<HourRow> = {}): HourRow {
  return <HourRow>{
    hour: h, arrivals: 100 + h, completed: 100 + h, dropped: 0, cache_hits: 0, api_requests: 0, input_tokens: 0, output_tokens: 0,
    gpus: 4, gpu_utilization: 0.8, batch_size_mean: 10, kv_utilization: 0.2, ttft_p50_ms: 100, ttft_p99_ms: 400, tpot_p99_ms: 20, e2e_p50_ms: 1000, e2e_p99_ms: 5000,
    slo_attainment: 1, gpu_cost: 8, energy_cost: 1, api_cost: 0, cache_cost: 0, other_cost: 1, total_cost: 10, cost_per_1k_requests: 1,
    ...over,
  };
}

const scenario = { name: 'demo', pools: [{ gpus: 4, gpusPerReplica: 1, gpu: { name: 'h100-sxm' }, model: { name: 'llama-3.1-8b' } }] } as unknown as Scenario;

describe('the run summary', () => {
  it('tabulates cost per hour, day, 730-h month and 1k requests by category, and each class against its SLO', () => {
    const text = formatRunSummary(scenario, summary(), [hour(0), hour(1)], '/out');
    expect(text).toMatch(/cost +per hour +per day +per month \(730 h\) +per 1k requests/);
    expect(text).toMatch(/gpu\s+\$8\.33\s+\$200\.00\s+\$6,083\.33\s+\$20\.00/);
    expect(text).toMatch(/total\s+\$10\.00\s+\$240\.00\s+\$7,300\.00\s+\$24\.00/);
    expect(text).not.toMatch(/^\s+api /m);
    expect(text).toMatch(/chat\s+400 ms <= 1 s\s+20 ms <= 80 ms\s+5 s\s+99\.00%\s+PASS/);
    expect(text).toMatch(/class +whole-run p99 TTFT +whole-run p99 TPOT +whole-run p99 E2E +within SLO +verdict \(hourly\)/);
    // without hourly_by_class rows there is no worst hour to show
    expect(text).not.toContain('worst hour');
    expect(text).toContain('busiest hour (most arrivals) 1: 101 arrivals, p99 TTFT 400 ms over all classes');
    expect(text).toContain('verdict: PASS');
    expect(text).not.toContain('advice:');
  });

  it('advises `capsim plan` at the worst SLO miss, naming the class, metric, value, limit and hour', () => {
    const s = summary({}, { meets: false, ttftP99: 2400, missed: [9, 10] });
    const byClass = [hour(8, { class: 'chat', ttft_p99_ms: 1200 }), hour(9, { class: 'chat', ttft_p99_ms: 2400 }), hour(10, { class: 'chat', tpot_p99_ms: 90 })];
    expect(adviceLine(s, [hour(9)], byClass)).toBe('chat peak-hour p99 TTFT 2.4 s > 1 s in hour 9: try `capsim plan`');
    const text = formatRunSummary(scenario, s, [hour(9)], '/out', { hourlyByClass: byClass });
    // the worst hour is the largest p99 / limit: TTFT 2400 / 1000 in hour 9 beats TPOT 90 / 80 in hour 10
    expect(text).toMatch(/chat\s+2\.4 s > 1 s.*FAIL \(hours 9, 10\)\n    worst hour  h9 TTFT 2\.4 s \(240% of 1 s\)\n/);
    expect(text).toContain('verdict: FAIL');
  });

  it('advises a schedule from the mean batch, not from busy time (busy reads 100% under continuous batching)', () => {
    const night = hour(3, { gpu_utilization: 1, batch_size_mean: 3, kv_utilization: 0.02, mfu: 0.04 });
    const peak = hour(11, { gpu_utilization: 1, batch_size_mean: 24, kv_utilization: 0.1, mfu: 0.19 });
    expect(adviceLine(summary(), [night, peak], [])).toBe(
      "1 hour run under a third of the largest hourly mean batch (hour 3: 3 sequences per replica, KV 2%, MFU 4%; largest in hour 11: 24 sequences per replica, KV 10%, MFU 19%): an hourly schedule from `capsim plan` needs fewer GPUs off-peak",
    );
    // KV memory 85% or more in use in some hour: near capacity, whatever the off-peak hours do
    const full = hour(11, { gpu_utilization: 1, batch_size_mean: 60, kv_utilization: 0.9, mfu: 0.3 });
    expect(adviceLine(summary(), [night, full], [])).toMatch(/^near capacity: KV memory 90% in use in hour 11 \(60 sequences per replica, KV 90%, MFU 30%\)/);
    expect(adviceLine(summary(), [night, hour(11, { batch_size_mean: 60, kv_utilization: 0.84 })], [])).toMatch(/^1 hour run under a third/);
    // 9 >= 24 / 3: no off-peak headroom, and replicas hold more than one sequence
    expect(adviceLine(summary(), [hour(3, { batch_size_mean: 9 }), peak], [])).toBeNull();
    expect(adviceLine(summary(), [hour(0, { batch_size_mean: 0.4 }), hour(1, { batch_size_mean: 0.5 })], [])).toBe(
      'the fleet is mostly idle: 0.45 running sequences per replica on average: try `capsim plan`',
    );
  });

  it("shows under each class its worst hour: the largest hourly p99 / limit over the metrics it has a limit for", () => {
    const slo = { ttft_ms: 1000, tpot_ms: 80, e2e_ms: null, deadline_ms: null };
    const row = (h: number, ttft: number | null, tpot: number | null, e2e: number | null = 5000) => ({ hour: h, class: 'chat', ttft_p99_ms: ttft, tpot_p99_ms: tpot, e2e_p99_ms: e2e });
    // a ratio, not an absolute figure: TPOT 76 / 80 = 95% outranks TTFT 900 / 1000 = 90%; E2E has no limit
    expect(worstHour(slo, [row(3, 900, 20, 90_000), row(5, 400, 76)])).toBe('h5 TPOT 76 ms (95% of 80 ms)');
    // ties go to the earlier hour; an hour without completed requests (null p99s) is skipped
    expect(worstHour(slo, [row(2, null, null, null), row(4, 900, 20), row(7, 900, 20)])).toBe('h4 TTFT 900 ms (90% of 1 s)');
    // 996 / 1000 would round to 100%: one decimal so that a pass never reads as 100%
    expect(worstHour(slo, [row(1, 996, 20)])).toBe('h1 TTFT 996 ms (99.6% of 1 s)');
    // a deadline is the E2E limit (batch classes)
    expect(worstHour({ ttft_ms: null, tpot_ms: null, e2e_ms: null, deadline_ms: 3_600_000 }, [row(0, 900, 20, 1_800_000)])).toBe('h0 E2E 30 min (50% of 60 min)');
    expect(worstHour({ ttft_ms: null, tpot_ms: null, e2e_ms: null, deadline_ms: null }, [row(0, 900, 20)])).toBeNull();
    // in the summary: the line under the class's row, only for the class's own rows
    const byClass = [row(12, 977.5, 30), { ...row(12, 3000, 30), class: 'other' }];
    const text = formatRunSummary(scenario, summary(), [hour(12)], '/out', { hourlyByClass: byClass });
    expect(text).toMatch(/\n  chat +400 ms <= 1 s.*PASS\n    worst hour  h12 TTFT 978 ms \(98% of 1 s\)\n\n/);
  });

  it('lists extra files it wrote', () => {
    expect(formatRunSummary(scenario, summary(), [hour(0)], '/out', { extraFiles: ['report.html'] })).toContain('wrote /out/{hourly.csv, hourly_by_class.csv, summary.json, manifest.json, report.html}');
  });
});
