import { describe, expect, it } from 'vitest';
import { SERVING_DEFAULTS } from '../../src/workload/resolve.js';
import { run, workload } from './helpers.js';

const chat = {
  name: 'chat',
  prompt_tokens: { dist: 'lognormal', median: 600, p99: 3000, max: 8000 },
  output_tokens: { dist: 'lognormal', median: 120, p99: 600, max: 2000 },
  slo: { ttft: '1s' },
};
const api = { input_per_million: 0.15, output_per_million: 0.6, ttft: '300ms', tokens_per_second: 100, use_for: 'all' };
const apiDoc = (cls: Record<string, unknown>) => {
  const { model: _m, gpu: _g, fleet: _f, perf: _p, ...rest } = workload({ classes: [{ ...chat, ...cls }], duration: '1h', traffic: { rate: 3 } });
  return { ...rest, api };
};

describe('retrieval and prompt compression', () => {
  const plain = run(apiDoc({}));
  const rag = run(apiDoc({ retrieval: { latency: '40ms', added_tokens: 1500, cost_per_query: 0.0001 } }));
  const compressed = run(apiDoc({ prompt_compression: 0.3 }));
  const both = run(apiDoc({ retrieval: { latency: '40ms', added_tokens: 1500 }, prompt_compression: { fraction: 0.3, latency: '15ms' } }));

  it('retrieval adds its tokens to every prompt and its latency before the model', () => {
    expect(rag.ended.length).toBe(plain.ended.length);
    rag.ended.forEach((e, i) => {
      const before = plain.ended[i].request;
      expect(e.request.promptTokens).toBe(before.promptTokens + 1500);
      expect(e.request.outputTokens).toBe(before.outputTokens);
      expect(e.request.firstTokenAt - e.request.arrivedAt).toBeCloseTo(0.04 + 0.3, 9);
    });
  });

  it('compression removes its fraction of the prompt (rounded, at least 1 token); retrieved tokens are compressed too', () => {
    compressed.ended.forEach((e, i) => {
      const p = plain.ended[i].request.promptTokens;
      expect(e.request.promptTokens).toBe(Math.max(1, Math.round(p * 0.7)));
      expect(e.request.firstTokenAt - e.request.arrivedAt).toBeCloseTo(0.3, 9);
    });
    both.ended.forEach((e, i) => {
      const p = plain.ended[i].request.promptTokens;
      expect(e.request.promptTokens).toBe(Math.max(1, Math.round((p + 1500) * 0.7)));
      expect(e.request.firstTokenAt - e.request.arrivedAt).toBeCloseTo(0.04 + 0.015 + 0.3, 9);
    });
    const tokens = (r: typeof plain) => r.hourly.reduce((s, h) => s + h.input_tokens, 0);
    expect(Math.abs(tokens(compressed) / tokens(plain) - 0.7)).toBeLessThan(0.001);
  });

  it('retrieval cost per query lands in other_cost; fewer prompt tokens cut api_cost', () => {
    const [row] = rag.hourly;
    const [plainRow] = plain.hourly;
    expect(row.other_cost - plainRow.other_cost).toBeCloseTo(row.arrivals * 0.0001, 6);
    expect(compressed.summary.cost_breakdown.api_cost).toBeLessThan(plain.summary.cost_breakdown.api_cost);
  });

  it('on the GPUs: the request joins the queue exactly the retrieval + compression latency + front-end time after it arrived', () => {
    // Front-end time: serving.overhead.per_request at its default (hosted-API requests have none, above).
    const gpu = run(workload({ classes: [{ ...chat, retrieval: { latency: '40ms', added_tokens: 200 }, prompt_compression: { fraction: 0.5, latency: '10ms' } }] }));
    expect(gpu.summary.dropped).toBe(0);
    for (const { request: r } of gpu.ended) {
      expect(r.queuedAt - r.arrivedAt).toBeCloseTo(0.05 + SERVING_DEFAULTS.overhead.perRequestS, 9);
      expect(r.firstTokenAt - r.queuedAt).toBeGreaterThan(0);
    }
  });
});
