/**
 * Runs one fidelity case in the simulator under the measured conditions and returns the same
 * figures the measurement reports: mean TTFT, TPOT as (mean E2E - mean TTFT) / (output - 1),
 * mean E2E, and completed requests per second.
 */
import { resolveWorkload } from '../workload/load.js';
import type { Scenario } from '../workload/scenario.js';
import { stream } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import { catalogEfficiencies, type GpuEfficiency } from '../gpu/efficiency.js';
import type { CaseMeasured, FidelityCase } from './cases.js';
import { replayClosed, replayOpen, type ReplayRequest, type ReplayedRequest } from './replay.js';

export interface CasePrediction extends CaseMeasured {
  /** The simulated queue grew without bound (arrivals outpace completions). */
  readonly unstable: boolean;
}

/** Extra workload keys applied to every case (e.g. `serving.overhead` under test). */
export type CaseOverrides = Readonly<Record<string, unknown>>;

/**
 * Inline GPUs of the table that are a variant of a catalog GPU with fitted factors take that
 * GPU's entry of catalog/efficiency.yaml: the A100 factor was fitted on the 80GB PCIe card and is
 * the entry of the catalog's a100-80gb. A catalog GPU gets its entry by name, as in any workload.
 */
const FAMILY_OF: Readonly<Record<string, string>> = { 'a100-80gb-pcie': 'a100-80gb' };

/** `e` as a workload's inline `gpu.efficiency` block (keys it does not set left out). */
function efficiencyBlock(e: GpuEfficiency): Record<string, number> {
  const block: Record<string, number | undefined> = {
    compute: e.compute, memory: e.memory, kv: e.kv, attention: e.attention, layer_overhead: e.layerOverheadS, blend: e.blend,
  };
  return Object.fromEntries(Object.entries(block).filter((kv): kv is [string, number] => kv[1] !== undefined));
}

/** The case's GPU: its catalog name, or its inline spec with its family's fitted factors, if any. */
function caseGpu(c: FidelityCase): string | Record<string, unknown> {
  if (!c.gpuSpec) return c.gpu;
  const family = FAMILY_OF[c.gpu];
  const fitted = family === undefined ? undefined : catalogEfficiencies().get(family);
  return fitted ? { ...c.gpuSpec, efficiency: efficiencyBlock(fitted) } : { ...c.gpuSpec };
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
    gpu: overrides.gpu ?? caseGpu(c),
    fleet: { gpus: c.tp, gpus_per_replica: c.tp },
    serving: {
      batching: 'continuous',
      max_batch_size: c.maxNumSeqs,
      max_batch_tokens: c.maxBatchedTokens,
      gpu_memory_utilization: c.gpuMemoryUtilization,
      max_queue_time: '24h',
      // capsim's default host overheads are the ones fitted on the vLLM v0.15.1 cases; a case
      // without the fitted HTTP front end sets its own per-request time.
      ...(c.perRequestOverheadS === undefined ? {} : { overhead: { per_request: c.perRequestOverheadS } }),
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
