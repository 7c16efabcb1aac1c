import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import type { Request } from '../../src/serving/request.js';
import type { Session } from '../../src/traffic/session.js';

/**
 * Multi-turn sessions (issue 16 item 2): turn 1's prompt is a new message m_1; turn k's prompt is
 * the whole context so far plus a new message,
 *   prompt_k = sum_{j<k} (m_j + o_j) + m_k,
 * with every m from the class's prompt_tokens and every o from its output_tokens, independent of
 * each other and of the turn count. Hence E[prompt_k] = k E[m] + (k - 1) E[o] for every k (the
 * script is drawn independently of the number of turns, so conditioning on reaching turn k
 * changes nothing).
 */
const uniformClass = {
  name: 'chat',
  prompt_tokens: { dist: 'uniform', min: 100, max: 300 }, // E[m] = 200 (whole tokens, uniform)
  output_tokens: { dist: 'uniform', min: 20, max: 80 }, // E[o] = 50
  session: { turns: { dist: 'uniform', min: 1, max: 8 }, think_time: { dist: 'exponential', mean: '20s' } },
};

/** Fixed step times (1 ms prefill per request + 10 us per token, 2 ms per decode step): fast runs. */
const perf = { prefill: { base: 0.001, per_token: 0.00001 }, decode: { base: 0.002, per_seq: 0, per_kv_token: 0 } };

function byTurn(doc: object): { requests: { r: Request; turn: number; prev: { prompt: number; output: number } | null }[]; run: ReturnType<typeof simulate> } {
  const requests: { r: Request; turn: number; prev: { prompt: number; output: number } | null }[] = [];
  const last = new Map<Session, { prompt: number; output: number }>();
  const run = simulate(resolveWorkload(doc), {
    checkInvariants: true,
    onRequestEnd: (r) => {
      const s = r.session as Session;
      requests.push({ r, turn: s.turn, prev: last.get(s) ?? null });
      last.set(s, { prompt: r.promptTokens, output: r.outputTokens });
    },
  });
  return { requests, run };
}

describe('sessions: prompts carry the context', () => {
  it('mean prompt tokens of turn k = k E[m] + (k - 1) E[o] within 2%, for k = 1..8', () => {
    const { requests, run } = byTurn({
      name: 'turns',
      seed: 4,
      duration: '3h',
      traffic: { rate: 0.4 },
      classes: [uniformClass],
      model: 'llama-3.1-8b',
      fleet: { gpus: 2 },
      perf,
      serving: { max_queue_time: '1h' },
    });
    const sum = new Array<number>(9).fill(0);
    const count = new Array<number>(9).fill(0);
    for (const { r, turn } of requests) {
      sum[turn] += r.promptTokens;
      count[turn]++;
    }
    for (let k = 1; k <= 8; k++) {
      expect(count[k]).toBeGreaterThan(400);
      const expected = k * 200 + (k - 1) * 50;
      expect(Math.abs(sum[k] / count[k] - expected) / expected).toBeLessThan(0.02);
    }
    // turns per session ~ uniform 1..8: mean 4.5 (sessions near the horizon end early: 3 h against ~2 min sessions)
    const s = run.summary.sessions!;
    expect(s.turns / s.started).toBeGreaterThan(4.5 * 0.98);
    expect(s.turns / s.started).toBeLessThan(4.5 * 1.01);
    expect(s.truncated_turns).toBe(0);
    expect(s.abandoned).toBe(0);
    expect(s.turns).toBe(run.summary.requests);
  });

  it("cuts the oldest context to fit the model's context length and counts the cut turns", () => {
    // llama-2-7b: context 4096. m = 1000, o = 200: turn k carries C_k = (k - 1) 1200 while it fits
    // in 4096 - 200 - 1000 = 2896, i.e. for k <= 3; from turn 4 on every turn carries 2896 (cut).
    const { requests, run } = byTurn({
      name: 'cut',
      seed: 2,
      duration: '1h',
      traffic: { rate: 0.05 },
      classes: [{ name: 'chat', prompt_tokens: 1000, output_tokens: 200, session: { turns: 10, think_time: '5s' } }],
      model: 'llama-2-7b',
      fleet: { gpus: 1 },
      perf,
      serving: { max_queue_time: '1h' },
    });
    let cut = 0;
    for (const { r, turn } of requests) {
      expect(r.promptTokens).toBe(turn <= 3 ? turn * 1000 + (turn - 1) * 200 : 2896 + 1000);
      if (turn >= 4) cut++;
    }
    expect(cut).toBeGreaterThan(50);
    expect(run.summary.sessions!.truncated_turns).toBe(cut);
  });
});

describe('sessions and the prefix cache', () => {
  /**
   * One replica whose KV memory holds every context (an inline GPU with 100 TB): each later turn
   * finds its session's previous context resident, all of it but one token: the previous turn's
   * last output token is sampled from the last step and never computed into KV (vLLM computes it
   * in the next turn's prefill). So per later turn, prefix-hit tokens = carried tokens - 1, where
   * carried = previous prompt + previous output; over the run,
   *   prefix_hit_share = carried_share - (later turns) / (prompt tokens).
   */
  it('one replica, unbounded cache: prefix hits = carried context - 1 token per later turn', () => {
    const { requests, run } = byTurn({
      name: 'hits',
      seed: 6,
      duration: '1h',
      traffic: { rate: 0.3 },
      classes: [uniformClass],
      model: 'llama-3.1-8b',
      gpu: { name: 'big', memory_gb: 100_000, bf16_tflops: 1000, bandwidth_tbps: 3, tdp_w: 700, price_per_hour: 1 },
      fleet: { gpus: 1 },
      perf,
      serving: { max_queue_time: '1h' },
      cache: { prefix: true },
    });
    let later = 0;
    for (const { r, turn, prev } of requests) {
      if (turn === 1) {
        expect(prev).toBeNull();
        expect(r.prefixHitTokens).toBe(0);
        continue;
      }
      later++;
      const carried = prev!.prompt + prev!.output;
      expect(r.carriedTokens).toBe(carried);
      expect(r.prefixHitTokens).toBe(carried - 1);
    }
    const s = run.summary.sessions!;
    expect(later).toBeGreaterThan(1000);
    expect(s.prefix_hit_share!).toBeCloseTo(s.carried_share! - later / s.prompt_tokens, 12);
    expect(s.carried_share!).toBeGreaterThan(0.6);
  });

  /**
   * Several replicas with real KV memory: least_loaded sends a turn to its previous replica only
   * by chance, session_affinity whenever that replica's load is within the slack. Reference: the
   * one-replica bound above (hit share <= carried share - later turns / prompt tokens).
   */
  it('session_affinity: higher prefix-hit share than least_loaded on 4 replicas', () => {
    const run = (router: string) =>
      simulate(resolveWorkload({
        name: 'affinity',
        seed: 3,
        duration: '1h',
        traffic: { rate: 0.5 },
        classes: [uniformClass],
        model: 'llama-3.1-8b',
        gpu: 'h100-sxm',
        fleet: { gpus: 4 },
        serving: { router },
        cache: { prefix: true },
      })).summary.sessions!;
    const least = run('least_loaded');
    const affinity = run('session_affinity');
    // the same sessions under both routers (the script is drawn at each session's start)
    expect(affinity.turns).toBe(least.turns);
    expect(affinity.carried_tokens).toBe(least.carried_tokens);
    expect(least.affinity_kept_share).toBeNull();
    expect(affinity.affinity_kept_share!).toBeGreaterThan(0.95);
    expect(affinity.prefix_hit_share!).toBeGreaterThan(least.prefix_hit_share! + 0.1);
    expect(affinity.prefix_hit_share!).toBeLessThanOrEqual(affinity.carried_share!);
  });
});

describe('sessions with closed-loop users', () => {
  /**
   * Benchmark mode with conversations: `think_time: 0` between a user's sessions and between the
   * turns of a session, so each of the U users has exactly one turn in flight at every moment.
   * Little's law over the run (L = lambda W, summed): sum of the turns' E2E times = U x horizon,
   * up to the turns cut by the horizon (at most U of them, each shorter than its E2E time).
   */
  it('think time 0: exactly `users` turns in flight (sum of E2E = users x horizon within 1%)', () => {
    const users = 6;
    const horizonS = 1800;
    let e2eSum = 0;
    let firstTurns = 0;
    const run = simulate(resolveWorkload({
      name: 'closed-sessions',
      seed: 8,
      duration: horizonS,
      traffic: { arrival: 'closed', users, think_time: 0 },
      classes: [{ name: 'chat', prompt_tokens: 200, output_tokens: 50, session: { turns: 4, think_time: 0 } }],
      model: 'llama-3.1-8b',
      fleet: { gpus: 2 },
      perf,
      serving: { max_queue_time: '1h', router: 'session_affinity' },
      cache: { prefix: true },
    }), {
      onRequestEnd: (r) => {
        e2eSum += Math.min(r.finishedAt, horizonS) - r.arrivedAt;
        if (r.session!.turn === 1) firstTurns++;
      },
    });
    expect(Math.abs(e2eSum - users * horizonS) / (users * horizonS)).toBeLessThan(0.01);
    const s = run.summary.sessions!;
    // a user runs one session after another: 4 turns each, but the last ones cut by the horizon
    expect(s.started).toBe(firstTurns);
    expect(s.turns).toBeGreaterThanOrEqual(4 * (s.started - users));
    expect(s.turns).toBeLessThanOrEqual(4 * s.started);
    expect(s.affinity_kept_share).toBe(1);
  });
});

describe('sessions: bad input names the key', () => {
  const base = { traffic: { rate: 1 }, fleet: { gpus: 1 }, classes: [{ name: 'chat', prompt_tokens: 100, output_tokens: 10, session: { turns: 3, think_time: '5s' } }] };
  it.each([
    ['turns below 1', { ...base, classes: [{ ...base.classes[0], session: { turns: 0, think_time: '5s' } }] }, /classes\[0\]\.session\.turns/],
    ['no think_time', { ...base, classes: [{ ...base.classes[0], session: { turns: 3 } }] }, /classes\[0\]\.session\.think_time/],
    ['an inline model without context_length', { ...base, model: { params: '1b', layers: 16, hidden_size: 2048, attention_heads: 32 } }, /classes\[0\]\.session: needs the context length/],
    ['affinity_slack below 0', { ...base, serving: { router: 'session_affinity', affinity_slack: -1 } }, /serving\.affinity_slack/],
  ])('%s', (_name, doc, message) => {
    expect(() => resolveWorkload(doc)).toThrow(message);
  });

  it('accepts an inline model with context_length', () => {
    const model = { params: '1b', layers: 16, hidden_size: 2048, attention_heads: 32, context_length: 8192 };
    expect(resolveWorkload({ ...base, model }).pools[0].model.contextTokens).toBe(8192);
  });
});
