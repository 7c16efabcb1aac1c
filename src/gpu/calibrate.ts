/**
 * Calibration of the roofline factors (and of a linear `perf:` block) to measured step times.
 *
 * Input (read by measurements.ts): one row per measured iteration -- its shape (prefill tokens, attended prefill token
 * pairs, decoding sequences, KV tokens they read), the measured time, and the model / GPU / TP
 * it ran on. The factors are GPU-independent by design, so rows from several GPUs and models
 * can be fitted together.
 *
 * Factor fit: nonlinear least squares on the relative errors (predicted / measured - 1) over the
 * log of each factor (positive by construction), by Levenberg-Marquardt with a numeric
 * Jacobian. The model is the roofline of roofline.ts, each of whose terms carries one factor;
 * a factor whose terms are absent from the data (e.g. attention efficiency with no prefill
 * rows) keeps its starting value and is reported as not fitted. `iterationOverheadS` is only
 * fitted on request: with one model it is indistinguishable from the per-layer overhead.
 *
 * Perf fit (the workload's `perf:` block, straight lines fitted directly to the measurements,
 * simple-statistics for the one-variable case): prefill-only rows give base + per_token x tokens;
 * decode-only rows give base + per_seq x seqs + per_kv_token x kv tokens (least squares on the
 * three terms). A coefficient that comes out negative is dropped (set to 0) and the rest refitted.
 * With fewer than 2 prefill rows (or 3 decode rows) that half of the block is fitted to the
 * calibrated roofline on a standard grid of shapes instead, and flagged.
 */
import { linearRegression } from 'simple-statistics';
import { inputError } from '../errors.js';
import type { GpuSpec, ModelSpec, PerfSpec } from '../workload/scenario.js';
import { rooflineCoefficients, rooflineLinearLayersS, rooflineTerms, type RooflineFactors } from './roofline.js';

/** A measurement with its model and GPU resolved. */
export interface MeasuredStep {
  readonly label: string;
  readonly prefillTokens: number;
  readonly prefillAttention: number;
  readonly decodeSeqs: number;
  readonly kvTokens: number;
  readonly stepS: number;
  readonly model: ModelSpec;
  readonly gpu: GpuSpec;
  readonly tp: number;
  readonly scope?: 'step' | 'linear';
}

export interface CalibrationRow {
  readonly label: string;
  readonly measuredMs: number;
  readonly predictedMs: number;
  readonly errorPct: number;
}

export interface CalibrationResult {
  readonly factors: RooflineFactors;
  /** Factors the data determined; the others kept their starting value. */
  readonly fitted: readonly (keyof RooflineFactors)[];
  readonly rows: readonly CalibrationRow[];
  /** Root-mean-square and largest absolute relative error, percent. */
  readonly rmsErrorPct: number;
  readonly maxErrorPct: number;
  /** One linear `perf:` block per (model, GPU, TP) among the whole-step rows. */
  readonly perf: readonly PerfBlock[];
  /** What the user should know about the fit: factors left unfitted for lack of rows, or clamped to their physical range. */
  readonly warnings: readonly string[];
}

export interface PerfBlock {
  readonly model: string;
  readonly gpu: string;
  readonly tp: number;
  readonly perf: PerfSpec;
  /** Which halves came from the calibrated roofline on a grid rather than from measurements. */
  readonly fromModel: { readonly prefill: boolean; readonly decode: boolean };
}

/**
 * Neutral starting point of the fit, so that the result does not depend on the current built-in
 * factors (re-running the documented command reproduces them). Iteration overhead starts (and,
 * unless fitted, stays) at 0.
 */
export const START_FACTORS: RooflineFactors = Object.freeze({
  weightBandwidthEff: 0.7,
  kvBandwidthEff: 0.7,
  computeEff: 0.7,
  attentionComputeEff: 0.3,
  layerOverheadS: 20e-6,
  iterationOverheadS: 0,
  blendExponent: 2,
});

export interface CalibrateOptions {
  /** Starting values, and the values of factors that are not fitted (default START_FACTORS). */
  readonly start?: RooflineFactors;
  readonly fitIterationOverhead?: boolean;
}

// ------------------------------------------------------------------------------------------
// Fit

/**
 * Physical ranges of the factors: an efficiency is a fraction of a peak (above 1 is impossible,
 * below 1% is a broken measurement), an overhead is non-negative and well below a step. A fit
 * that lands outside (e.g. compute_eff 1.5e68 from two rows) is clamped and reported.
 */
export const FACTOR_BOUNDS: Readonly<Record<keyof RooflineFactors, readonly [number, number]>> = {
  weightBandwidthEff: [0.01, 1],
  kvBandwidthEff: [0.01, 1],
  computeEff: [0.01, 1],
  attentionComputeEff: [0.01, 1],
  layerOverheadS: [0, 0.01],
  iterationOverheadS: [0, 1],
  blendExponent: [1, 16],
};

/** A factor as the CLI prints it: `computeEff` -> `compute_eff`, `layerOverheadS` -> `layer_overhead`. */
const label = (k: keyof RooflineFactors): string => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`).replace(/_s$/, '');

/** Rows that must exercise a factor's term before it is fitted (else it keeps its start value). */
export const MIN_ROWS_PER_TERM = 2;

const FACTOR_KEYS: readonly (keyof RooflineFactors)[] = [
  'weightBandwidthEff', 'kvBandwidthEff', 'computeEff', 'attentionComputeEff', 'layerOverheadS', 'iterationOverheadS',
];

/** Predicted seconds of each step under `factors`. */
export function predictSteps(steps: readonly MeasuredStep[], factors: RooflineFactors): number[] {
  return steps.map((s) => {
    const c = rooflineCoefficients(s.model, s.gpu, s.tp, factors);
    if (s.scope === 'linear') return rooflineLinearLayersS(c, s.prefillTokens + s.decodeSeqs);
    return rooflineTerms(c, s.prefillTokens, s.prefillAttention, s.decodeSeqs, s.kvTokens).total;
  });
}

/**
 * Fits the roofline factors and a linear perf block to `steps` (see the file doc). A factor is
 * fitted only when at least MIN_ROWS_PER_TERM rows exercise its term, and only when there are
 * more rows than fitted factors (an exactly determined fit reports a meaningless 0% error);
 * fitted values outside FACTOR_BOUNDS are clamped. Each such case adds a warning.
 *
 * @throws InputError when there are fewer rows than factors to fit plus one
 */
export function calibrate(steps: readonly MeasuredStep[], options: CalibrateOptions = {}): CalibrationResult {
  const start = options.start ?? START_FACTORS;
  const keys = FACTOR_KEYS.filter((k) => k !== 'iterationOverheadS' || options.fitIterationOverhead);
  const factorsOf = (x: readonly number[]): RooflineFactors => {
    const f: Record<string, number> = { ...start };
    keys.forEach((k, i) => (f[k] = Math.exp(x[i]!)));
    return f as unknown as RooflineFactors;
  };
  const residuals = (x: readonly number[]): number[] =>
    predictSteps(steps, factorsOf(x)).map((p, i) => p / steps[i]!.stepS - 1);

  // A start of 0 (e.g. no iteration overhead) cannot be moved in log space: start from 0.1 ms.
  const x0 = keys.map((k) => Math.log(start[k] > 0 ? start[k] : 1e-4));
  const { x, identifiable, rowsUsing } = levenbergMarquardt(residuals, x0, MIN_ROWS_PER_TERM);
  const fitted = keys.filter((_, i) => identifiable[i]);
  const warnings: string[] = [];
  keys.forEach((k, i) => {
    if (rowsUsing[i]! > 0 && !identifiable[i]) warnings.push(`${label(k)}: only ${rowsUsing[i]} row(s) exercise it (at least ${MIN_ROWS_PER_TERM} needed): not fitted, kept at ${start[k]}`);
  });
  if (fitted.length > 0 && steps.length < fitted.length + 1) {
    throw inputError(`${steps.length} measurement(s) cannot calibrate ${fitted.length} factors (${fitted.map(label).join(', ')}): give at least ${fitted.length + 1} rows, with several shapes (prefill and decode, small and large batches)`);
  }
  const final = factorsOf(x.map((v, i) => (identifiable[i] ? v : x0[i]!)));
  const bounded: Partial<Record<keyof RooflineFactors, number>> = {};
  for (const k of fitted) {
    const [lo, hi] = FACTOR_BOUNDS[k];
    const v = final[k];
    if (v < lo || v > hi || !Number.isFinite(v)) {
      bounded[k] = Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : hi));
      warnings.push(`${label(k)}: the fit gave ${Number(v.toPrecision(3))}, outside its physical range ${lo}..${hi}: clamped to ${bounded[k]} (measured steps faster than the GPU peak allows, or a factor the rows do not pin down: check the units, add rows of other shapes)`);
    }
  }
  const factors: RooflineFactors = Object.freeze({ ...final, ...Object.fromEntries(keys.filter((_, i) => !identifiable[i]).map((k) => [k, start[k]])), ...bounded });

  const predicted = predictSteps(steps, factors);
  const rows = steps.map((s, i) => ({
    label: s.label,
    measuredMs: s.stepS * 1e3,
    predictedMs: predicted[i]! * 1e3,
    errorPct: (predicted[i]! / s.stepS - 1) * 100,
  }));
  const rmsErrorPct = Math.sqrt(rows.reduce((a, r) => a + r.errorPct * r.errorPct, 0) / rows.length);
  const maxErrorPct = Math.max(...rows.map((r) => Math.abs(r.errorPct)));
  const groups = new Map<string, MeasuredStep[]>();
  for (const s of steps) {
    const key = `${s.model.name}|${s.gpu.name}|${s.tp}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const perf = [...groups.values()]
    .filter((g) => g.some((s) => s.scope !== 'linear'))
    .map((g) => ({ model: g[0]!.model.name, gpu: g[0]!.gpu.name, tp: g[0]!.tp, ...fitPerf(g, factors) }));
  return { factors, fitted, rows, rmsErrorPct, maxErrorPct, perf, warnings };
}

/**
 * Levenberg-Marquardt on sum(r^2); returns the minimiser, which parameters the data moves in at
 * least `minRows` rows (the others stay put), and in how many rows each one appears.
 */
function levenbergMarquardt(
  residuals: (x: readonly number[]) => number[],
  x0: readonly number[],
  minRows: number,
): { x: number[]; identifiable: boolean[]; rowsUsing: number[] } {
  const k = x0.length;
  let x = [...x0];
  let r = residuals(x);
  let cost = sumSquares(r);
  let lambda = 1e-3;
  // A parameter is identifiable when the data depends on it at the start (its terms are present).
  const J0 = jacobian(residuals, x, r);
  const rowsUsing = x0.map((_, a) => J0.filter((row) => row[a]! * row[a]! > 1e-14).length);
  const identifiable = x0.map((_, a) => dot(J0, a, a) > 1e-12 && rowsUsing[a]! >= minRows);
  for (let iter = 0; iter < 200; iter++) {
    const J = jacobian(residuals, x, r);
    const JtJ = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => dot(J, a, b)));
    const Jtr = Array.from({ length: k }, (_, a) => J.reduce((s, row, i) => s + row[a]! * r[i]!, 0));
    let improved = false;
    for (let attempt = 0; attempt < 12 && !improved; attempt++) {
      const A = JtJ.map((row, a) => row.map((v, b) => (a === b ? v * (1 + lambda) + 1e-12 : v)));
      const delta = solve(A, Jtr.map((v) => -v));
      const next = x.map((v, a) => (identifiable[a] ? v + delta[a]! : v));
      const rNext = residuals(next);
      const costNext = sumSquares(rNext);
      if (Number.isFinite(costNext) && costNext < cost) {
        const gain = cost - costNext;
        x = next;
        r = rNext;
        cost = costNext;
        lambda = Math.max(lambda / 3, 1e-9);
        improved = true;
        if (gain < 1e-14) return { x, identifiable, rowsUsing };
      } else lambda *= 4;
    }
    if (!improved) break;
  }
  return { x, identifiable, rowsUsing };
}

function jacobian(f: (x: readonly number[]) => number[], x: readonly number[], r: readonly number[]): number[][] {
  const h = 1e-6;
  const columns = x.map((_, a) => {
    const xh = [...x];
    xh[a] = x[a]! + h;
    return f(xh).map((v, i) => (v - r[i]!) / h);
  });
  return r.map((_, i) => columns.map((col) => col[i]!));
}

function dot(J: readonly number[][], a: number, b: number): number {
  return J.reduce((s, row) => s + row[a]! * row[b]!, 0);
}

function sumSquares(r: readonly number[]): number {
  return r.reduce((s, v) => s + v * v, 0);
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A small and square). */
function solve(A: readonly number[][], b: readonly number[]): number[] {
  const n = b.length;
  const m = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(m[i]![c]!) > Math.abs(m[p]![c]!)) p = i;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]!;
    if (Math.abs(pivot) < 1e-300) continue;
    for (let i = c + 1; i < n; i++) {
      const f = m[i]![c]! / pivot;
      for (let j = c; j <= n; j++) m[i]![j]! -= f * m[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const pivot = m[i]![i]!;
    if (Math.abs(pivot) < 1e-300) continue;
    let s = m[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= m[i]![j]! * x[j]!;
    x[i] = s / pivot;
  }
  return x;
}

// ------------------------------------------------------------------------------------------
// Linear perf block

interface Shape {
  readonly prefillTokens: number;
  readonly decodeSeqs: number;
  readonly kvTokens: number;
  readonly stepS: number;
}

/** Standard shapes for the model-derived fallback: prompts 256..8192, batches 1..256 x context 256..4096. */
function gridShapes(step: MeasuredStep, factors: RooflineFactors): { prefill: Shape[]; decode: Shape[] } {
  const model = rooflineCoefficients(step.model, step.gpu, step.tp, factors);
  const prefill = [256, 512, 1024, 2048, 4096, 8192].map((p) => ({
    prefillTokens: p, decodeSeqs: 0, kvTokens: 0, stepS: rooflineTerms(model, p, (p * p) / 2, 0, 0).total,
  }));
  const decode: Shape[] = [];
  for (const b of [1, 4, 16, 64, 256]) {
    for (const ctx of [256, 1024, 4096]) {
      decode.push({ prefillTokens: 0, decodeSeqs: b, kvTokens: b * ctx, stepS: rooflineTerms(model, 0, 0, b, b * ctx).total });
    }
  }
  return { prefill, decode };
}

function fitPerf(steps: readonly MeasuredStep[], factors: RooflineFactors): { perf: PerfSpec; fromModel: { prefill: boolean; decode: boolean } } {
  const whole = steps.filter((s) => s.scope !== 'linear');
  let prefillRows: Shape[] = whole.filter((s) => s.decodeSeqs === 0);
  let decodeRows: Shape[] = whole.filter((s) => s.prefillTokens === 0);
  const fromModel = { prefill: prefillRows.length < 2, decode: decodeRows.length < 3 };
  if (fromModel.prefill || fromModel.decode) {
    const grid = gridShapes(steps[0]!, factors);
    if (fromModel.prefill) prefillRows = grid.prefill;
    if (fromModel.decode) decodeRows = grid.decode;
  }
  // Prefill: one variable -> simple-statistics' linear regression.
  let { m: perTokenS, b: prefillBase } = linearRegression(prefillRows.map((s) => [s.prefillTokens, s.stepS]));
  if (!(prefillBase >= 0)) {
    prefillBase = 0;
    perTokenS = sumOf(prefillRows, (s) => s.prefillTokens * s.stepS) / sumOf(prefillRows, (s) => s.prefillTokens ** 2);
  }
  if (!(perTokenS >= 0)) perTokenS = 0;
  // Decode: least squares on base, per_seq, per_kv_token; negative coefficients dropped.
  const features = (s: Shape): number[] => [1, s.decodeSeqs, s.kvTokens];
  let active = [true, true, true];
  let coef = [0, 0, 0];
  for (let round = 0; round < 3; round++) {
    coef = leastSquares(decodeRows.map(features), decodeRows.map((s) => s.stepS), active);
    const negative = coef.findIndex((c, i) => active[i] && c < 0);
    if (negative < 0) break;
    active = active.map((a, i) => a && i !== negative);
  }
  const perf: PerfSpec = {
    prefill: { baseS: prefillBase, perTokenS },
    decode: { baseS: coef[0]!, perSeqS: coef[1]!, perKvTokenS: coef[2]! },
  };
  return { perf, fromModel };
}

/** Ordinary least squares on the active columns of X (inactive coefficients are 0). */
function leastSquares(X: readonly number[][], y: readonly number[], active: readonly boolean[]): number[] {
  const cols = active.map((a, i) => (a ? i : -1)).filter((i) => i >= 0);
  // Scale columns to unit RMS for a well-conditioned normal system.
  const scale = cols.map((c) => Math.sqrt(X.reduce((s, row) => s + row[c]! ** 2, 0) / X.length) || 1);
  const A = cols.map((a, i) => cols.map((b, j) => X.reduce((s, row) => s + (row[a]! / scale[i]!) * (row[b]! / scale[j]!), 0)));
  const rhs = cols.map((a, i) => X.reduce((s, row, n) => s + (row[a]! / scale[i]!) * y[n]!, 0));
  const solved = solve(A, rhs);
  const out = [0, 0, 0];
  cols.forEach((c, i) => (out[c] = solved[i]! / scale[i]!));
  return out;
}

function sumOf<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((s, x) => s + f(x), 0);
}
