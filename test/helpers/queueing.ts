/**
 * Analytic references for the engine tests.
 *
 * - M/D/1 mean wait, Pollaczek–Khinchine: Wq = ρ S / (2 (1 - ρ)) for deterministic service S
 *   (Kleinrock, Queueing Systems Vol. 1, eq. 5.78 with C_s^2 = 0).
 * - M/M/c, Erlang C (Kleinrock Vol. 1, eq. 3.42): with offered load a = λ/μ and ρ = a/c,
 *   C(c, a) = [a^c / c! / (1 - ρ)] / [Σ_{k<c} a^k / k! + a^c / c! / (1 - ρ)];
 *   P(wait > 0) = C, Wq = C / (cμ - λ), P(W > t) = C e^{-(cμ - λ) t}.
 */
export function erlangC(c: number, a: number): number {
  const rho = a / c;
  let term = 1; // a^k / k!
  let sum = 0;
  for (let k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const tail = term / (1 - rho);
  return tail / (sum + tail);
}

export function mmcMeanWait(c: number, lambda: number, mu: number): number {
  return erlangC(c, lambda / mu) / (c * mu - lambda);
}

/** The q-quantile of the M/M/c waiting time (0 when P(W > 0) <= 1 - q). */
export function mmcWaitQuantile(c: number, lambda: number, mu: number, q: number): number {
  const C = erlangC(c, lambda / mu);
  return C <= 1 - q ? 0 : Math.log(C / (1 - q)) / (c * mu - lambda);
}

export function md1MeanWait(rho: number, serviceS: number): number {
  return (rho * serviceS) / (2 * (1 - rho));
}

/**
 * E[max(1, round(X))] for X ~ Exponential(mean): the mean of capsim's whole-token exponential
 * samples, computed exactly by summing the rounding intervals.
 */
export function meanRoundedExponential(mean: number): number {
  let e = 1 * (1 - Math.exp(-1.5 / mean)); // N = 1 for X < 1.5
  for (let k = 2; k < mean * 60; k++) e += k * (Math.exp(-(k - 0.5) / mean) - Math.exp(-(k + 0.5) / mean));
  return e;
}
