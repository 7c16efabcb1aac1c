/**
 * Closed loop with a population per class (`classes[].users`, `classes[].think_time`) and the
 * closed-loop outputs (`active_users_mean`, `think_time_mean_s`; issue 16 items 1 and 5).
 */
import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';

const PERF = { prefill: { base: 0.001, per_token: 0 }, decode: { base: 0.001, per_seq: 0, per_kv_token: 0 } };

function twoPopulations(durationS: number, extra: Record<string, unknown> = {}) {
  return resolveWorkload({
    name: 'closed-classes',
    seed: 11,
    duration: durationS,
    traffic: { arrival: 'closed', think_time: '1s', ...extra },
    classes: [
      { name: 'chat', users: 6, think_time: { dist: 'exponential', mean: '2s' }, prompt_tokens: 10, output_tokens: 100 },
      { name: 'agent', users: 3, think_time: { dist: 'exponential', mean: '500ms' }, prompt_tokens: 10, output_tokens: 300 },
      { name: 'poll', users: 2, prompt_tokens: 10, output_tokens: 20 },
    ],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: { gpus: 2 },
    serving: { max_batch_size: 4, max_batch_tokens: 8192, router: 'shared_queue', max_queue_time: '10000h', overhead: { per_request: 0, per_iteration: 0, output_iterations: 0 } },
    perf: PERF,
  });
}

describe('closed loop with a population per class', () => {
  const durationS = 2 * 3600;
  const run = simulate(twoPopulations(durationS));
  const Z = { chat: 2, agent: 0.5, poll: 1 } as const;
  const N = { chat: 6, agent: 3, poll: 2 } as const;

  it("each class reaches its own Little's law throughput N_k / (E2E_k + Z_k) within 2%", () => {
    // Little's law on each class's loop (Kleinrock vol. 1 §2.1): its N_k users are each either
    // waiting for an answer (mean E2E_k) or thinking (mean Z_k), so X_k = N_k / (E2E_k + Z_k).
    // The 2% covers the run's ends (every user starts thinking; the last cycles are cut at the
    // horizon): about one cycle per user out of ~2,000 to ~5,000.
    for (const name of ['chat', 'agent', 'poll'] as const) {
      const c = run.summary.classes[name];
      const X = c.completed / durationS;
      const e2eS = c.latency.e2e_ms.mean! / 1000;
      const little = N[name] / (e2eS + Z[name]);
      console.log(`class ${name}: X ${X.toFixed(4)}/s vs N/(E2E+Z) ${little.toFixed(4)}/s (E2E ${e2eS.toFixed(4)} s, Z ${Z[name]} s)`);
      expect(c.dropped).toBe(0);
      expect(Math.abs(X / little - 1)).toBeLessThan(0.02);
    }
  });

  it('the think time actually spent matches each class think_time (the class own, else traffic.think_time) within 3%', () => {
    // Exponential think times: ~10,000 to 20,000 per class, standard error under 1%; the fixed
    // 1 s of `poll` (traffic.think_time) is exact but for each user's first request.
    const by = run.summary.closed_loop!.by_class;
    for (const name of ['chat', 'agent', 'poll'] as const) {
      expect(Math.abs(by[name].think_time_mean_s! / Z[name] - 1)).toBeLessThan(0.03);
      expect(by[name].requests_sent).toBe(run.summary.classes[name].requests);
    }
  });

  it('active users: the populations as given, every hour, per class and in all', () => {
    expect(run.summary.closed_loop!.active_users_mean).toBe(11);
    expect(run.summary.closed_loop!.by_class.chat.active_users_mean).toBe(6);
    for (const h of run.hourly) expect(h.active_users_mean).toBe(11);
    for (const r of run.hourlyByClass) expect(r.active_users_mean).toBe(N[r.class as keyof typeof N]);
  });

  it('daily_profile scales each population hour by hour: active users follow round(N_k x weight)', () => {
    // Weights 2, 1, 0.5 (then 1), normalised to mean 1. Hour h has round(N_k x w_h) active users
    // of class k (the reference: those counts). Hour 0 has every user of the population; a user
    // who leaves at a later boundary is counted until its current cycle ends (think + answer, a
    // few seconds), so the hour's mean is above the count by at most 1% of the hour (36 s) per
    // user who left.
    const profile = [2, 1, 0.5, ...Array(21).fill(1)];
    const mean = profile.reduce((a, b) => a + b, 0) / 24;
    const scaled = simulate(twoPopulations(3 * 3600, { daily_profile: profile }));
    for (const name of ['chat', 'agent', 'poll'] as const) {
      const active = [0, 1, 2].map((h) => Math.round(N[name] * (profile[h] / mean)));
      for (let h = 0; h < 3; h++) {
        const row = scaled.hourlyByClass.find((r) => r.hour === h && r.class === name)!;
        const left = h === 0 ? 0 : active[h - 1] - active[h];
        expect(row.active_users_mean! - active[h]).toBeGreaterThanOrEqual(0);
        expect(row.active_users_mean! - active[h]).toBeLessThanOrEqual(0.01 * left);
      }
    }
    expect(scaled.hourly.map((h) => Math.round(h.active_users_mean!))).toEqual([12 + 6 + 4, 6 + 3 + 2, 3 + 1 + 1]);
  });

  it('open-loop runs leave the columns empty and have no closed_loop summary', () => {
    const open = simulate(resolveWorkload({
      duration: '1h',
      traffic: { rate: 1 },
      classes: [{ name: 'q', prompt_tokens: 10, output_tokens: 10 }],
      api: { name: 'gpt-4o-mini', use_for: 'all', ttft: '100ms', tokens_per_second: 100 },
    }));
    expect(open.hourly[0].active_users_mean).toBeNull();
    expect(open.hourly[0].think_time_mean_s).toBeNull();
    expect(open.summary.closed_loop).toBeUndefined();
  });
});

describe('per-class users, validation', () => {
  const cls = (extra: Record<string, unknown>) => ({ name: 'c', prompt_tokens: 10, output_tokens: 10, ...extra });
  const doc = (traffic: Record<string, unknown>, classes: unknown[]) => ({ name: 'v', traffic, classes, api: { name: 'gpt-4o-mini', use_for: 'all' } });
  it.each([
    ['users on one class only', { arrival: 'closed' }, [cls({ users: 2 }), { ...cls({}), name: 'd' }], 'classes[1].users: is required: another class has its own users'],
    ['traffic.users and class users', { arrival: 'closed', users: 4 }, [cls({ users: 2 })], 'traffic.users: give either traffic.users'],
    ['class users with open-loop traffic', { rate: 1 }, [cls({ users: 2 })], 'classes[0].users: applies only with traffic.arrival: closed'],
    ['class think_time with open-loop traffic', { rate: 1 }, [cls({ think_time: '1s' })], 'classes[0].think_time: applies only with traffic.arrival: closed'],
  ])('%s is an error', (_name, traffic, classes, message) => {
    expect(() => resolveWorkload(doc(traffic, classes))).toThrow(message);
  });
  it('traffic.users is the sum of the populations', () => {
    expect(resolveWorkload(doc({ arrival: 'closed' }, [cls({ users: 2 }), { ...cls({ users: 5 }), name: 'd' }])).traffic.users).toBe(7);
  });
});
