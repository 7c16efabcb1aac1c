import { resolveWorkload } from '../../src/workload/load.js';
import { simulate, type SimulationRun } from '../../src/simulate.js';
import type { Outcome } from '../../src/metrics/HourlyMetrics.js';
import type { Request } from '../../src/serving/request.js';

/**
 * A measured linear step model (vLLM-like magnitudes for an 8B model on one H100), so that the
 * lever tests run fast and their capacity is easy to reason about: one replica prefills about
 * 8192 tokens in 0.42 s and decodes a batch of 64 in about 11 ms.
 */
export const PERF = {
  prefill: { base: 0.005, per_token: 0.00005 },
  decode: { base: 0.008, per_seq: 0.00005, per_kv_token: 0.0000001 },
};

export const PROFILE = [0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.2, 1.4, 1.5, 1.5, 1.4, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.5];

/** One chat class on a small fleet; `extra` replaces or adds top-level keys. */
export function workload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'levers-test',
    seed: 11,
    duration: '1h',
    traffic: { rate: 5, arrival: 'poisson' },
    classes: [
      {
        name: 'chat',
        prompt_tokens: { dist: 'lognormal', median: 600, p99: 3000, max: 8000 },
        output_tokens: { dist: 'lognormal', median: 120, p99: 600, max: 2000 },
        slo: { ttft: '1s', e2e: '20s' },
      },
    ],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: { gpus: 2 },
    perf: PERF,
    ...extra,
  };
}

export interface Ended {
  request: Request;
  outcome: Outcome;
}

/** Runs a workload document and also returns every request that ended, ordered by id. */
export function run(doc: Record<string, unknown>): SimulationRun & { ended: Ended[] } {
  const ended: Ended[] = [];
  const result = simulate(resolveWorkload(doc), { onRequestEnd: (request, outcome) => ended.push({ request, outcome }) });
  ended.sort((a, b) => a.request.id - b.request.id);
  return { ...result, ended };
}

export function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** p-quantile (0..1) of a list, nearest rank. */
export function quantile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
