/**
 * Nelder-Mead simplex minimisation (Nelder & Mead 1965; the standard coefficients reflection 1,
 * expansion 2, contraction 0.5, shrink 0.5, as in Numerical Recipes 10.5). Deterministic: the
 * initial simplex steps each coordinate by `step`.
 *
 * @returns the best point found and its value after at most `maxEvaluations` evaluations, or
 *          once the simplex's values differ by less than `tolerance`
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: { step?: number; maxEvaluations?: number; tolerance?: number } = {},
): { x: number[]; value: number; evaluations: number } {
  const step = options.step ?? 0.1;
  const maxEvaluations = options.maxEvaluations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const n = start.length;
  let evaluations = 0;
  const evaluate = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  let simplex: { x: number[]; v: number }[] = [{ x: [...start], v: evaluate([...start]) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i] = x[i]! + step;
    simplex.push({ x, v: evaluate(x) });
  }
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i]! - ai));
  while (evaluations < maxEvaluations) {
    simplex.sort((p, q) => p.v - q.v);
    if (Math.abs(simplex[n]!.v - simplex[0]!.v) < tolerance) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;
    const worst = simplex[n]!;
    const reflected = combine(centroid, worst.x, -1);
    const rv = evaluate(reflected);
    if (rv < simplex[0]!.v) {
      const expanded = combine(centroid, worst.x, -2);
      const ev = evaluate(expanded);
      simplex[n] = ev < rv ? { x: expanded, v: ev } : { x: reflected, v: rv };
    } else if (rv < simplex[n - 1]!.v) {
      simplex[n] = { x: reflected, v: rv };
    } else {
      const contracted = rv < worst.v ? combine(centroid, reflected, 0.5) : combine(centroid, worst.x, 0.5);
      const cv = evaluate(contracted);
      if (cv < Math.min(rv, worst.v)) simplex[n] = { x: contracted, v: cv };
      else {
        const best = simplex[0]!;
        simplex = simplex.map((p, i) => (i === 0 ? p : { x: combine(best.x, p.x, 0.5), v: evaluate(combine(best.x, p.x, 0.5)) }));
      }
    }
  }
  simplex.sort((p, q) => p.v - q.v);
  return { x: simplex[0]!.x, value: simplex[0]!.v, evaluations };
}
