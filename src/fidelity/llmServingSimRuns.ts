/**
 * Held-out fidelity cases from another project, engine version and GPUs: real vLLM v0.19.0 runs
 * published by LLMServingSim (casys-kaist/LLMServingSim @ 5daddb2, `bench/examples/<GPU>/<model>/vllm/`,
 * and an earlier RTX 4090 run @ 5bae11f, `bench/results/rtx4090-llama8b-tp1/`;
 * data/reference/llmservingsim-vllm/README.md has provenance, licence and caveats).
 *
 * Each run is a trace: 300 ShareGPT requests (prompt and output lengths per request) sent at
 * ~10 requests/s for ~29 s to an in-process `AsyncLLM` engine (no HTTP server), with vLLM's own
 * per-request timestamps. The cases replay every request at its measured engine arrival
 * (`queued_ts`) with its own lengths, and compare means computed as LLMServingSim's validator
 * does: TTFT = first_token_ts - queued_ts, E2E = last_token_ts - queued_ts, TPOT = mean over
 * requests of (last - first) / (output - 1).
 *
 * Nothing here was used to fit any constant (role `held-out`). The GPUs are not in the catalog:
 * they are inline specs from the vendors' datasheets, with capsim's built-in (A100) efficiency
 * factors, exactly as a user would describe a new GPU (price 0: cost is not compared). Qwen3-32B
 * is not in the catalog either: inline from its config.json.
 */
import { readFileSync } from 'node:fs';
import type { BenchRun } from './benchFile.js';
import type { FidelityCase } from './cases.js';
import type { ReplayRequest } from './replay.js';

const DIR = 'llmservingsim-vllm/';

/**
 * NVIDIA Ada Lovelace architecture whitepaper v1.01, Appendix A table 2 (GeForce RTX 4090): peak
 * BF16 tensor 165.2 TFLOPS dense with FP32 accumulate (what vLLM's BF16 GEMMs use), FP8 330.3,
 * 24 GB GDDR6X at 1,008 GB/s, 450 W; no NVLink (PCIe only).
 */
const RTX_4090 = Object.freeze({
  name: 'rtx-4090', memory_gb: 24, bf16_tflops: 165.2, fp8_tflops: 330.3, bandwidth_tbps: 1.008, tdp_w: 450, price_per_hour: 0,
});

/**
 * NVIDIA RTX PRO 6000 Blackwell (GTC 2025 announcement and product page): 96 GB GDDR7 at
 * 1,792 GB/s, 600 W, 4,000 "AI TOPS" (FP4 with sparsity), 188 SMs at a 2,617 MHz boost, PCIe
 * Gen 5, no NVLink. Dense BF16 tensor with FP32 accumulate 503.8 TFLOPS, FP8 1,007.6 (spec
 * database hmc-tech.com/gpu, "NVIDIA RTX PRO 6000 Blackwell": 188 SMs x 1,024 dense BF16 FLOP per
 * clock x 2.617 GHz; the same 1,024 per SM per clock gives the RTX 5090's 419 TFLOPS with FP16
 * accumulate in NVIDIA's RTX Blackwell whitepaper; full-rate FP32 accumulate as on NVIDIA's
 * professional parts; = 4,000 AI TOPS / 8 within 1%). Which edition (Workstation 600 W,
 * Max-Q 300 W, Server) LLMServingSim used is not stated; the Max-Q's clocks are lower.
 */
const RTX_PRO_6000 = Object.freeze({
  name: 'rtx-pro-6000', memory_gb: 96, bf16_tflops: 503.8, fp8_tflops: 1007.6, bandwidth_tbps: 1.792, tdp_w: 600, price_per_hour: 0,
});

/** config.json of Qwen/Qwen3-32B (32.8 B parameters; 64 query heads of 128 over a 5,120 hidden). */
const QWEN3_32B = Object.freeze({
  name: 'qwen3-32b', params: 32.8e9, layers: 64, hidden_size: 5120, attention_heads: 64, kv_heads: 8,
  head_dim: 128, mlp_size: 25600, vocab_size: 151936,
});

interface Run {
  readonly id: string;
  /** Folder of meta.json and requests.jsonl below data/reference/llmservingsim-vllm (the upstream path). */
  readonly path: string;
  /** Upstream commit the files were copied from. */
  readonly commit: string;
  readonly gpu: Readonly<Record<string, unknown>>;
  /** Catalog model name or an inline model. */
  readonly model: string | Readonly<Record<string, unknown>>;
  /** Device memory in bytes when the run's meta.json does not report it. */
  readonly memoryBytes?: number;
}

/** What CUDA reports as the RTX 4090's total memory (the 2026-08-20 run's meta.json). */
const RTX_4090_MEMORY_BYTES = 25250627584;

const RUNS: readonly Run[] = [
  { id: 'rtx4090-llama-3.1-8b-sharegpt', path: 'bench/examples/RTX4090/Llama-3.1-8B/vllm', commit: '5daddb2', gpu: RTX_4090, model: 'llama-3.1-8b' },
  { id: 'rtxpro6000-llama-3.1-8b-sharegpt', path: 'bench/examples/RTXPRO6000/Llama-3.1-8B/vllm', commit: '5daddb2', gpu: RTX_PRO_6000, model: 'llama-3.1-8b' },
  { id: 'rtxpro6000-qwen3-32b-sharegpt', path: 'bench/examples/RTXPRO6000/Qwen3-32B/vllm', commit: '5daddb2', gpu: RTX_PRO_6000, model: QWEN3_32B },
  // An earlier RTX 4090 run (2026-08-17, max_num_seqs 128), removed upstream when 5daddb2 replaced
  // it with the 256-sequence run above; its meta.json has no device memory (same card model).
  {
    id: 'rtx4090-llama-3.1-8b-sharegpt-seqs128', path: 'bench/results/rtx4090-llama8b-tp1', commit: '5bae11f', gpu: RTX_4090, model: 'llama-3.1-8b',
    memoryBytes: RTX_4090_MEMORY_BYTES,
  },
];

interface Meta {
  vllm_version: string;
  started_at: string;
  engine_kwargs: { tensor_parallel_size: number; max_num_seqs: number; max_num_batched_tokens: number };
  kv_cache?: { gpu_memory_utilization?: number; num_kv_tokens?: number };
  hardware?: { device_total_memory_bytes?: number };
}

interface TraceRow {
  input_toks: number;
  output_toks: number;
  queued_ts: number;
  first_token_ts: number;
  last_token_ts: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The unbounded-queue test of runCase.ts applied to measured TTFTs in arrival order (s). */
export function queueGrew(ttftsInArrivalOrder: readonly number[]): boolean {
  const q = Math.max(1, Math.floor(ttftsInArrivalOrder.length / 4));
  const first = mean(ttftsInArrivalOrder.slice(0, q));
  const last = mean(ttftsInArrivalOrder.slice(-q));
  return last > 3 * first && last > 1;
}


function readRun(referenceDir: string, run: Run): { meta: Meta; rows: TraceRow[]; file: string } {
  const base = `${referenceDir}${DIR}${run.path}/`;
  const meta = JSON.parse(readFileSync(`${base}meta.json`, 'utf8')) as Meta;
  const rows = readFileSync(`${base}requests.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceRow)
    .sort((a, b) => a.queued_ts - b.queued_ts);
  return { meta, rows, file: `${base}requests.jsonl` };
}

/**
 * A run as `capsim calibrate --bench` reads a per-request benchmark file (start, lengths,
 * measured TTFT and E2E), keyed by case id: what scripts/calibrate-heldout.mjs calibrates on.
 */
export function llmServingSimBenchRuns(referenceDir: string): Map<string, BenchRun> {
  return new Map(
    RUNS.map((run) => {
      const { rows, file } = readRun(referenceDir, run);
      const t0 = rows[0]!.queued_ts;
      const requests = rows.map((r) => ({
        startS: r.queued_ts - t0,
        promptTokens: r.input_toks,
        outputTokens: r.output_toks,
        ttftMs: (r.first_token_ts - r.queued_ts) * 1e3,
        e2eMs: (r.last_token_ts - r.queued_ts) * 1e3,
      }));
      return [run.id, { file, format: 'csv', requests, rate: Infinity, concurrency: null }];
    }),
  );
}

/** The LLMServingSim vLLM runs as held-out trace cases. */
export function llmServingSimCases(referenceDir: string): FidelityCase[] {
  return RUNS.map((run) => {
    const { meta, rows } = readRun(referenceDir, run);
    const t0 = rows[0]!.queued_ts;
    const trace: ReplayRequest[] = rows.map((r) => ({ startS: r.queued_ts - t0, promptTokens: r.input_toks, outputTokens: r.output_toks }));
    const ttfts = rows.map((r) => r.first_token_ts - r.queued_ts);
    const finishes = rows.map((r) => r.last_token_ts).sort((a, b) => a - b);
    const multi = rows.filter((r) => r.output_toks > 1);
    const e = meta.engine_kwargs;
    const memoryBytes = meta.hardware?.device_total_memory_bytes ?? run.memoryBytes;
    return {
      id: run.id,
      source: `casys-kaist/LLMServingSim@${run.commit} ${run.path}/requests.jsonl`,
      date: meta.started_at.slice(0, 10),
      engine: `vLLM v${meta.vllm_version} (V1, chunked prefill, prefix caching, in-process AsyncLLM)`,
      gpu: String(run.gpu.name),
      // The run's own device memory when its meta.json reports it (capsim counts memory_gb x 1e9
      // bytes; the RTX 4090's "24 GB" is 25.25e9 bytes to CUDA).
      gpuSpec: memoryBytes ? { ...run.gpu, memory_gb: memoryBytes / 1e9 } : run.gpu,
      model: run.model,
      tp: e.tensor_parallel_size,
      maxNumSeqs: e.max_num_seqs,
      maxBatchedTokens: e.max_num_batched_tokens,
      gpuMemoryUtilization: meta.kv_cache?.gpu_memory_utilization ?? 0.9,
      scheduler: 'chunked_prefill',
      promptTokens: Math.round(mean(rows.map((r) => r.input_toks))),
      outputTokens: Math.round(mean(rows.map((r) => r.output_toks))),
      sharedPrefixTokens: 0,
      load: { kind: 'trace', rate: rows.length / trace[trace.length - 1]!.startS, concurrency: 0, requests: rows.length },
      trace,
      // No HTTP front end: requests enter the engine directly (bench/core/runner.py).
      perRequestOverheadS: 0,
      measured: {
        ttftMs: mean(ttfts) * 1e3,
        tpotMs: mean(multi.map((r) => (r.last_token_ts - r.first_token_ts) / (r.output_toks - 1))) * 1e3,
        e2eMs: mean(rows.map((r) => r.last_token_ts - r.queued_ts)) * 1e3,
        throughputRps: (finishes.length - 1) / (finishes[finishes.length - 1]! - finishes[0]!),
      },
      saturated: false,
      realQueueGrew: queueGrew(ttfts),
      role: 'held-out',
    };
  });
}
