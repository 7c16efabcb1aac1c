/**
 * Held-out fidelity case on another GPU: vLLM v0.15.1 serving Mixtral-8x7B TP 2 on A100-80GB,
 * from the BLIS sim-to-real ground truth (data/reference/blis-a100/README.md has provenance and
 * caveats). Same engine, load generator and workload as the fitted H100 runs, so the case uses
 * the same host overheads (capsim's defaults); the GPU has the A100 factor of
 * catalog/efficiency.yaml, fitted on other runs (dennisleeA100Runs.ts), as every a100-80gb does.
 */
import { readFileSync } from 'node:fs';
import { blisStageParts, type BlisStage } from './blisStage.js';
import type { FidelityCase } from './cases.js';

interface Run {
  exp: string;
  tp: number;
  max_num_seqs: number;
  max_num_batched_tokens: number;
  gpu_memory_utilization: number;
  engine: string;
  shared_prefix: { output_len: number };
  stages: BlisStage[];
}

/** Mean prompt of the "general" workload with Mixtral's tokenizer, measured on H100 (vllm-runs). */
const MIXTRAL_GENERAL_PROMPT_TOKENS = 571;
/** Simulated seconds per stage, as for the H100 cases. */
const STAGE_SIM_S = 120;

export function a100Cases(referenceDir: string): FidelityCase[] {
  const runs = JSON.parse(readFileSync(`${referenceDir}blis-a100/runs.json`, 'utf8')) as Run[];
  return runs.flatMap((run) =>
    run.stages.map((s): FidelityCase => {
      const n = run.shared_prefix.output_len;
      return {
        id: `a100-${run.exp}@${s.rate}`,
        source: `inference-sim/sim-to-real-accuracy-validation@9bcf939 results/cluster_2000req/error_records.csv (${run.exp}, stage ${s.stage})`,
        date: '2026-03',
        engine: run.engine,
        gpu: 'a100-80gb',
        model: 'mixtral-8x7b',
        tp: run.tp,
        maxNumSeqs: run.max_num_seqs,
        maxBatchedTokens: run.max_num_batched_tokens,
        gpuMemoryUtilization: run.gpu_memory_utilization,
        scheduler: 'chunked_prefill',
        promptTokens: MIXTRAL_GENERAL_PROMPT_TOKENS,
        outputTokens: n,
        sharedPrefixTokens: MIXTRAL_GENERAL_PROMPT_TOKENS,
        ...blisStageParts(s, n, STAGE_SIM_S),
        role: 'held-out',
      };
    }),
  );
}
