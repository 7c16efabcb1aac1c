import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGpu, findModel, gpuNames, modelNames } from '../../src/catalog/catalog.js';
import { FP8_GEMM_EFFICIENCY } from '../../src/gpu/precision.js';
import { parseMeasurementsCsv } from '../../src/gpu/measurements.js';
import { fitError, weightBytes } from '../../src/gpu/memory.js';
import { allReduceS } from '../../src/gpu/allReduce.js';
import { BUILTIN_FACTORS, rooflineCoefficients, rooflineStepModel, rooflineTerms } from '../../src/gpu/roofline.js';
import type { ModelSpec } from '../../src/workload/scenario.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const gpu = (n: string) => findGpu(n)!;
const model = (n: string) => findModel(n)!;

/** Smallest TP degree (1, 2, 4, 8) on which the model fits the GPU at 0.9, or null. */
function minTp(m: ModelSpec, g: string): number | null {
  return [1, 2, 4, 8].find((tp) => fitError(m, gpu(g), tp, 0.9) === null) ?? null;
}

describe('roofline against measured A100 step times', () => {
  // Reference: catalog-facts.md section F -- Vidur's A100 profile of Llama-2-7B at TP 1
  // (mlp.csv medians x 32 layers + attention extract), 8 decode and 2 prefill iterations.
  const file = path.join(repoRoot, 'test/fixtures/gpu/a100-llama2-7b-steps.csv');
  const cases = parseMeasurementsCsv(readFileSync(file, 'utf8'), file);
  const step = rooflineStepModel(model('llama-2-7b'), gpu('a100-80gb'), 1);

  it('has the 10 section-F cases', () => {
    expect(cases.map((c) => c.label)).toEqual([
      'decode b1 kv512', 'decode b8 kv512', 'decode b32 kv512', 'decode b128 kv512',
      'decode b1 kv2048', 'decode b8 kv2048', 'decode b32 kv2048', 'decode b128 kv2048',
      'prefill 512', 'prefill 2048',
    ]);
    // Section F totals, ms.
    expect(cases.map((c) => Number(c.stepMs.toFixed(1)))).toEqual([9.7, 11.4, 15.5, 31.5, 10.2, 15.9, 29.7, 80.8, 36.7, 158.5]);
  });

  it.each(cases)('$label within 15 percent of measured', (c) => {
    const predictedMs = step.iterationS(c.prefillTokens, c.prefillAttention, c.decodeSeqs, c.kvTokens) * 1e3;
    expect(Math.abs(predictedMs / c.stepMs - 1)).toBeLessThan(0.15);
  });
});

describe('roofline lower bounds on every catalog GPU', () => {
  const dense = modelNames().filter((n) => model(n).experts === 1);
  const pairs = dense.flatMap((m) => gpuNames().map((g) => [m, g] as const)).filter(([m, g]) => minTp(model(m), g) !== null);

  it('covers most pairs', () => expect(pairs.length).toBeGreaterThan(60));

  it.each(pairs)('%s on %s: batch-1 decode >= weights / bandwidth', (m, g) => {
    const tp = minTp(model(m), g)!;
    const seconds = rooflineStepModel(model(m), gpu(g), tp).iterationS(0, 0, 1, 1000);
    expect(seconds).toBeGreaterThanOrEqual(weightBytes(model(m)) / tp / (gpu(g).bandwidthTbps * 1e12) * 0.999);
    expect(seconds).toBeLessThan(1); // and not absurd
  });

  it.each(pairs)('%s on %s: prefill of N tokens >= 2 x params x N / peak FLOPs', (m, g) => {
    const tp = minTp(model(m), g)!;
    for (const n of [512, 4096]) {
      const seconds = rooflineStepModel(model(m), gpu(g), tp).iterationS(n, (n * n) / 2, 0, 0);
      expect(seconds).toBeGreaterThanOrEqual((2 * model(m).params * n) / tp / (gpu(g).bf16Tflops * 1e12));
    }
  });
});

describe('tensor parallelism', () => {
  const m = model('llama-3.1-70b');
  const shapes = [
    ['decode 32 x 1k', 0, 0, 32, 32 * 1024],
    ['prefill 2k', 2048, 2048 * 1024, 0, 0],
  ] as const;

  it.each(shapes)('doubling TP 4 -> 8 halves the GEMMs and adds the all-reduce cost (%s)', (_n, p, pa, s, kv) => {
    const t4 = rooflineTerms(rooflineCoefficients(m, gpu('h100-sxm'), 4), p, pa, s, kv);
    const t8 = rooflineTerms(rooflineCoefficients(m, gpu('h100-sxm'), 8), p, pa, s, kv);
    expect(t8.linear / t4.linear).toBeCloseTo(0.5, 6);
    // Half the heads per GPU, but the GPU is fuller with more heads: at TP 8 the occupancy
    // multiplier min(1.9, 1 + 2250 / (heads per GPU x tokens)) is larger (PREFILL_ATTENTION_SHAPE).
    const occupancy = (tp: number) => Math.min(1.9, 1 + 2250 / ((m.attentionHeads / tp) * p));
    expect(t8.prefillAttention / Math.max(t4.prefillAttention, 1e-300)).toBeCloseTo(p > 0 ? (0.5 * occupancy(8)) / occupancy(4) : 0, 6);
    expect(t8.decodeAttention / Math.max(t4.decodeAttention, 1e-300)).toBeCloseTo(s > 0 ? 0.5 : 0, 6);
    // Two all-reduces per layer of tokens x hidden x 2 bytes, at the TP-8 H100 fit.
    expect(t8.allReduce).toBeCloseTo(2 * m.layers * allReduceS(gpu('h100-sxm'), 8, (p + s) * m.hiddenSize * 2), 12);
    const variable4 = t4.total - t4.fixed - t4.allReduce;
    const variable8 = t8.total - t8.fixed - t8.allReduce;
    expect(variable8 / variable4).toBeGreaterThan(0.5);
    expect(variable8 / variable4).toBeLessThan(0.56); // unsplit elementwise ops (norms, residual), attention occupancy
  });

  it('TP 1 has no all-reduce; PCIe parts pay more than NVLink parts', () => {
    const small = model('llama-3.1-8b');
    expect(rooflineTerms(rooflineCoefficients(small, gpu('h100-sxm'), 1), 0, 0, 64, 65536).allReduce).toBe(0);
    const nvlink = rooflineTerms(rooflineCoefficients(small, gpu('h100-sxm'), 2), 2048, 2048 * 1024, 0, 0).allReduce;
    const pcie = rooflineTerms(rooflineCoefficients(small, gpu('h100-pcie'), 2), 2048, 2048 * 1024, 0, 0).allReduce;
    expect(pcie / nvlink).toBeGreaterThan(5);
  });
});

describe('MoE weight reads', () => {
  const mixtral = model('mixtral-8x7b');
  const c = rooflineCoefficients(mixtral, gpu('h100-sxm'), 2);
  const t = (n: number) => rooflineTerms(c, 0, 0, n, 0);
  const expert = c.weightReadPerExpert;
  const base = c.weightReadFixed + c.lmHeadRead;

  it('one token reads the attention weights and its 2 experts of 8', () => {
    expect(t(1).linearMemory).toBeCloseTo(base + 2 * expert, 12);
  });
  it('the expected distinct experts grow as 8 x (1 - (6/8)^n)', () => {
    expect(t(4).linearMemory).toBeCloseTo(base + 8 * (1 - 0.75 ** 4) * expert, 12);
  });
  it('a large batch reads every expert once', () => {
    expect(t(256).linearMemory).toBeCloseTo(base + 8 * expert, 9);
  });
  it('batch-1 decode costs about the active, not the total, parameters', () => {
    const step = rooflineStepModel(mixtral, gpu('h100-sxm'), 2);
    const bw = 3.35e12 * 2;
    const seconds = step.iterationS(0, 0, 1, 512);
    expect(seconds).toBeGreaterThan((mixtral.activeParams * 2) / bw);
    expect(seconds).toBeLessThan((mixtral.params * 2) / bw);
    expect(step.iterationS(0, 0, 256, 256 * 512)).toBeGreaterThan((mixtral.params * 2) / bw);
  });
  it('FLOPs follow active parameters', () => {
    const h = mixtral.hiddenSize;
    const attn = h * 128 * (2 * 32 + 2 * 8);
    const expertParams = 3 * h * mixtral.mlpSize;
    // The same model with one expert (params consistent with that architecture).
    const denseParams = 32 * (attn + expertParams) + 2 * mixtral.vocabSize * h;
    const dense = { ...mixtral, experts: 1, expertsPerToken: 1, params: denseParams, activeParams: denseParams };
    const denseC = rooflineCoefficients(dense, gpu('h100-sxm'), 2);
    // (attention + router + 2 experts) / (attention + 1 expert) = 1.81, not 8 / 1
    expect(c.computePerToken / denseC.computePerToken).toBeCloseTo((attn + 8 * h + 2 * expertParams) / (attn + expertParams), 6);
  });
});

describe('hot path', () => {
  it('iterationS equals the sum of the terms', () => {
    for (const [m, g, tp] of [['llama-3.1-8b', 'l4', 2], ['mixtral-8x7b', 'h100-sxm', 4], ['llama-3.1-70b', 'a100-80gb', 8]] as const) {
      const c = rooflineCoefficients(model(m), gpu(g), tp);
      const step = rooflineStepModel(model(m), gpu(g), tp);
      for (const [p, pa, s, kv] of [[0, 0, 1, 100], [512, 512 * 256, 0, 0], [256, 256 * 2000, 30, 40000], [0, 0, 0, 0]]) {
        expect(step.iterationS(p!, pa!, s!, kv!)).toBeCloseTo(rooflineTerms(c, p!, pa!, s!, kv!).total, 14);
      }
    }
  });

  it('mixed iterations cost more than either part, less than both', () => {
    const step = rooflineStepModel(model('llama-3.1-8b'), gpu('h100-sxm'), 1);
    const prefill = step.iterationS(512, 512 * 256, 0, 0);
    const decode = step.iterationS(0, 0, 64, 64 * 1024);
    const mixed = step.iterationS(512, 512 * 256, 64, 64 * 1024);
    expect(mixed).toBeGreaterThan(Math.max(prefill, decode));
    expect(mixed).toBeLessThan(prefill + decode);
  });

  it('FP8 weights use the FP8 peak (x FP8_GEMM_EFFICIENCY) and half the bytes', () => {
    const bf16 = model('llama-3.1-70b');
    const fp8 = { ...bf16, precision: { weights: 'fp8', kvCache: 'bf16' } as const };
    const a = rooflineCoefficients(bf16, gpu('h100-sxm'), 4);
    const b = rooflineCoefficients(fp8, gpu('h100-sxm'), 4);
    expect(b.computePerToken / a.computePerToken).toBeCloseTo(989 / (1979 * FP8_GEMM_EFFICIENCY), 6);
    expect(b.lmHeadRead).toBe(a.lmHeadRead); // the LM head stays BF16
    expect(b.weightReadFixed / a.weightReadFixed).toBeCloseTo(0.5, 6);
  });

  it('is cheap: a million iterations in well under a second', () => {
    const step = rooflineStepModel(model('mixtral-8x7b'), gpu('h100-sxm'), 2);
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < 1_000_000; i++) sum += step.iterationS(i & 511, 1000, 64, 65536 + i);
    expect(sum).toBeGreaterThan(0);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('built-in factors are the same for every GPU and plausible', () => {
    for (const v of [BUILTIN_FACTORS.weightBandwidthEff, BUILTIN_FACTORS.kvBandwidthEff, BUILTIN_FACTORS.computeEff, BUILTIN_FACTORS.attentionComputeEff]) {
      expect(v).toBeGreaterThan(0.05);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('architecture vs params', () => {
  it('catalog models need no rescaling', async () => {
    const { architectureScale } = await import('../../src/gpu/roofline.js');
    for (const n of modelNames()) expect(architectureScale(model(n))).toBe(1);
  });
  it('an inline model with a partial architecture reads its stated params', async () => {
    const { architectureScale } = await import('../../src/gpu/roofline.js');
    // GPT-style guess: mlp_size 4 x hidden, 32k vocab, 13e9 params
    const inline: ModelSpec = {
      ...model('llama-2-7b'), name: 'custom', params: 13e9, activeParams: 13e9, layers: 40, hiddenSize: 5120,
      attentionHeads: 40, kvHeads: 40, headDim: 128, mlpSize: 4 * 5120, vocabSize: 32000,
    };
    const scale = architectureScale(inline);
    expect(scale).not.toBe(1);
    const c = rooflineCoefficients(inline, gpu('h100-sxm'), 1);
    const bytesRead = (c.weightReadFixed + c.lmHeadRead) * 3.35e12 * BUILTIN_FACTORS.weightBandwidthEff;
    expect(bytesRead / (13e9 * 2)).toBeGreaterThan(0.97);
    expect(bytesRead / (13e9 * 2)).toBeLessThan(1.01);
  });
});
