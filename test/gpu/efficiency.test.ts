import { describe, expect, it } from 'vitest';
import { findGpu } from '../../src/catalog/catalog.js';
import { factorsFor } from '../../src/gpu/efficiency.js';
import { BUILTIN_FACTORS } from '../../src/gpu/roofline.js';
import { resolveWorkload } from '../../src/workload/load.js';

/**
 * The fitted per-family factors of catalog/efficiency.yaml are applied by default (docs/gpu-model.md
 * "Per-GPU-family efficiency factors"): h100-sxm memory 0.843 / kv 0.906 (16 vLLM v0.15.1 runs),
 * a100-80gb memory 0.683 (vLLM 0.10.1.1 A100 runs); GPUs without an end-to-end fit keep the
 * built-in (A100 kernel-fit) factors; an inline GPU's `efficiency:` overrides key by key.
 */
describe('GPU efficiency factors', () => {
  it('applies the fitted entries to h100-sxm and a100-80gb by default, keys they do not give kept', () => {
    const h100 = factorsFor(findGpu('h100-sxm')!);
    expect([h100.weightBandwidthEff, h100.kvBandwidthEff]).toEqual([0.843, 0.906]);
    expect(h100.computeEff).toBe(BUILTIN_FACTORS.computeEff);
    const a100 = factorsFor(findGpu('a100-80gb')!);
    expect([a100.weightBandwidthEff, a100.kvBandwidthEff]).toEqual([0.683, BUILTIN_FACTORS.kvBandwidthEff]);
  });

  it.each(['a100-40gb', 'h100-pcie', 'h200', 'l40s', 'l4', 'a10g', 'mi300x'])('%s (no end-to-end fit) keeps the built-in factors', (name) => {
    expect(factorsFor(findGpu(name)!)).toEqual(BUILTIN_FACTORS);
  });

  it('an inline efficiency block overrides the catalog entry key by key', () => {
    const g = findGpu('h100-sxm')!;
    const s = resolveWorkload({
      duration: '1h', traffic: { rate: 1 }, classes: [{ name: 'c', prompt_tokens: 10, output_tokens: 10 }], model: 'llama-3.1-8b', fleet: { gpus: 1 },
      gpu: { name: 'h100-sxm', memory_gb: g.memoryGb, bf16_tflops: g.bf16Tflops, bandwidth_tbps: g.bandwidthTbps, tdp_w: g.tdpW, price_per_hour: g.pricePerHour, efficiency: { memory: 0.801 } },
    });
    const f = factorsFor(s.pools[0].gpu);
    expect([f.weightBandwidthEff, f.kvBandwidthEff]).toEqual([0.801, 0.906]);
  });
});
