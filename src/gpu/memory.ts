/**
 * GPU memory of one model replica: weights, KV cache per token, how many KV tokens fit, and
 * whether the model fits at all. Bytes are bytes; `memoryGb` counts as memoryGb x 1e9 bytes
 * (catalog convention: marketed GB are closer to GiB, so decimal GB is 2-7% conservative and
 * absorbs the memory the driver keeps for itself).
 *
 * Activation reserve (per GPU, subtracted like vLLM's profiling run does): vLLM sizes the KV
 * cache after a dummy forward pass of `max_num_batched_tokens` tokens and a dummy sampling of
 * min(max_num_seqs, max_num_batched_tokens) sequences, and reserves that run's peak. capsim
 * reserves the same for the engine limits the workload states (`serving.max_batch_tokens`,
 * `serving.max_batch_size`; defaults 8,192 and 256):
 *   1 GiB fixed (CUDA context outside the PyTorch pool, cuBLAS workspaces, NCCL buffers, CUDA
 *   graphs; ASSUMPTION) + the peak activations of one chunk of max_batch_tokens: gate+up MLP
 *   output (2 x mlp_size x experts_per_token) and ~4 hidden vectors per token in 2 bytes, split
 *   across tensor-parallel GPUs, + FP32 logits of the sampled sequences (not split: they are
 *   gathered on every GPU).
 *   For llama-3.1-8b on one GPU at the defaults that is 1.07 GB + 0.74 GB + 0.13 GB = 1.94 GB;
 *   at max_num_batched_tokens 2,048 it is 1.07 + 0.18 + 0.13 = 1.39 GB, where a real vLLM v0.19.0
 *   run on an RTX 4090 (data/reference/llmservingsim-vllm, 2,048 batched tokens, 256 sequences)
 *   left 1.24 GB outside weights and KV (docs/gpu-model.md "Memory").
 *
 * Precision (precision.ts): quantized weights (FP8, INT4) shrink the transformer layers' linear
 * weights only; embeddings and the LM head stay at bytes_per_param. The KV cache is BF16 (2 bytes
 * an element, vLLM's default, also for FP8 weights) unless `kv_cache: fp8` (1 byte). When the
 * tensor-parallel degree exceeds the KV heads, each GPU still holds a whole KV head (vLLM
 * replicates them), so a replica stores max(kvHeads, tp) heads per layer.
 */
import type { GpuSpec, ModelSpec } from '../workload/scenario.js';
import { kvBytesPerElement, layerBytesPerParam } from './precision.js';
import { architectureScale } from './roofline.js';

/** KV cache block size in tokens (vLLM's default); capacity is whole blocks. */
export const KV_BLOCK_TOKENS = 16;
/** Tokens in the chunk whose activations are reserved when no engine limits are given (capsim's default max_batch_tokens). */
export const ACTIVATION_CHUNK_TOKENS = 8192;
/** Fixed per-GPU reserve outside the KV cache and the weights, bytes (ASSUMPTION). */
export const FIXED_RESERVE_BYTES = 2 ** 30;
/** Sampled sequences whose FP32 logits are reserved when no engine limits are given (capsim's default max_batch_size). */
const LOGIT_SEQS = 256;

/**
 * The engine limits vLLM's profiling run uses: tokens of the dummy forward pass
 * (max_num_batched_tokens = `serving.max_batch_tokens`) and sequences of the dummy sampling
 * (max_num_seqs = `serving.max_batch_size`).
 */
export interface ProfileLimits {
  readonly batchTokens: number;
  readonly batchSeqs: number;
}

/** capsim's default engine limits (resolve.ts: max_batch_tokens 8,192, max_batch_size 256). */
export const DEFAULT_PROFILE: ProfileLimits = Object.freeze({ batchTokens: ACTIVATION_CHUNK_TOKENS, batchSeqs: LOGIT_SEQS });
/**
 * A replica must hold the KV of at least one sequence this long, else it "does not fit":
 * a typical long chat turn (prompt + output), not the model's maximum context (ASSUMPTION).
 */
export const MIN_SEQUENCE_TOKENS = 4096;
/** Tensor parallelism stays inside one 8-GPU node. */
export const MAX_TP = 8;
/**
 * The linear weights of the transformer layers (Q, K, V, O projections, the gated MLP or every
 * expert, the MoE router), as the roofline counts them: what weight quantization shrinks.
 */
export function layerParams(model: ModelSpec): number {
  const h = model.hiddenSize;
  const projections = h * model.headDim * (2 * model.attentionHeads + 2 * model.kvHeads);
  const router = model.experts > 1 ? h * model.experts : 0;
  const layer = (projections + 3 * h * model.mlpSize * model.experts) * architectureScale(model) + router;
  return Math.min(model.params, model.layers * layer);
}

/**
 * Bytes of all weights (every expert of an MoE model): params x bytes_per_param in BF16; with
 * quantized weights, layerParams x the format's bytes + the rest (embeddings, LM head, norms)
 * x bytes_per_param.
 */
export function weightBytes(model: ModelSpec): number {
  if (model.precision.weights === 'bf16') return model.params * model.bytesPerParam;
  const quantized = layerParams(model);
  return quantized * layerBytesPerParam(model) + (model.params - quantized) * model.bytesPerParam;
}

/** KV-cache bytes one token adds: 2 (K and V) x layers x kv_heads x head_dim x bytes per element (2 BF16, 1 FP8). */
export function kvBytesPerToken(model: ModelSpec): number {
  return 2 * model.layers * model.kvHeads * model.headDim * kvBytesPerElement(model);
}

/** KV bytes per token summed over the GPUs of a replica (KV heads replicated when tp > kvHeads). */
export function replicaKvBytesPerToken(model: ModelSpec, tp: number): number {
  return (kvBytesPerToken(model) * Math.max(model.kvHeads, tp)) / model.kvHeads;
}

/**
 * Activation and runtime reserve on each GPU of a replica of `tp` GPUs, bytes (see file doc):
 * fixed + batchTokens x activation bytes per token / tp + min(batchSeqs, batchTokens) x vocab x 4.
 */
export function activationReserveBytes(model: ModelSpec, tp: number, limits: ProfileLimits = DEFAULT_PROFILE): number {
  const perToken = (2 * model.expertsPerToken * model.mlpSize + 4 * model.hiddenSize) * 2;
  const seqs = Math.min(limits.batchSeqs, limits.batchTokens);
  return FIXED_RESERVE_BYTES + (limits.batchTokens * perToken) / tp + seqs * model.vocabSize * 4;
}

/**
 * Bytes left for the KV cache in one replica (may be negative: the model does not fit). A
 * speculative-decoding draft model's weights share the replica (its activations are taken to fit
 * in the target's reserve: ASSUMPTION, a draft model is 10x smaller).
 */
export function kvCacheBytes(
  model: ModelSpec, gpu: GpuSpec, tp: number, memoryUtilization: number, draft: ModelSpec | null = null, limits: ProfileLimits = DEFAULT_PROFILE,
): number {
  const usable = gpu.memoryGb * 1e9 * memoryUtilization * tp;
  return usable - weightBytes(model) - (draft ? weightBytes(draft) : 0) - tp * activationReserveBytes(model, tp, limits);
}

/**
 * KV tokens one replica of `tp` GPUs can hold: (memory x utilization x tp - weights -
 * tp x activation reserve at the engine limits `limits`) / KV bytes per token, rounded down to whole 16-token blocks; 0 when
 * the weights do not fit. With a draft model, every token also holds the draft's KV (the draft
 * runs over the same sequences), so a token costs the target's plus the draft's KV bytes.
 */
export function kvCapacityTokens(
  model: ModelSpec, gpu: GpuSpec, tp: number, memoryUtilization: number, draft: ModelSpec | null = null, limits: ProfileLimits = DEFAULT_PROFILE,
): number {
  const perToken = replicaKvBytesPerToken(model, tp) + (draft ? replicaKvBytesPerToken(draft, tp) : 0);
  const tokens = kvCacheBytes(model, gpu, tp, memoryUtilization, draft, limits) / perToken;
  if (!(tokens > 0)) return 0;
  return Math.floor(tokens / KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS;
}

/** Tensor-parallel degrees that are legal for the model: 1..8 and dividing the attention heads. */
export function validTpDegree(model: ModelSpec, tp: number): boolean {
  return Number.isInteger(tp) && tp >= 1 && tp <= MAX_TP && model.attentionHeads % tp === 0;
}

/**
 * Why `model` cannot be served by replicas of `gpusPerReplica` x `gpu`, or null when it can:
 * the weights, the activation reserve and the KV cache of one MIN_SEQUENCE_TOKENS-token sequence
 * must fit in memory x utilization. The message says how many GPUs per replica would do.
 */
export function fitError(
  model: ModelSpec,
  gpu: GpuSpec,
  gpusPerReplica: number,
  memoryUtilization: number,
  draft: ModelSpec | null = null,
  limits: ProfileLimits = DEFAULT_PROFILE,
): string | null {
  const tp = gpusPerReplica;
  if (!Number.isInteger(tp) || tp < 1 || tp > MAX_TP) {
    return `gpus_per_replica must be a whole number from 1 to ${MAX_TP} (tensor parallelism stays inside one node), got ${tp}`;
  }
  if (model.attentionHeads % tp !== 0) {
    const ok = [1, 2, 3, 4, 5, 6, 7, 8].filter((d) => validTpDegree(model, d)).join(', ');
    return `${model.name} has ${model.attentionHeads} attention heads, which ${tp} GPUs cannot split evenly; gpus_per_replica must be one of ${ok}`;
  }
  const fits = (d: number): boolean => kvCapacityTokens(model, gpu, d, memoryUtilization, draft, limits) >= MIN_SEQUENCE_TOKENS;
  if (fits(tp)) return null;
  const weightsGb = `${Math.round((weightBytes(model) + (draft ? weightBytes(draft) : 0)) / 1e9)} GB of weights${draft ? ` with the draft model ${draft.name}` : ''}`;
  const needed = [1, 2, 3, 4, 5, 6, 7, 8].find((d) => d > tp && validTpDegree(model, d) && fits(d));
  if (needed !== undefined) {
    return `${model.name} needs at least ${needed} x ${gpu.name} per replica (${weightsGb}); set fleet.gpus_per_replica`;
  }
  const usableGb = Math.round(gpu.memoryGb * memoryUtilization * MAX_TP);
  return (
    `${model.name} does not fit on ${MAX_TP} x ${gpu.name} (${weightsGb}, ${usableGb} GB usable at ` +
    `memory utilization ${memoryUtilization}); choose a GPU with more memory or quantized weights (precision: {weights: fp8} or int4)`
  );
}
