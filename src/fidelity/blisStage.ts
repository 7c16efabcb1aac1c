/**
 * One load stage of a BLIS (inference-sim) sim-to-real ground-truth experiment, as its
 * data/reference runs.json files keep it (blis-a100, blis-h100): measured per-stage means of a
 * Poisson stage with a fixed output length (`ignore_eos`), and the parts of a fidelity case that
 * follow from it alone.
 */
import type { FidelityCase } from './cases.js';

export interface BlisStage {
  stage: number;
  rate: number;
  duration_s: number;
  ttft_ms_mean: number;
  e2e_ms_mean: number;
}

/**
 * The load, measured means and saturation of a stage replayed for `simS` seconds at most, with
 * `outputTokens` per request. TPOT is derived as (E2E - TTFT) / (output - 1): every request
 * produces the fixed output. Throughput is not in the records: not compared (NaN).
 */
export function blisStageParts(s: BlisStage, outputTokens: number, simS: number): Pick<FidelityCase, 'load' | 'measured' | 'saturated'> {
  return {
    load: { kind: 'poisson', rate: s.rate, concurrency: 0, requests: Math.round(s.rate * Math.min(s.duration_s, simS)) },
    measured: {
      ttftMs: s.ttft_ms_mean,
      tpotMs: (s.e2e_ms_mean - s.ttft_ms_mean) / (outputTokens - 1),
      e2eMs: s.e2e_ms_mean,
      throughputRps: NaN,
    },
    saturated: s.ttft_ms_mean > 10_000,
  };
}
