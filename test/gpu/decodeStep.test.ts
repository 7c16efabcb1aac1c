import { describe, expect, it } from 'vitest';
import { findGpu, findModel, modelNames } from '../../src/catalog/catalog.js';
import { fitError } from '../../src/gpu/memory.js';
import { linearStepModel } from '../../src/gpu/linear.js';
import { BUILTIN_FACTORS, rooflineStepModel } from '../../src/gpu/roofline.js';
import type { StepModel } from '../../src/serving/stepModel.js';

/**
 * StepModel.decodeStep's contract: `(perSeqs + perKvToken * kv) + base` is bit for bit
 * `iterationS(0, 0, n, kv)`. The replica's fast path sums k step times from it, and those sums must
 * equal the one-event-per-iteration path's (and the previous build's) exactly, so the comparison is
 * Object.is, not a tolerance: one addition made in another order shows up as a last-bit difference
 * on some of these ~10,000 (n, kv) pairs per model.
 */
const batches = [1, 2, 3, 5, 8, 13, 31, 64, 100, 127, 200, 255, 256, 512];
/** KV sums: 0, small, and a seeded spread up to 2M tokens (a full 256-sequence batch of 8k contexts). */
const kvSums = (() => {
  const out = [0, 1, 7, 512, 4096, 65_536, 1_000_003, 2_097_152];
  let x = 12345;
  for (let i = 0; i < 700; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0; // a fixed LCG: reproducible values, no Math.random
    out.push(x % 2_000_000);
  }
  return out;
})();

function mismatches(step: StepModel): string[] {
  const parts = new Float64Array(3);
  const bad: string[] = [];
  for (const n of batches) {
    step.decodeStep!(n, parts);
    for (const kv of kvSums) {
      const fast = parts[0] + parts[1] * kv + parts[2];
      const slow = step.iterationS(0, 0, n, kv);
      if (!Object.is(fast, slow)) bad.push(`n=${n} kv=${kv}: ${fast} vs ${slow}`);
    }
  }
  return bad;
}

describe('StepModel.decodeStep equals iterationS bit for bit', () => {
  const gpus = ['h100-sxm', 'a100-80gb', 'l40s'];
  const cases = modelNames().flatMap((m) =>
    gpus.flatMap((g) => {
      const tp = [1, 2, 4, 8].find((t) => fitError(findModel(m)!, findGpu(g)!, t, 0.9) === null);
      return tp === undefined ? [] : [{ m, g, tp }];
    }),
  );

  it('covers dense and mixture-of-experts models and tensor parallelism', () => {
    expect(cases.length).toBeGreaterThan(10);
    expect(cases.some((c) => c.tp > 1)).toBe(true);
    expect(cases.some((c) => (findModel(c.m)!.experts ?? 1) > 1)).toBe(true);
  });

  it.each(cases)('roofline $m on $tp x $g', ({ m, g, tp }) => {
    expect(mismatches(rooflineStepModel(findModel(m)!, findGpu(g)!, tp))).toEqual([]);
  });

  it('roofline with a blend exponent other than 2 (the pow path)', () => {
    const step = rooflineStepModel(findModel('llama-3.1-8b')!, findGpu('h100-sxm')!, 1, { ...BUILTIN_FACTORS, blendExponent: 3.5 });
    expect(mismatches(step)).toEqual([]);
  });

  it('the perf: block (linear) model', () => {
    const step = linearStepModel({
      prefill: { baseS: 5e-3, perTokenS: 0.05e-3 },
      decode: { baseS: 8e-3, perSeqS: 0.05e-3, perKvTokenS: 0.00002e-3 },
    });
    expect(mismatches(step)).toEqual([]);
  });
});
