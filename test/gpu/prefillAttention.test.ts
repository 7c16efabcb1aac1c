/**
 * Prefill attention vs length and parallelism (src/gpu/roofline.ts PREFILL_ATTENTION_SHAPE).
 *
 * Reference: 81 rows of Vidur's A100 Llama-2-7B attention profile (time_stats.attn_prefill.median,
 * ms per layer, batch 1; data/reference/vidur/extracts/a100_llama2_7b_prefill_attention_sample.csv,
 * copied from sw5sh/cs378-assignment3@7ac2fe9). Formula, per layer and GPU of g = 32 / tp heads:
 *   t = g x min(cap, 1 + W0 / (g x c)) x (a x c x k + b x c^2 / 2 + d x c)
 * fitted by least squares on the relative errors of the 44 `fit` rows (TP 1).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../src/catalog/catalog.js';
import {
  errorSummary, fitPrefillAttention, prefillAttentionLayerMs, readPrefillAttentionSample, relativeErrors,
} from '../../src/gpu/fitPrefillAttention.js';
import {
  BUILTIN_FACTORS, PREFILL_ATTENTION_SHAPE, rooflineCoefficients, rooflineStepModel, rooflineTerms,
} from '../../src/gpu/roofline.js';

const file = path.resolve(import.meta.dirname, '../../data/reference/vidur/extracts/a100_llama2_7b_prefill_attention_sample.csv');
const rows = readPrefillAttentionSample(file);
const fit = fitPrefillAttention(rows.filter((r) => r.role === 'fit'), 32);
const summary = (role: string) => errorSummary(relativeErrors(fit, rows.filter((r) => r.role === role), 32));
const llama = findModel('llama-2-7b')!;
const a100 = findGpu('a100-80gb')!;

describe('prefill attention fit (Vidur A100 Llama-2-7B kernel rows)', () => {
  it('the extract has the documented rows', () => {
    const count = (role: string) => rows.filter((r) => r.role === role).length;
    expect([count('fit'), count('held_out'), count('check_tp2'), count('check_tp4'), count('check_tp8')]).toEqual([44, 22, 10, 11, 14]);
  });

  it('re-running the fit gives the built-in constants (rounded to 3 digits: within 0.5%)', () => {
    // a = 4 x head_dim / (peak x eff): eff = 4 x 128 / (312e12 x a seconds)
    const eff = (4 * 128) / (312e12 * fit.contextPairMs * 1e-3);
    expect(eff / BUILTIN_FACTORS.attentionComputeEff).toBeCloseTo(1, 2);
    expect(fit.ownPairMs / fit.contextPairMs / PREFILL_ATTENTION_SHAPE.ownPairWeight).toBeCloseTo(1, 2);
    expect(fit.tokenMs / fit.contextPairMs / PREFILL_ATTENTION_SHAPE.tokenPairs).toBeCloseTo(1, 2);
    expect(fit.occupancyHeadTokens).toBe(PREFILL_ATTENTION_SHAPE.occupancyHeadTokens);
    expect(fit.occupancyCap).toBeCloseTo(PREFILL_ATTENTION_SHAPE.occupancyCap, 9);
  });

  it('fits the TP-1 rows: median |error| under 5% on the fit rows and on the held-out rows', () => {
    expect(summary('fit').medianAbsPct).toBeLessThan(5); // 3.7
    expect(summary('held_out').medianAbsPct).toBeLessThan(5); // 3.4
  });

  it('TP 2 / 4 / 8 rows (not fitted): too fast by the documented 12 / 12 / 24%, within 30%', () => {
    for (const [role, documented] of [['check_tp2', -12.4], ['check_tp4', -11.7], ['check_tp8', -23.7]] as const) {
      const s = summary(role);
      expect(s.medianPct).toBeCloseTo(documented, 0);
      expect(s.maxAbsPct).toBeLessThan(30);
    }
  });

  it('the roofline prices a chunk as 32 layers of the fitted model (within the 3-digit rounding, 1%)', () => {
    const c = rooflineCoefficients(llama, a100, 1);
    for (const [chunk, kv] of [[512, 0], [2048, 0], [576, 2304], [8192, 24576], [96, 3264]] as const) {
      const roofline = rooflineTerms(c, chunk, chunk * (kv + chunk / 2), 0, 0, (chunk * chunk) / 2).prefillAttention * 1e3;
      expect(roofline / (32 * prefillAttentionLayerMs(fit, 32, 1, chunk, kv))).toBeCloseTo(1, 2);
    }
  });
});

describe('prefill attention in the step model', () => {
  const step = rooflineStepModel(llama, a100, 1);

  it('without prefillOwnPairs, one chunk is assumed: min(p^2 / 2, pairs)', () => {
    expect(step.iterationS(2048, 2048 * 1024, 0, 0)).toBe(step.iterationS(2048, 2048 * 1024, 0, 0, 2048 * 1024));
    expect(step.iterationS(1024, 1024 * 1536, 0, 0)).toBe(step.iterationS(1024, 1024 * 1536, 0, 0, 1024 * 512));
    expect(step.iterationS(2048, 0, 0, 0)).toBe(step.iterationS(2048, 0, 0, 0, 0));
  });

  it('splitting the same pairs over more chunks is cheaper (own pairs cost 2.03 context pairs)', () => {
    // 4 prompts of 512 vs one of 2048: same tokens, own pairs 4 x 512^2/2 vs 2048^2/2.
    const four = step.iterationS(2048, 4 * 512 * 256, 0, 0, 4 * 512 * 256);
    const one = step.iterationS(2048, 2048 * 1024, 0, 0);
    expect(four).toBeLessThan(one);
  });

  it('a context pair gets cheaper as the context grows, towards attentionComputeEff', () => {
    // FLOPs per context pair of a 2,048-token chunk over k cached tokens, as a fraction of peak.
    const c = rooflineCoefficients(llama, a100, 1);
    const marginalEff = (k: number) => {
      const t0 = rooflineTerms(c, 2048, 2048 * (k + 1024), 0, 0, 2048 * 1024).prefillAttention;
      const t1 = rooflineTerms(c, 2048, 2048 * (k + 1024 + 1024), 0, 0, 2048 * 1024).prefillAttention;
      return (4 * 128 * 32 * 32 * 2048 * 1024) / (a100.bf16Tflops * 1e12 * (t1 - t0));
    };
    const whole = (k: number) => (4 * 128 * 32 * 32 * 2048 * (k + 1024)) / (a100.bf16Tflops * 1e12 * rooflineTerms(c, 2048, 2048 * (k + 1024), 0, 0, 2048 * 1024).prefillAttention);
    expect(whole(0)).toBeLessThan(whole(8192));
    expect(whole(8192)).toBeLessThan(whole(30720));
    expect(whole(30720)).toBeLessThan(BUILTIN_FACTORS.attentionComputeEff);
    // The marginal pair runs at attentionComputeEff / occupancy(2048 tokens x 32 heads) = 0.430 / 1.034.
    expect(marginalEff(8192)).toBeCloseTo(BUILTIN_FACTORS.attentionComputeEff / (1 + 2250 / (32 * 2048)), 6);
  });
});
