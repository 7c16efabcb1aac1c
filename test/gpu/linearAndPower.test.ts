import { describe, expect, it } from 'vitest';
import { findGpu } from '../../src/catalog/catalog.js';
import { linearStepModel } from '../../src/gpu/linear.js';
import { gpuPowerW } from '../../src/gpu/power.js';

describe('linearStepModel (the perf: block)', () => {
  // PRODUCT.md example: prefill 5ms + 0.05ms/token; decode 8ms + 0.05ms/seq + 0.00002ms/kv token.
  const step = linearStepModel({
    prefill: { baseS: 5e-3, perTokenS: 0.05e-3 },
    decode: { baseS: 8e-3, perSeqS: 0.05e-3, perKvTokenS: 0.00002e-3 },
  });
  it('prefill iteration = base + per_token x tokens', () => {
    expect(step.iterationS(1000, 500_000, 0, 0)).toBeCloseTo(5e-3 + 50e-3, 12);
  });
  it('decode iteration = base + per_seq x seqs + per_kv_token x kv', () => {
    expect(step.iterationS(0, 0, 10, 10_000)).toBeCloseTo(8e-3 + 0.5e-3 + 0.2e-3, 12);
  });
  it('mixed iteration = max of the bases + both variable parts', () => {
    expect(step.iterationS(1000, 0, 10, 10_000)).toBeCloseTo(8e-3 + 50e-3 + 0.5e-3 + 0.2e-3, 12);
  });
  it('an empty iteration takes no time', () => expect(step.iterationS(0, 0, 0, 0)).toBe(0));
});

describe('gpuPowerW', () => {
  const h100 = findGpu('h100-sxm')!; // idle 105 W, TDP 700 W
  it.each([
    [0, 105],
    [0.5, 402.5],
    [1, 700],
    [-1, 105],
    [2, 700],
    [Number.NaN, 105],
  ])('utilization %d -> %d W', (u, watts) => expect(gpuPowerW(h100, u)).toBeCloseTo(watts, 9));
});
