/**
 * The work an iteration does, whatever its duration: floating-point operations and HBM bytes,
 * counted with the roofline model's own terms (see roofline.ts), for a whole replica (all its
 * GPUs together). The simulator sums them over the iterations it actually ran to give `mfu` and
 * `mbu` (achieved FLOP/s and bytes/s over provisioned GPU time, against the GPU's peaks).
 *
 * For an iteration of n tokens (prompt tokens computed + decoding sequences), s sampled tokens,
 * P prefill-attention token pairs and D KV tokens read by decode attention:
 *
 *   FLOPs = 2 x layers x activeLayerParams x n      the transformer's linear layers (GEMMs)
 *         + 2 x vocab x hidden x s                   the LM head, sampled tokens only
 *         + 4 x layers x heads x headDim x (P + D)   attention: QK^T and PV
 *   bytes = weights touched                          every weight once (MoE: attention, router
 *                                                    and the expected distinct experts touched)
 *         + layers x activation elements x 2 x n     norms, residuals, RoPE, SiLU (BF16)
 *         + KV bytes per token x (D + n)             KV read by decode attention, KV written
 *
 * Prefill attention is taken as compute only (FlashAttention keeps K and V tiles on chip); the
 * all-reduce traffic of tensor parallelism goes over the interconnect, not HBM, and is left out.
 * A `perf:` block changes step times, not the model's arithmetic: the counts are the same.
 */
import type { GpuSpec, ModelSpec } from '../workload/scenario.js';
import { replicaKvBytesPerToken } from './memory.js';
import { architectureScale } from './roofline.js';
import { gemmPath, layerBytesPerParam } from './precision.js';

export interface IterationWork {
  /**
   * FLOPs of `iterations` iterations of `tokens` tokens each, `samples` sampled tokens each, with
   * `prefillAttention` pairs and `decodeKvTokens` KV tokens read in total over the iterations.
   */
  flops(iterations: number, tokens: number, samples: number, prefillAttention: number, decodeKvTokens: number): number;
  /** HBM bytes moved by the same iterations. */
  bytes(iterations: number, tokens: number, decodeKvTokens: number): number;
  /** Datasheet dense FLOP/s of one GPU: FP8 when the GEMMs run on FP8 tensor cores, else BF16. */
  readonly peakFlopsPerGpu: number;
  /** Peak HBM bytes/s of one GPU. */
  readonly peakBytesPerGpu: number;
}

export function iterationWork(model: ModelSpec, gpu: GpuSpec, tp: number): IterationWork {
  const h = model.hiddenSize;
  const L = model.layers;
  // Precision as the roofline reads it: quantized layer weights, the LM head at bytes_per_param.
  const bytesPerParam = layerBytesPerParam(model);
  const qDim = model.attentionHeads * model.headDim;
  const kvDim = model.kvHeads * model.headDim;
  const scale = architectureScale(model);
  const attnParams = h * (2 * qDim + 2 * kvDim) * scale;
  const expertParams = 3 * h * model.mlpSize * scale;
  const routerParams = model.experts > 1 ? h * model.experts : 0;
  const lmHeadParams = model.vocabSize * h;
  const moe = model.experts > 1;
  const linearFlopsPerToken = 2 * L * (attnParams + routerParams + model.expertsPerToken * expertParams);
  const lmHeadFlopsPerSample = 2 * lmHeadParams;
  const attentionFlopsPerPair = 4 * qDim * L;
  const fixedWeightBytes = L * (attnParams + routerParams + (moe ? 0 : expertParams)) * bytesPerParam + lmHeadParams * model.bytesPerParam;
  const expertBytes = L * expertParams * bytesPerParam;
  const missRate = moe ? 1 - model.expertsPerToken / model.experts : 0;
  // The roofline's per-GPU elementwise traffic summed over the tp GPUs (norms are replicated).
  const activationBytesPerToken = L * 2 * (7 * h * tp + 2 * (qDim + kvDim) + 3 * model.expertsPerToken * model.mlpSize);
  const kvBytes = replicaKvBytesPerToken(model, tp);
  return {
    flops: (iterations, tokens, samples, prefillAttention, decodeKvTokens) =>
      iterations * (linearFlopsPerToken * tokens + lmHeadFlopsPerSample * samples) + attentionFlopsPerPair * (prefillAttention + decodeKvTokens),
    bytes: (iterations, tokens, decodeKvTokens) => {
      if (tokens <= 0) return 0;
      const weights = moe ? fixedWeightBytes + expertBytes * model.experts * (1 - Math.pow(missRate, tokens)) : fixedWeightBytes;
      return iterations * (weights + (activationBytesPerToken + kvBytes) * tokens) + kvBytes * decodeKvTokens;
    },
    peakFlopsPerGpu: (gemmPath(model, gpu) === 'fp8' ? (gpu.fp8Tflops as number) : gpu.bf16Tflops) * 1e12,
    peakBytesPerGpu: gpu.bandwidthTbps * 1e12,
  };
}
