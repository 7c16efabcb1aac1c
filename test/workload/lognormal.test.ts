import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import type { TokenDist } from '../../src/workload/scenario.js';

/** The standard normal's 0.99 quantile (R: qnorm(0.99) = 2.326347874040841). */
const Z99 = 2.326347874040841;

function promptDist(dist: object): Extract<TokenDist, { dist: 'lognormal' }> {
  const s = resolveWorkload({
    traffic: { rate: 1 },
    classes: [{ name: 'c', prompt_tokens: { dist: 'lognormal', ...dist }, output_tokens: 1 }],
    fleet: { gpus: 1 },
  });
  const d = s.classes[0].promptTokens;
  if (d?.dist !== 'lognormal') throw new Error('expected a lognormal');
  return d;
}

describe('lognormal parameterisation', () => {
  it.each([
    [900, 6000],
    [180, 1000],
    [3000, 12_000],
    [1, 2],
    [50_000, 50_001],
  ])('median %d, p99 %d come back from mu and sigma', (median, p99) => {
    const { mu, sigma } = promptDist({ median, p99 });
    expect(Math.abs(Math.exp(mu) - median) / median).toBeLessThan(1e-9);
    expect(Math.abs(Math.exp(mu + Z99 * sigma) - p99) / p99).toBeLessThan(1e-9);
    expect(sigma).toBeGreaterThan(0);
  });

  it.each([
    [1000, 500],
    [200, 400],
    [10, 0.5],
  ])('mean %d, sd %d come back from mu and sigma', (mean, sd) => {
    const { mu, sigma } = promptDist({ mean, sd });
    // E[X] = exp(mu + sigma^2/2); Var[X] = (exp(sigma^2) - 1) exp(2 mu + sigma^2).
    const m = Math.exp(mu + (sigma * sigma) / 2);
    const s = Math.sqrt((Math.exp(sigma * sigma) - 1) * Math.exp(2 * mu + sigma * sigma));
    expect(Math.abs(m - mean) / mean).toBeLessThan(1e-9);
    expect(Math.abs(s - sd) / sd).toBeLessThan(1e-9);
  });

  it('keeps the cap', () => {
    expect(promptDist({ median: 900, p99: 6000, max: 32_000 }).max).toBe(32_000);
    expect(promptDist({ median: 900, p99: 6000 }).max).toBe(Number.POSITIVE_INFINITY);
  });
});
