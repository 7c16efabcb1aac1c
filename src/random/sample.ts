import type { Uniform } from './streams.js';

/**
 * Samplers over an injected uniform source. Each takes `u` so the caller decides which named
 * stream the draws come from.
 */

/** Exponential with the given mean, by inversion: -mean * ln(1 - U). */
export function exponential(u: Uniform, mean: number): number {
  return -mean * Math.log(1 - u());
}

/**
 * Standard normal by the Box–Muller transform (one value per call; the pair's second value is
 * discarded so that a draw's consumption of the stream is always exactly two uniforms).
 */
export function standardNormal(u: Uniform): number {
  const u1 = 1 - u(); // (0, 1]
  const u2 = u();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Gamma(shape, scale) by Marsaglia & Tsang (2000), "A simple method for generating gamma
 * variables", ACM TOMS 26(3); shape < 1 uses the boost X * U^(1/shape).
 */
export function gamma(u: Uniform, shape: number, scale: number): number {
  if (shape < 1) {
    const boost = Math.pow(u(), 1 / shape);
    return gamma(u, shape + 1, scale) * boost;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = u();
    if (w < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(w) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}
