/**
 * Runs one fidelity case in the simulator under the measured conditions and returns the same
 * figures the measurement reports: mean TTFT, TPOT as (mean E2E - mean TTFT) / (output - 1),
 * mean E2E, and completed requests per second.
 */
import { resolveWorkload } from '../workload/load.js';
import type { Scenario } from '../workload/scenario.js';
import { stream } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import { findGpu } from '../catalog/catalog.js';
import { VLLM_A100_EFFICIENCY, VLLM_V0151_H100_EFFICIENCY, VLLM_V0151_OVERHEAD, type CaseMeasured, type FidelityCase } from './cases.js';
import { replayClosed, replayOpen, type ReplayRequest, type ReplayedRequest } from './replay.js';

export interface CasePrediction extends CaseMeasured {
  /** The simulated queue grew without bound (arrivals outpace completions). */
  readonly unstable: boolean;
}

/** Extra workload keys applied to every case (e.g. `serving.overhead` under test). */
export type CaseOverrides = Readonly<Record<string, unknown>>;

/** End-to-end efficiency factors fitted per GPU family (docs/gpu-model.md), by the case's GPU name. */
const FITTED_EFFICIENCY: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'h100-sxm': VLLM_V0151_H100_EFFICIENCY,
  'a100-80gb': VLLM_A100_EFFICIENCY,
  'a100-80gb-pcie': VLLM_A100_EFFICIENCY,
};

/** The case's GPU (catalog name or inline spec) with its family's fitted factors, if any, as an inline GPU. */
function gpuWithFittedEfficiency(c: FidelityCase): string | Record<string, unknown> {
  const efficiency = FITTED_EFFICIENCY[c.gpu];
  if (c.gpuSpec) return efficiency ? { ...c.gpuSpec, efficiency } : { ...c.gpuSpec };
  if (!efficiency) return c.gpu;
  const g = findGpu(c.gpu)!;
  return {
    name: g.name, memory_gb: g.memoryGb, bf16_tflops: g.bf16Tflops, fp8_tflops: g.fp8Tflops ?? undefined,
    bandwidth_tbps: g.bandwidthTbps, tdp_w: g.tdpW, idle_w: g.idleW, price_per_hour: g.pricePerHour,
    interconnect_gbps: g.interconnectGbps ?? undefined, efficiency,
  };
}

/** The in-memory workload of a case: one pool of `tp` GPUs, the measured engine limits. */
export function caseScenario(c: FidelityCase, overrides: CaseOverrides = {}): Scenario {
  const serving = (overrides.serving ?? {}) as Record<string, unknown>;
  return resolveWorkload({
    name: c.id,
    seed: 1,
    duration: '24h',
    traffic: { rate: c.load.kind === 'poisson' ? c.load.rate : 1, arrival: 'poisson' },
    classes: [{ name: 'bench', prompt_tokens: c.promptTokens, output_tokens: c.outputTokens, shared_prefix_tokens: c.sharedPrefixTokens }],
    model: c.model,
    gpu: overrides.gpu ?? gpuWithFittedEfficiency(c),
    fleet: { gpus: c.tp, gpus_per_replica: c.tp },
    serving: {
      batching: 'continuous',
      max_batch_size: c.maxNumSeqs,
      max_batch_tokens: c.maxBatchedTokens,
      gpu_memory_utilization: c.gpuMemoryUtilization,
      max_queue_time: '24h',
      overhead: { ...VLLM_V0151_OVERHEAD, ...(c.perRequestOverheadS === undefined ? {} : { per_request: c.perRequestOverheadS }) },
      ...serving,
    },
    // Every run of the table had prefix caching on (vLLM V1's default; logged or stated by each source).
    cache: { prefix: true },
  });
}

/** The requests of a case: its measured trace, Poisson start times from a seeded stream, or closed-loop users. */
export function caseRequests(c: FidelityCase, maxRequests = Infinity): ReplayRequest[] {
  if (c.trace) return c.trace.slice(0, Math.min(c.trace.length, maxRequests));
  const u = stream(1, `fidelity:${c.id}`);
  let t = 0;
  const out: ReplayRequest[] = [];
  const n = Math.min(c.load.requests, maxRequests);
  for (let i = 0; i < n; i++) {
    if (c.load.kind === 'poisson') t += exponential(u, 1 / c.load.rate);
    out.push({ startS: t, promptTokens: c.promptTokens, outputTokens: c.outputTokens });
  }
  return out;
}

export function summarize(c: FidelityCase, replayed: readonly ReplayedRequest[]): CasePrediction {
  const done = replayed.filter((r) => Number.isFinite(r.e2eS));
  const mean = (f: (r: ReplayedRequest) => number) => done.reduce((a, r) => a + f(r), 0) / Math.max(1, done.length);
  const ttft = mean((r) => r.ttftS);
  const e2e = mean((r) => r.e2eS);
  // Traces have a length per request: TPOT is the mean of each request's, as measured.
  const multi = done.filter((r) => r.outputTokens > 1);
  const tpotS = c.trace
    ? multi.reduce((a, r) => a + (r.e2eS - r.ttftS) / (r.outputTokens - 1), 0) / Math.max(1, multi.length)
    : (e2e - ttft) / (c.outputTokens - 1);
  const finishes = done.map((r) => r.startS + r.e2eS).sort((a, b) => a - b);
  const span = finishes.length > 1 ? finishes[finishes.length - 1]! - finishes[0]! : NaN;
  const throughput = (finishes.length - 1) / span;
  // Unbounded queueing: the last quarter of requests waits far longer than the first quarter.
  const q = Math.max(1, Math.floor(done.length / 4));
  const firstQ = done.slice(0, q).reduce((a, r) => a + r.ttftS, 0) / q;
  const lastQ = done.slice(-q).reduce((a, r) => a + r.ttftS, 0) / q;
  const unstable = done.length < replayed.length || (lastQ > 3 * firstQ && lastQ > 1);
  return {
    ttftMs: ttft * 1000,
    tpotMs: tpotS * 1000,
    e2eMs: e2e * 1000,
    throughputRps: throughput,
    unstable,
  };
}

/** Simulates the case (see the file doc), at most `maxRequests` of its requests. */
export function runCase(c: FidelityCase, overrides: CaseOverrides = {}, maxRequests = Infinity): CasePrediction {
  const scenario = caseScenario(c, overrides);
  const requests = caseRequests(c, maxRequests);
  const replayed = c.load.kind === 'closed' ? replayClosed(scenario, requests, c.load.concurrency) : replayOpen(scenario, requests);
  return summarize(c, replayed);
}
