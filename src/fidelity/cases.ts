/**
 * The cases of the fidelity table (docs/fidelity.md): real serving measurements with the exact
 * conditions needed to replay them in the simulator, and whether each was used to fit capsim's
 * constants (`fit`) or kept out of every fit (`held-out`).
 *
 * Sources (data/reference/<source>/README.md has each one's origin, date and licence):
 * - `vllm-runs`: 16 vLLM v0.15.1 experiments on H100 SXM (BLIS/inference-sim training data).
 * - `blis-h100`: 23 more experiments of the same campaign on H100 (other models, TP 1-8, engine
 *   sweeps): within-source checks, never fitted (src/fidelity/blisH100Runs.ts).
 * - `llmservingsim-vllm`: vLLM v0.19.0 runs on RTX 4090 and RTX PRO 6000 published by LLMServingSim
 *   (held-out: another project, engine version and GPUs; src/fidelity/llmServingSimRuns.ts).
 * - `blis-a100`: vLLM v0.15.1 Mixtral-8x7B TP 2 on A100-80GB (held-out by GPU; src/fidelity/a100Runs.ts).
 * - `dennislee-a100`: vLLM 0.10.1.1 Qwen2-7B TP 1 bursts on A100 80GB: fit the A100 bandwidth
 *   factor (src/fidelity/dennisleeA100Runs.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { a100Cases } from './a100Runs.js';
import { blisH100Cases } from './blisH100Runs.js';
import { dennisleeA100Cases } from './dennisleeA100Runs.js';
import { llmServingSimCases } from './llmServingSimRuns.js';
import type { ReplayRequest } from './replay.js';

export const REFERENCE_DIR = fileURLToPath(new URL('../../data/reference/', import.meta.url));

/**
 * `fit`: used to fit capsim's constants; `check`: same source and conditions as fitted cases but
 * not fitted (a within-source check); `held-out`: another source, GPU or engine version, kept
 * out of every fit.
 */
export type CaseRole = 'fit' | 'check' | 'held-out';

export interface CaseLoad {
  /**
   * `poisson`: open loop at `rate` requests/s; `closed`: `concurrency` users, no think time;
   * `trace`: the case's measured requests at their measured arrival times (`rate` is their mean).
   */
  readonly kind: 'poisson' | 'closed' | 'trace';
  readonly rate: number;
  readonly concurrency: number;
  /** Requests to simulate (a prefix of the measured run; enough for stable means). */
  readonly requests: number;
}

export interface CaseMeasured {
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly e2eMs: number;
  /** Completed requests per second. */
  readonly throughputRps: number;
}

export interface FidelityCase {
  readonly id: string;
  /** Repository/page and file the numbers come from. */
  readonly source: string;
  readonly date: string;
  readonly engine: string;
  /** Catalog GPU name, or the name of `gpuSpec`. */
  readonly gpu: string;
  /** An inline GPU (workload syntax) for a GPU not in the catalog. */
  readonly gpuSpec?: Readonly<Record<string, unknown>>;
  /** Catalog model name or an inline model (workload syntax). */
  readonly model: string | Readonly<Record<string, unknown>>;
  readonly tp: number;
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  readonly gpuMemoryUtilization: number;
  readonly scheduler: 'chunked_prefill' | 'prefill_first';
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly sharedPrefixTokens: number;
  readonly load: CaseLoad;
  /** `trace` loads: every measured request (arrival, lengths), in arrival order. */
  readonly trace?: readonly ReplayRequest[];
  /** Front-end time per request when it differs from the fitted HTTP server's (no HTTP: 0). */
  readonly perRequestOverheadS?: number;
  readonly measured: CaseMeasured;
  /** The real server's queue grew without bound (the case tells capacity, not latency). */
  readonly saturated: boolean;
  /**
   * A finite trace overloaded the real server for a while (its last quarter of requests waited
   * > 3x the first quarter and over 1 s): latencies are still compared (the same requests at the
   * same times), but the simulator's queue growing too is expected, not a failure.
   */
  readonly realQueueGrew?: boolean;
  readonly role: CaseRole;
}

/** Models of the vLLM runs that are not in the catalog (config.json of the named repository). */
const INLINE_MODELS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'codellama/CodeLlama-34b-Instruct-hf': {
    name: 'codellama-34b',
    params: 33.7e9,
    layers: 48,
    hidden_size: 8192,
    attention_heads: 64,
    kv_heads: 8,
    head_dim: 128,
    mlp_size: 22016,
    vocab_size: 32000,
  },
};
const CATALOG_MODELS: Readonly<Record<string, string>> = {
  'meta-llama/Llama-2-7b-hf': 'llama-2-7b',
  'meta-llama/Llama-2-70b-hf': 'llama-2-70b',
  'mistralai/Mixtral-8x7B-v0.1': 'mixtral-8x7b',
};

interface RunStage {
  stage: number;
  rate: number;
  duration_s: number;
  source: string;
  completed: number;
  prompt_len_mean: number;
  ttft_ms: { mean: number };
  e2e_ms: { mean: number };
  requests_per_s: number;
}
interface Run {
  exp: string;
  model: string;
  tp: number;
  max_num_seqs: number;
  max_num_batched_tokens: number;
  shared_prefix: { output_len: number; system_prompt_len: number; question_len: number };
  stages: RunStage[];
}

/** Simulated seconds per stage: enough for stable means (1,200-2,400 requests at 10-20/s). */
const STAGE_SIM_S = 120;

/**
 * Which vLLM-run experiments are fitted: the "general" and "codegen" workloads of every model;
 * "roleplay" (longer prompts, another rate) is a within-source check (`check`).
 */
const FIT_WORKLOADS = ['general', 'codegen'];

/** The 26 stages of data/reference/vllm-runs/runs.json as cases. */
export function vllmRunCases(): FidelityCase[] {
  const runs = JSON.parse(readFileSync(`${REFERENCE_DIR}vllm-runs/runs.json`, 'utf8')) as Run[];
  const out: FidelityCase[] = [];
  for (const run of runs) {
    const model = CATALOG_MODELS[run.model] ?? INLINE_MODELS[run.model];
    if (model === undefined) throw new Error(`no model for ${run.model}`);
    const workload = run.exp.split('-').pop()!;
    const sp = run.shared_prefix;
    for (const s of run.stages) {
      const saturated = s.ttft_ms.mean > 10_000;
      const n = sp.output_len;
      out.push({
        id: `${run.exp.slice(16)}@${s.rate}`,
        source: `inference-sim/training@ed5c1d2 ${s.source.split(':')[1]}`,
        date: run.exp.slice(0, 8),
        engine: 'vLLM v0.15.1 (V1, chunked prefill, prefix caching)',
        gpu: 'h100-sxm',
        model,
        tp: run.tp,
        maxNumSeqs: run.max_num_seqs,
        maxBatchedTokens: run.max_num_batched_tokens,
        gpuMemoryUtilization: 0.9,
        scheduler: 'chunked_prefill',
        promptTokens: Math.round(s.prompt_len_mean),
        outputTokens: n,
        sharedPrefixTokens: Math.round(s.prompt_len_mean),
        load: { kind: 'poisson', rate: s.rate, concurrency: 0, requests: Math.round(s.rate * Math.min(s.duration_s, STAGE_SIM_S)) },
        measured: {
          ttftMs: s.ttft_ms.mean,
          tpotMs: (s.e2e_ms.mean - s.ttft_ms.mean) / (n - 1),
          e2eMs: s.e2e_ms.mean,
          throughputRps: s.requests_per_s,
        },
        saturated,
        role: FIT_WORKLOADS.includes(workload) || saturated ? 'fit' : 'check',
      });
    }
  }
  return out;
}

/** Every case of the table, in table order. */
export function fidelityCases(): FidelityCase[] {
  return [
    ...vllmRunCases(),
    ...blisH100Cases(REFERENCE_DIR),
    ...dennisleeA100Cases(REFERENCE_DIR),
    ...a100Cases(REFERENCE_DIR),
    ...llmServingSimCases(REFERENCE_DIR),
  ];
}
