import type { TokenDist } from '../workload/scenario.js';
import type { Uniform } from '../random/streams.js';
import { exponential, standardNormal } from '../random/sample.js';
import { roundedExp } from '../random/roundedExp.js';
import { whole } from '../random/whole.js';
import { LIMITS } from '../workload/schema.js';

/** Draws whole token counts: rounded to the nearest integer, at least 1, at most `max` and LIMITS.tokens. */
export type TokenSampler = () => number;

const MAX_NORMAL_REDRAWS = 1000;

/**
 * A sampler for one class's prompt or output lengths. Fixed values draw nothing from `u`;
 * every other distribution draws a fixed number of uniforms per sample (normal: redraws below 1).
 */
export function tokenSampler(dist: TokenDist, u: Uniform): TokenSampler {
  const max = Math.min(Math.floor(dist.max), LIMITS.tokens);
  switch (dist.dist) {
    case 'fixed': {
      const value = whole(dist.value, max);
      return () => value;
    }
    case 'uniform': {
      const lo = Math.ceil(dist.min);
      const span = Math.floor(dist.max) - lo + 1;
      return () => lo + Math.floor(u() * span);
    }
    case 'lognormal': {
      const { mu, sigma } = dist;
      const rounded = roundedExp(max); // whole(Math.exp(y), max), without Math.exp almost always
      return () => rounded(mu + sigma * standardNormal(u));
    }
    case 'exponential':
      return () => whole(exponential(u, dist.mean), max);
    case 'normal':
      return () => {
        for (let i = 0; i < MAX_NORMAL_REDRAWS; i++) {
          const x = dist.mean + dist.sd * standardNormal(u);
          if (x >= 0.5) return whole(x, max);
        }
        return 1;
      };
    case 'empirical': {
      const values = dist.values;
      return () => whole(values[Math.floor(u() * values.length)], max);
    }
  }
}
