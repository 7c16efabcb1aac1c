import { describe, expect, it } from 'vitest';
import { roundedExp } from '../../src/random/roundedExp.js';
import { whole } from '../../src/random/whole.js';
import { tokenSampler } from '../../src/traffic/tokenSampler.js';
import { stream } from '../../src/random/streams.js';
import { standardNormal } from '../../src/random/sample.js';

/** The reference: the expression roundedExp replaces, `whole(Math.exp(y), max)` (nearest whole, clamped to [1, max]). */
function reference(y: number, max: number): number {
  return whole(Math.exp(y), max);
}

/** The doubles next to x (k ulps up or down). */
function ulps(x: number, k: number): number {
  const b = new Float64Array([x]);
  const bits = new BigInt64Array(b.buffer);
  bits[0] += BigInt(x >= 0 ? k : -k);
  return b[0];
}

/** Indices where roundedExp(max) differs from the reference over ys (empty when bit-identical). */
function differences(max: number, ys: ArrayLike<number>): number[] {
  const f = roundedExp(max);
  const out: number[] = [];
  for (let i = 0; i < ys.length; i++) if (!Object.is(f(ys[i]), reference(ys[i], max))) out.push(i);
  return out;
}

const MAXES = [1, 2, 3, 100, 4096, 16_383, 16_384, 16_385, 32_000, 1e8];

describe('roundedExp: whole(Math.exp(y), max) without Math.exp, bit for bit', () => {
  // Every threshold of the table (k <= 16,384) and past it; at, and 1 ulp either side of, the
  // threshold and the margin's two ends.
  const thresholds: number[] = [];
  for (let k = 0; k < 17_000; k++) {
    const t = Math.log(k + 0.5);
    for (const c of [t, t + 2 ** -30, t - 2 ** -30]) for (let j = -1; j <= 1; j++) thresholds.push(ulps(c, j));
  }

  it.each([1, 3, 4096, 16_384, 1e8])('max %d: at every rounding threshold ln(k + 0.5), k < 17,000, and the 2^-30 margin either side', (max) => {
    expect(differences(max, thresholds)).toEqual([]);
  });

  it.each(MAXES)('max %d: 50,000 seeded y over [-3, 12] and the special values', (max) => {
    const u = stream(1, 'roundedExp-test');
    const ys = [NaN, Infinity, -Infinity, 0, -0, 5e-324, 1e300, -1e300, 709.8, 710];
    for (let i = 0; i < 50_000; i++) ys.push(-3 + 15 * u());
    expect(differences(max, ys)).toEqual([]);
  });

  it('a lognormal tokenSampler draws exactly the lengths of the formula it replaces (same stream, 200,000 draws)', () => {
    const mu = Math.log(900);
    const sigma = (Math.log(6000) - mu) / 2.3263478740408408;
    const sampler = tokenSampler({ dist: 'lognormal', mu, sigma, max: 32_000 }, stream(42, 'prompt:chat'));
    const u = stream(42, 'prompt:chat');
    let first = -1;
    for (let i = 0; i < 200_000 && first < 0; i++) if (sampler() !== reference(mu + sigma * standardNormal(u), 32_000)) first = i;
    expect(first).toBe(-1);
  });
});
