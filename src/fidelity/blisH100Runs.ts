/**
 * Within-source check cases on H100: more experiments of the same BLIS (inference-sim) campaign
 * as the fitted vllm-runs (vLLM v0.15.1, H100 SXM, inference-perf shared-prefix profiles), on
 * models and engine settings the fit never saw: Llama-3.1-8B (TP 1/2, batched-token and memory
 * sweeps, reasoning), Qwen3-14B, Mixtral-8x7B TP 4 and its sweeps, Mixtral-8x22B TP 8,
 * Llama-3.1-70B TP 4, Mistral-Nemo-12B, Qwen2.5-7B. data/reference/blis-h100/README.md has the
 * provenance, the campaign entry each experiment was matched to, and what was assumed.
 *
 * Role `check`: same source, GPU, engine and load generator as the fit, so not independent;
 * nothing is fitted on them. They use the fitted host overheads and H100 factors, as the fitted
 * cases do (runCase.ts).
 */
import { readFileSync } from 'node:fs';
import { blisStageParts, type BlisStage } from './blisStage.js';
import type { FidelityCase } from './cases.js';

/**
 * config.json of Qwen/Qwen3-14B (14.8 B parameters, untied embeddings; 40 query heads of 128 over
 * a 5,120 hidden), as transcribed in github.com/citsjtu2020/LLM-Prof `sglang/Model_Config.md`.
 */
const QWEN3_14B = Object.freeze({
  name: 'qwen3-14b', params: 14.8e9, layers: 40, hidden_size: 5120, attention_heads: 40, kv_heads: 8,
  head_dim: 128, mlp_size: 17408, vocab_size: 151936,
});

/**
 * config.json of mistralai/Mixtral-8x22B-Instruct-v0.1: 56 layers, 6,144 hidden, 48 query heads
 * and 8 KV heads of 128, 8 experts of 16,384 (top-2), vocabulary 32,768 (the base model's is
 * 32,000), as copied with `_name_or_path` mistralai/Mixtral-8x22B-Instruct-v0.1 in
 * huggingface.co/nithiyn/Mixtral-8x22B-Instruct-neuron `config.json`. Parameters counted from
 * those figures (untied embeddings): 140.6 B in all, 39.2 B touched per token (Mistral: "39B
 * active of 141B").
 */
const MIXTRAL_8X22B = Object.freeze({
  name: 'mixtral-8x22b', params: 140.6e9, active_params: 39.2e9, experts: 8, experts_per_token: 2, layers: 56,
  hidden_size: 6144, attention_heads: 48, kv_heads: 8, head_dim: 128, mlp_size: 16384, vocab_size: 32768,
});

/**
 * config.json of mistralai/Mistral-Nemo-Instruct-2407 (12.2 B parameters counted from these
 * figures, untied embeddings; 32 query heads of 128 over a 5,120 hidden), as copied with
 * `_name_or_path` mistralai/Mistral-Nemo-Instruct-2407 in
 * huggingface.co/arushimgupta/final_checkpoint_dpo5 `config.json` (the original is gated).
 */
const MISTRAL_NEMO_12B = Object.freeze({
  name: 'mistral-nemo-12b', params: 12.2e9, layers: 40, hidden_size: 5120, attention_heads: 32, kv_heads: 8,
  head_dim: 128, mlp_size: 14336, vocab_size: 131072,
});

/** The inline models of these cases, for tests. */
export const BLIS_H100_INLINE_MODELS = Object.freeze([QWEN3_14B, MIXTRAL_8X22B, MISTRAL_NEMO_12B]);

const MODELS: Readonly<Record<string, string | Readonly<Record<string, unknown>>>> = {
  'Qwen/Qwen3-14B': QWEN3_14B,
  'meta-llama/Llama-3.1-8B-Instruct': 'llama-3.1-8b',
  'meta-llama/Llama-3.1-70B-Instruct': 'llama-3.1-70b',
  'mistralai/Mixtral-8x7B-v0.1': 'mixtral-8x7b',
  'mistralai/Mixtral-8x22B-Instruct-v0.1': MIXTRAL_8X22B,
  'mistralai/Mistral-Nemo-Instruct-2407': MISTRAL_NEMO_12B,
  'Qwen/Qwen2.5-7B-Instruct': 'qwen2.5-7b',
};

/**
 * ASSUMPTION: prompt length per workload, the mean of the measured prompt lengths of the four
 * vllm-runs models on the same profile (general 571-576, codegen 589-594, roleplay 782-787,
 * reasoning 1,076-1,083 tokens); these records do not report it. Prompts are replayed as
 * prefix-cache hits (docs/fidelity.md), so the length matters through KV memory only.
 */
const PROMPT_TOKENS: Readonly<Record<string, number>> = { general: 574, codegen: 592, roleplay: 786, reasoning: 1081 };

/**
 * Simulated seconds per stage, as for the fitted cases; reasoning requests last ~30 s each, so
 * their stages replay 300 s, or the ramp-up of the running batch would weigh on the mean.
 */
const STAGE_SIM_S: Readonly<Record<string, number>> = { general: 120, codegen: 120, roleplay: 120, reasoning: 300 };

interface Run {
  exp: string;
  records: string;
  model: string;
  tp: number;
  max_num_seqs: number;
  max_num_batched_tokens: number;
  gpu_memory_utilization: number;
  workload: string;
  shared_prefix: { output_len: number };
  stages: BlisStage[];
}

export function blisH100Cases(referenceDir: string): FidelityCase[] {
  const runs = JSON.parse(readFileSync(`${referenceDir}blis-h100/runs.json`, 'utf8')) as Run[];
  return runs.flatMap((run) =>
    run.stages.map((s): FidelityCase => {
      const model = MODELS[run.model];
      if (model === undefined) throw new Error(`no model for ${run.model}`);
      const n = run.shared_prefix.output_len;
      const prompt = PROMPT_TOKENS[run.workload]!;
      const [repoAtCommit, file] = run.records.split(' ');
      return {
        id: `h100-${run.exp}@${s.rate}`,
        source: `${repoAtCommit} ${file} (${run.exp}, stage ${s.stage})`,
        date: '2026-03',
        engine: 'vLLM v0.15.1 (V1, chunked prefill, prefix caching)',
        gpu: 'h100-sxm',
        model,
        tp: run.tp,
        maxNumSeqs: run.max_num_seqs,
        maxBatchedTokens: run.max_num_batched_tokens,
        gpuMemoryUtilization: run.gpu_memory_utilization,
        scheduler: 'chunked_prefill',
        promptTokens: prompt,
        outputTokens: n,
        sharedPrefixTokens: prompt,
        ...blisStageParts(s, n, STAGE_SIM_S[run.workload]!),
        role: 'check',
      };
    }),
  );
}
