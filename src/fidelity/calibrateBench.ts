/**
 * `capsim calibrate --bench`: replays measured serving benchmarks (benchFile.ts) in the simulator
 * under the same conditions — the same requests (lengths, order), the measured start times or the
 * same load (closed loop of N users, or Poisson at the measured rate), the same engine limits —
 * and fits the host overheads (`serving.overhead`) and the GPU's efficiency factors to them
 * (fit.ts: Nelder-Mead on the squared log errors of mean TTFT and mean TPOT per file).
 *
 * Mean TPOT is vLLM's: the mean over requests with more than one output token of
 * (E2E - TTFT) / (output tokens - 1), measured and predicted alike.
 */
import { findGpu } from '../catalog/catalog.js';
import { inputError } from '../errors.js';
import { stream } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import { resolveWorkload } from '../workload/load.js';
import type { GpuSpec, Scenario } from '../workload/scenario.js';
import type { BenchRun } from './benchFile.js';
import { currentValues, overridesFor, valuesAt, type FitParameter, type FitValues } from './fit.js';
import { nelderMead } from './nelderMead.js';
import { closedLoopStarts, replayClosed, replayOpen, type ReplayRequest, type ReplayedRequest } from './replay.js';
import type { CaseOverrides } from './runCase.js';

export interface BenchConditions {
  /** Catalog model name or an inline model (workload syntax). */
  readonly model: string | Readonly<Record<string, unknown>>;
  /** Catalog GPU name, or a resolved GPU (e.g. an inline GPU of a workload). */
  readonly gpu: string | GpuSpec;
  readonly tp: number;
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  readonly gpuMemoryUtilization: number;
  readonly scheduler: 'chunked_prefill' | 'prefill_first';
}

export interface BenchSummary {
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly e2eMs: number;
  readonly throughputRps: number;
}

export interface BenchRow {
  readonly file: string;
  readonly requests: number;
  readonly measured: BenchSummary;
  readonly before: BenchSummary;
  readonly fitted: BenchSummary;
}

export interface BenchCalibration {
  readonly rows: readonly BenchRow[];
  readonly start: FitValues;
  readonly values: FitValues;
  readonly free: readonly FitParameter[];
  readonly evaluations: number;
  /** Paste-ready workload block (YAML text). */
  readonly block: string;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Means as `vllm bench serve` reports them; throughput = (n - 1) / (last finish - first finish). */
export function summarizeRequests(rows: readonly { startS: number; ttftS: number; e2eS: number; outputTokens: number }[]): BenchSummary {
  const done = rows.filter((r) => Number.isFinite(r.e2eS));
  const tpot = done.filter((r) => r.outputTokens > 1).map((r) => (r.e2eS - r.ttftS) / (r.outputTokens - 1));
  const finishes = done.map((r) => r.startS + r.e2eS).sort((a, b) => a - b);
  const span = finishes.length > 1 ? finishes[finishes.length - 1]! - finishes[0]! : NaN;
  return {
    ttftMs: mean(done.map((r) => r.ttftS)) * 1e3,
    tpotMs: mean(tpot) * 1e3,
    e2eMs: mean(done.map((r) => r.e2eS)) * 1e3,
    throughputRps: (finishes.length - 1) / span,
  };
}

/** Start times of the measured run (measured, closed-loop reconstruction, or seeded Poisson). */
export function measuredStarts(run: BenchRun, index: number): number[] {
  if (run.requests.every((r) => Number.isFinite(r.startS))) return run.requests.map((r) => r.startS);
  if (run.concurrency !== null && !Number.isFinite(run.rate)) return closedLoopStarts(run.requests.map((r) => r.e2eMs / 1e3), run.concurrency);
  const u = stream(1, `bench:${index}`);
  let t = 0;
  return run.requests.map(() => (t += exponential(u, 1 / run.rate)));
}

export function measuredSummary(run: BenchRun, index: number): BenchSummary {
  const starts = measuredStarts(run, index);
  return summarizeRequests(run.requests.map((r, i) => ({ startS: starts[i]!, ttftS: r.ttftMs / 1e3, e2eS: r.e2eMs / 1e3, outputTokens: r.outputTokens })));
}

/** The in-memory workload the benchmark is replayed in. */
export function benchScenario(conditions: BenchConditions, overrides: CaseOverrides): Scenario {
  const serving = (overrides.serving ?? {}) as Record<string, unknown>;
  return resolveWorkload({
    name: 'bench',
    seed: 1,
    duration: '24h',
    traffic: { rate: 1, arrival: 'poisson' },
    classes: [{ name: 'bench', prompt_tokens: 1, output_tokens: 1 }],
    model: conditions.model,
    // A resolved GPU is written back as an inline GPU carrying its current factors.
    gpu: overrides.gpu ?? (typeof conditions.gpu === 'string' ? conditions.gpu : overridesFor(conditions.gpu, currentValues(conditions.gpu, 0, 0)).gpu),
    fleet: { gpus: conditions.tp, gpus_per_replica: conditions.tp },
    serving: {
      batching: 'continuous',
      max_batch_size: conditions.maxNumSeqs,
      max_batch_tokens: conditions.maxBatchedTokens,
      gpu_memory_utilization: conditions.gpuMemoryUtilization,
      scheduler: conditions.scheduler,
      max_queue_time: '24h',
      ...serving,
    },
  });
}

/** Replays one run with `overrides` and returns the simulated requests. */
export function replayBench(run: BenchRun, index: number, conditions: BenchConditions, overrides: CaseOverrides): ReplayedRequest[] {
  const scenario = benchScenario(conditions, overrides);
  const timed = run.requests.every((r) => Number.isFinite(r.startS));
  const starts = timed || run.concurrency === null || Number.isFinite(run.rate) ? measuredStarts(run, index) : null;
  const requests: ReplayRequest[] = run.requests.map((r, i) => ({ startS: starts ? starts[i]! : 0, promptTokens: r.promptTokens, outputTokens: r.outputTokens }));
  return starts ? replayOpen(scenario, requests) : replayClosed(scenario, requests, run.concurrency!);
}

/**
 * Relative noise of a benchmark's mean TTFT or TPOT (ASSUMPTION: repeated runs and Poisson
 * replays of the same load differ by about 5%; docs/fidelity.md sees +5..+7% throughput from
 * sampling alone). It scales the data term of the fit against the prior's.
 */
export const MEASUREMENT_SIGMA = 0.05;

/**
 * Prior spread (standard deviation of ln(value / start)) of each parameter: how far the fit may
 * move it from the GPU's current factor or the given overhead before the prior weighs as much as
 * one mean's 5% error. Efficiencies: 0.2 (the end-to-end H100 factors differ from the A100 kernel
 * fit by 2-5%; a new GPU family by more). Overheads and the per-layer time: 1.5 (a factor of
 * ~4.5: the start is a guess). The blend exponent: 0.5.
 */
export const PRIOR_SIGMA: Readonly<Record<FitParameter, number>> = {
  perRequestS: 1.5,
  perIterationS: 1.5,
  compute: 0.2,
  memory: 0.2,
  kv: 0.2,
  layerOverheadS: 1.5,
  blend: 0.5,
};

/** Sum over files of the squared log errors of mean TTFT and mean TPOT, in units of MEASUREMENT_SIGMA. */
function dataLoss(measured: readonly BenchSummary[], predicted: readonly BenchSummary[]): number {
  let sum = 0;
  predicted.forEach((p, i) => {
    const m = measured[i]!;
    const a = Math.log(p.ttftMs / m.ttftMs);
    const b = Number.isFinite(m.tpotMs) ? Math.log(p.tpotMs / m.tpotMs) : 0;
    sum += Number.isFinite(a) && Number.isFinite(b) ? a * a + b * b : 100;
  });
  return sum / MEASUREMENT_SIGMA ** 2;
}

/**
 * The prior's term: sum of (ln(value / start) / PRIOR_SIGMA)^2 over the free parameters. Without
 * it one file (two means) cannot separate three or four factors and the search drifts along the
 * valley of equally good fits (compute 0.69 -> 0.56 on one 29 s trace, docs/fidelity.md); with it
 * the fit moves the factors the data pins and keeps the rest near the start (a MAP estimate under
 * log-normal priors and errors).
 */
export function priorLoss(start: FitValues, values: FitValues, free: readonly FitParameter[]): number {
  let sum = 0;
  for (const k of free) sum += (Math.log(Math.max(values[k], 1e-12) / Math.max(start[k], 1e-12)) / PRIOR_SIGMA[k]) ** 2;
  return sum;
}

const FRACTIONS: ReadonlySet<FitParameter> = new Set(['compute', 'memory', 'kv']);

/**
 * Fits `free` (default: both overheads, the GEMM and weight-streaming efficiencies) to the runs:
 * the values minimising dataLoss + priorLoss (`prior: false` drops the prior: least squares
 * alone, as before). The start overheads default to 5 ms and 0.5 ms.
 */
export function calibrateBench(
  runs: readonly BenchRun[],
  conditions: BenchConditions,
  options: { free?: readonly FitParameter[]; perRequestS?: number; perIterationS?: number; maxEvaluations?: number; prior?: boolean } = {},
): BenchCalibration {
  const gpu = typeof conditions.gpu === 'string' ? findGpu(conditions.gpu) : conditions.gpu;
  if (!gpu) throw inputError(`unknown GPU "${String(conditions.gpu)}"`, { path: 'gpu' });
  const free = options.free ?? ['perRequestS', 'perIterationS', 'compute', 'memory'];
  // Start the overheads from a non-zero guess so that the log-space search can move them.
  const start = currentValues(gpu, options.perRequestS ?? 0.005, options.perIterationS ?? 0.0005);
  const measured = runs.map((r, i) => measuredSummary(r, i));
  const predict = (values: FitValues) =>
    runs.map((r, i) => {
      const replayed = replayBench(r, i, conditions, overridesFor(gpu, values));
      return summarizeRequests(replayed);
    });
  const toValues = (x: readonly number[]) => valuesAt(start, free, x);
  const x0 = free.map((k) => Math.log(Math.max(start[k], 1e-7)));
  const prior = options.prior ?? true;
  const best = nelderMead(
    (x) => {
      const values = toValues(x);
      return dataLoss(measured, predict(values)) + (prior ? priorLoss(start, values, free) : 0);
    },
    x0,
    { step: 0.3, maxEvaluations: options.maxEvaluations ?? 200, tolerance: 1e-8 },
  );
  const values = toValues(best.x);
  const before = predict(start);
  const fitted = predict(values);
  const rows = runs.map((r, i) => ({ file: r.file, requests: r.requests.length, measured: measured[i]!, before: before[i]!, fitted: fitted[i]! }));
  return { rows, start, values, free, evaluations: best.evaluations, block: workloadBlock(gpu, values) };
}

const us = (s: number) => `${Number((s * 1e6).toPrecision(3))}us`;
const msText = (s: number) => `${Number((s * 1e3).toPrecision(3))}ms`;

/** The paste-ready `serving.overhead` and inline-GPU efficiency block. */
export function workloadBlock(gpu: GpuSpec, v: FitValues): string {
  const lines = [
    `# fitted by capsim calibrate --bench on ${gpu.name}`,
    'serving:',
    '  overhead:',
    `    per_request: ${msText(v.perRequestS)}`,
    `    per_iteration: ${us(v.perIterationS)}`,
    '    output_iterations: 1',
    'gpu:',
    `  name: ${gpu.name}`,
    `  memory_gb: ${gpu.memoryGb}`,
    `  bf16_tflops: ${gpu.bf16Tflops}`,
    ...(gpu.fp8Tflops !== null ? [`  fp8_tflops: ${gpu.fp8Tflops}`] : []),
    `  bandwidth_tbps: ${gpu.bandwidthTbps}`,
    `  tdp_w: ${gpu.tdpW}`,
    `  idle_w: ${gpu.idleW}`,
    `  price_per_hour: ${gpu.pricePerHour}`,
    ...(gpu.interconnectGbps !== null ? [`  interconnect_gbps: ${gpu.interconnectGbps}`] : []),
    '  efficiency:',
    `    compute: ${v.compute.toFixed(3)}`,
    `    memory: ${v.memory.toFixed(3)}`,
    `    kv: ${v.kv.toFixed(3)}`,
    `    layer_overhead: ${us(v.layerOverheadS)}`,
    `    blend: ${v.blend.toFixed(2)}`,
  ];
  return `${lines.join('\n')}\n`;
}
