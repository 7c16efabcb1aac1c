/**
 * Fits host overheads and a GPU's efficiency factors to measured serving benchmarks: the
 * parameters that minimise, over the cases whose server was stable, the sum of squared log
 * errors of mean TTFT and TPOT (E2E follows from both), with every case replayed in the
 * simulator (runCase). Nelder-Mead in log space (every parameter is positive); fractions are
 * capped at 1.
 *
 * Used by scripts/fit-efficiency.mjs (the factors of catalog/efficiency.yaml and the default
 * overheads) and by `capsim calibrate --bench`.
 */
import { findGpu } from '../catalog/catalog.js';
import type { GpuSpec } from '../workload/scenario.js';
import { factorsFor } from '../gpu/efficiency.js';
import type { RooflineFactors } from '../gpu/roofline.js';
import type { FidelityCase } from './cases.js';
import { nelderMead } from './nelderMead.js';
import { runCase, type CaseOverrides, type CasePrediction } from './runCase.js';

export const FIT_PARAMETERS = ['perRequestS', 'perIterationS', 'compute', 'memory', 'kv', 'layerOverheadS', 'blend'] as const;
export type FitParameter = (typeof FIT_PARAMETERS)[number];
export type FitValues = Record<FitParameter, number>;

const FRACTIONS: ReadonlySet<FitParameter> = new Set(['compute', 'memory', 'kv']);

/** The starting point: the GPU's current factors (catalog/efficiency.yaml over the built-in ones) and the given overheads. */
export function currentValues(gpu: GpuSpec, perRequestS: number, perIterationS: number): FitValues {
  return valuesOf(factorsFor(gpu), perRequestS, perIterationS);
}

/** A starting point of `factors` (e.g. BUILTIN_FACTORS, where the fits of catalog/efficiency.yaml started) and the given overheads. */
export function valuesOf(f: RooflineFactors, perRequestS: number, perIterationS: number): FitValues {
  return {
    perRequestS,
    perIterationS,
    compute: f.computeEff,
    memory: f.weightBandwidthEff,
    kv: f.kvBandwidthEff,
    layerOverheadS: f.layerOverheadS,
    blend: f.blendExponent,
  };
}

/** The workload keys that set `values` for a case on `gpu` (an inline copy of the GPU + efficiency), with `outputIterations` of output lag. */
export function overridesFor(gpu: GpuSpec, values: FitValues, outputIterations = 1): CaseOverrides {
  return {
    gpu: {
      name: gpu.name,
      memory_gb: gpu.memoryGb,
      bf16_tflops: gpu.bf16Tflops,
      ...(gpu.fp8Tflops !== null ? { fp8_tflops: gpu.fp8Tflops } : {}),
      bandwidth_tbps: gpu.bandwidthTbps,
      tdp_w: gpu.tdpW,
      idle_w: gpu.idleW,
      price_per_hour: gpu.pricePerHour,
      ...(gpu.interconnectGbps !== null ? { interconnect_gbps: gpu.interconnectGbps } : {}),
      efficiency: { compute: values.compute, memory: values.memory, kv: values.kv, layer_overhead: values.layerOverheadS, blend: values.blend },
    },
    serving: { overhead: { per_request: values.perRequestS, per_iteration: values.perIterationS, output_iterations: outputIterations } },
  };
}

/** As overridesFor, for an inline GPU (workload syntax): the same GPU with `values`' factors. */
export function inlineOverridesFor(spec: Readonly<Record<string, unknown>>, values: FitValues, outputIterations = 1): CaseOverrides {
  const efficiency = { compute: values.compute, memory: values.memory, kv: values.kv, layer_overhead: values.layerOverheadS, blend: values.blend };
  return {
    gpu: { ...spec, efficiency },
    serving: { overhead: { per_request: values.perRequestS, per_iteration: values.perIterationS, output_iterations: outputIterations } },
  };
}

/**
 * Sum over the cases whose real server was stable of log(pred/meas)^2 for mean TTFT and TPOT, each
 * term capped at 4 (a factor e^2): a case the simulator cannot sustain costs a bounded amount, so
 * the search trades it against the others instead of being driven by it.
 */
export function fitLoss(cases: readonly FidelityCase[], predictions: readonly CasePrediction[]): number {
  let loss = 0;
  cases.forEach((c, i) => {
    if (c.saturated) return;
    const p = predictions[i]!;
    const term = (pred: number, meas: number) => {
      // A figure the case does not compare (NaN measured) costs nothing.
      if (Number.isNaN(meas)) return 0;
      const e = Math.log(pred / meas) ** 2;
      return Number.isFinite(e) ? Math.min(4, e) : 4;
    };
    loss += term(p.ttftMs, c.measured.ttftMs) + term(p.tpotMs, c.measured.tpotMs);
  });
  return loss;
}

export interface FitResult {
  readonly values: FitValues;
  readonly loss: number;
  readonly evaluations: number;
}

/**
 * Fits `free` parameters (the others stay at `start`) on `cases`, all run on `gpuName`.
 * `maxRequests` caps the requests simulated per case during the search (speed).
 */
/**
 * The values at a point of the search: the free parameters are searched on a log scale (x = ln
 * value), fractions capped at 1, the blend exponent kept in [1, 16]; the rest stay at `start`.
 */
export function valuesAt(start: FitValues, free: readonly FitParameter[], x: readonly number[]): FitValues {
  const v = { ...start };
  free.forEach((k, i) => {
    const value = Math.exp(x[i]!);
    v[k] = FRACTIONS.has(k) ? Math.min(1, value) : k === 'blend' ? Math.min(16, Math.max(1, value)) : value;
  });
  return v;
}

export function fitCases(
  cases: readonly FidelityCase[],
  gpuName: string,
  start: FitValues,
  free: readonly FitParameter[],
  options: { maxEvaluations?: number; maxRequests?: number; outputIterations?: number } = {},
): FitResult {
  const gpu = findGpu(gpuName);
  // A GPU outside the catalog: every case carries it inline (FidelityCase.gpuSpec).
  if (!gpu && !cases.every((c) => c.gpuSpec)) throw new Error(`unknown GPU ${gpuName}`);
  const toValues = (x: readonly number[]) => valuesAt(start, free, x);
  const loss = (x: readonly number[]) => {
    const values = toValues(x);
    const outputIterations = options.outputIterations ?? 1;
    const catalogOverrides = gpu ? overridesFor(gpu, values, outputIterations) : {};
    return fitLoss(
      cases,
      cases.map((c) => runCase(c, c.gpuSpec ? inlineOverridesFor(c.gpuSpec, values, outputIterations) : catalogOverrides, options.maxRequests)),
    );
  };
  const x0 = free.map((k) => Math.log(Math.max(start[k], 1e-7)));
  const best = nelderMead(loss, x0, { step: 0.3, maxEvaluations: options.maxEvaluations ?? 150, tolerance: 1e-4 });
  return { values: toValues(best.x), loss: best.value, evaluations: best.evaluations };
}
