/**
 * Fit cases on A100: vLLM 0.10.1.1 serving Qwen2-7B-Instruct on one A100 80GB, bursts of N
 * requests of 1,024 prompt and ~1,024 output tokens sent at once (data/reference/dennislee-a100/
 * README.md has provenance and caveats). They fit the A100 family's end-to-end bandwidth factor
 * (the a100-80gb entry of catalog/efficiency.yaml), which the held-out A100 Mixtral case then uses.
 *
 * Only TPOT is compared: the runs were repeated with the same seeded random prompts and prefix
 * caching on, so an unknown share of each burst's prompts was already cached (mean TTFT of a
 * single 1,024-token prompt 36 ms, about half its prefill time); TTFT, E2E and the completion
 * rate of a burst are not given or not comparable. `fit`: bursts of 1 and 10, where prefill is
 * under 3% of a request's decode time whichever prompts were cached; `check`: bursts of 20-100
 * (prefill 5-20% of it, so the cache state matters more); bursts that outgrow the 0.25
 * configuration's KV cache (50 or more) are left out.
 */
import { readFileSync } from 'node:fs';
import type { FidelityCase } from './cases.js';

/**
 * NVIDIA A100 datasheet (nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf), A100 80GB PCIe:
 * 1,935 GB/s, BF16 312 TFLOPS dense, 300 W. The source does not name the variant; its 2-GPU runs
 * on one node log "Custom allreduce is disabled because your platform lacks GPU P2P capability",
 * which NVLink (SXM) boards have, so the PCIe card is taken. (Were it the SXM part, 2,039 GB/s,
 * the fitted bandwidth factor would be 0.640 instead of 0.683: the held-out A100 case's TPOT
 * +12.0% instead of +5.3%, its TTFT +0.5% instead of -4.7%.)
 */
export const A100_80GB_PCIE = Object.freeze({
  name: 'a100-80gb-pcie', memory_gb: 80, bf16_tflops: 312, bandwidth_tbps: 1.935, tdp_w: 300, price_per_hour: 0,
});

/** config.json of Qwen/Qwen2-7B-Instruct (7.62 B parameters, untied embeddings). */
const QWEN2_7B = Object.freeze({
  name: 'qwen2-7b', params: 7.62e9, layers: 28, hidden_size: 3584, attention_heads: 28, kv_heads: 4, head_dim: 128,
  mlp_size: 18944, vocab_size: 152064,
});

interface Run {
  num_prompts: number;
  duration_s: number;
  total_generated: number;
  mean_ttft_ms: number;
  mean_tpot_ms: number;
}
interface Config {
  gpu_memory_utilization: number;
  kv_cache_tokens: number;
  log_date: string;
  runs: Run[];
}
interface File {
  commit: string;
  engine: string;
  max_num_seqs: number;
  max_num_batched_tokens: number;
  configs: Config[];
}

const PROMPT_TOKENS = 1024;
/** Bursts fitted; larger ones are checks. */
const FIT_BURSTS = new Set([1, 10]);

export function dennisleeA100Cases(referenceDir: string): FidelityCase[] {
  const file = JSON.parse(readFileSync(`${referenceDir}dennislee-a100/runs.json`, 'utf8')) as File;
  return file.configs.flatMap((cfg) =>
    cfg.runs
      // A burst must fit the KV cache (prompt + output per request): no preemption in the real run.
      .filter((r) => r.num_prompts * 2 * PROMPT_TOKENS <= cfg.kv_cache_tokens)
      .map((r): FidelityCase => {
        const n = r.num_prompts;
        return {
          id: `a100-qwen2-7b-burst${n}-gmu${cfg.gpu_memory_utilization}`,
          source: `dennislee22/vLLM-benchmarking@${file.commit} README.md (1 GPU, gpu-memory-utilization ${cfg.gpu_memory_utilization}, --num-prompts ${n})`,
          date: cfg.log_date,
          engine: file.engine,
          gpu: A100_80GB_PCIE.name,
          gpuSpec: A100_80GB_PCIE,
          model: QWEN2_7B,
          tp: 1,
          maxNumSeqs: file.max_num_seqs,
          maxBatchedTokens: file.max_num_batched_tokens,
          gpuMemoryUtilization: cfg.gpu_memory_utilization,
          scheduler: 'chunked_prefill',
          promptTokens: PROMPT_TOKENS,
          outputTokens: Math.round(r.total_generated / n),
          sharedPrefixTokens: 0,
          load: { kind: 'closed', rate: 0, concurrency: n, requests: n },
          // Not comparable (prefix-cache state of repeated prompts) or not published: not compared.
          measured: { ttftMs: NaN, tpotMs: r.mean_tpot_ms, e2eMs: NaN, throughputRps: NaN },
          saturated: false,
          // All N requests arrive at once, so the queue grows by construction while the burst prefills.
          realQueueGrew: n > 1,
          role: FIT_BURSTS.has(n) ? 'fit' : 'check',
        };
      }),
  );
}
