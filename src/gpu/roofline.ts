/**
 * The built-in step-time model: a roofline per iteration with efficiency factors.
 *
 * For one replica of `tp` GPUs and an iteration with n = prefillTokens + decodeSeqs tokens
 * (per GPU: weights, FLOPs and KV are split tp ways):
 *
 *   linear  = sqrt(C^2 + M^2)                        the linear layers (GEMMs) and the LM head
 *     C = 2 x n x activeLayerParams / tp / (peak x computeEff)  +  LM head FLOPs (sampled tokens only)
 *     M = weight bytes touched / tp / (bandwidth x weightBandwidthEff)
 *   act     = n x elementwise activation bytes per token / (bandwidth x weightBandwidthEff)
 *   prefill attention = 4 x heads x headDim x layers / tp / (peak x attentionComputeEff)
 *                       x (pairs + (ownPairWeight - 1) x own pairs + tokenPairs x tokens) x occupancy
 *     (PREFILL_ATTENTION_SHAPE: a chunk's own causal pairs cost more than pairs with cached context,
 *     each chunk token costs tokenPairs pairs, and few (head, token) tiles under-fill the GPU)
 *   decode attention  = decodeKvTokens x max(KV read s/token, attention FLOPs s/token)
 *   all-reduce        = 2 per layer of n x hidden x 2 bytes (tp > 1; see allReduce.ts)
 *   step = iterationOverhead + layers x layerOverhead + linear + act + attention + all-reduce
 *
 * Why sqrt(C^2 + M^2) and not max(C, M): near the ridge point (n ~ peak FLOPs / bandwidth tokens)
 * real GEMMs reach neither peak, and the measured A100 curve (Vidur mlp.csv) bends smoothly from
 * bandwidth- to compute-bound: at 128 tokens on A100, with the built-in factors, max(C, M) is 22%
 * low, C + M 40% high, the 2-norm 3% high.
 *
 * MoE: attention weights are read every iteration; of each layer's E experts (k per token) the
 * iteration touches the expected number of distinct experts E x (1 - (1 - k/E)^n), assuming
 * uniform independent routing: one token reads k experts, a large batch reads all of them once.
 * FLOPs follow active parameters (k experts per token).
 *
 * The built-in factors come from `capsim calibrate` on Vidur's A100 Llama-2-7B profile (see
 * BUILTIN_FACTORS and docs/gpu-model.md); GPU families with end-to-end measurements override some
 * of them (catalog/efficiency.yaml, gpu/efficiency.ts). The linear layers blend C and M by a
 * p-norm (p = 2 unless a family says otherwise). All-reduces take the cheaper of NCCL and the
 * engine's custom all-reduce (allReduce.ts).
 */
import type { GpuSpec, ModelSpec } from '../workload/scenario.js';
import type { StepModel } from '../serving/stepModel.js';
import { allReduceFitFor, customAllReduceFitFor } from './allReduce.js';
import { gemmPeakFlops, kvBytesPerElement, layerBytesPerParam } from './precision.js';

export interface RooflineFactors {
  /** Fraction of peak memory bandwidth reached streaming weights and activations. */
  readonly weightBandwidthEff: number;
  /** Fraction of peak memory bandwidth reached reading the KV cache in decode attention. */
  readonly kvBandwidthEff: number;
  /** Fraction of peak dense tensor FLOPS reached by the linear layers (GEMMs). */
  readonly computeEff: number;
  /**
   * Fraction of peak dense BF16 FLOPS reached by attention on pairs of a chunk token and a cached
   * context token, with the GPU full (the long-context level of FlashAttention prefill; also the
   * compute floor of decode attention). Shorter prompts, a chunk's own causal pairs and small
   * chunks cost more per pair: PREFILL_ATTENTION_SHAPE.
   */
  readonly attentionComputeEff: number;
  /** Fixed time per layer per iteration (kernel launches, norms, small ops), seconds. */
  readonly layerOverheadS: number;
  /** Fixed time per iteration (scheduling, sampling, launch), seconds. */
  readonly iterationOverheadS: number;
  /**
   * p of the p-norm that blends GEMM compute and weight-streaming time, (C^p + M^p)^(1/p):
   * 2 for A100 (Vidur's curve); larger = closer to max(C, M), i.e. better overlap of the two.
   * Not fitted by the kernel calibration (kept at 2); fitted per GPU family on end-to-end data.
   */
  readonly blendExponent: number;
}

/**
 * How prefill attention's cost per token pair depends on length and parallelism (all relative to
 * `attentionComputeEff`, the efficiency on context pairs with the GPU full). Per iteration, per
 * GPU of a replica holding g = heads / tp heads, with T prompt tokens in the iteration's chunks,
 * P = sum of chunk x (cached context + chunk / 2) their attended pairs and O = sum of chunk^2 / 2
 * the pairs inside each chunk (part of P):
 *
 *   work      = P + (ownPairWeight - 1) x O + tokenPairs x T          (in context pairs)
 *   occupancy = min(occupancyCap, 1 + occupancyHeadTokens / (g x T))
 *   attn_p    = 4 x head_dim x g x layers x work x occupancy / (bf16 peak x attentionComputeEff)
 *
 * Fitted (`node scripts/fit-prefill-attention.mjs`, src/gpu/fitPrefillAttention.ts) on 44 of the
 * 66 TP-1 prefill rows of Vidur's A100 Llama-2-7B attention profile (batch 1, chunks of 80-2,624
 * tokens after 0-3,968 cached tokens; data/reference/vidur/extracts): a chunk's own causal pair
 * costs 2.03 context pairs, each chunk token 872 context pairs (query tile load, softmax epilogue,
 * output write), and a launch of fewer than ~2,250 (head, token) units runs up to 1.9x slower per
 * unit of work (under-filled GPU). The cap is the largest multiplier the fit rows reach (80 tokens
 * at TP 1): smaller launches (speculative verification, tiny chunks) are not extrapolated beyond
 * it. Errors: fit rows median 3.7%, held-out TP-1 rows 3.4%; TP 2 / 4 / 8 rows (not fitted)
 * -12% / -12% / -24% (the model is fast there: few heads per GPU leave a single causal wave).
 */
export interface PrefillAttentionShape {
  readonly ownPairWeight: number;
  readonly tokenPairs: number;
  readonly occupancyHeadTokens: number;
  readonly occupancyCap: number;
}

export const PREFILL_ATTENTION_SHAPE: PrefillAttentionShape = Object.freeze({
  ownPairWeight: 2.03,
  tokenPairs: 872,
  occupancyHeadTokens: 2250,
  occupancyCap: 1.9,
});

/**
 * attentionComputeEff of the same fit: 4 x 128 FLOPs per context pair per head at 3.814e-9 ms
 * on a 312 TFLOPS A100 (was 0.123: one efficiency for every pair, fitted with the whole-iteration
 * prefill cases of 512 and 2,048 tokens, which made 8-32k-token prompts 2-3x too slow).
 */
const ATTENTION_EFF_FIT = 0.43;

/**
 * Built-in factors, fitted (rounded to 3 significant digits) by, from the repository root:
 *
 *   capsim calibrate test/fixtures/gpu/a100-llama2-7b-steps.csv \
 *     data/reference/vidur/data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv \
 *     --model llama-2-7b --gpu a100-80gb
 *
 * i.e. the 10 A100 whole-iteration cases of catalog-facts.md section F (fixture regenerated by
 * `capsim calibrate --vidur-cases data/reference/vidur`) plus Vidur's linear-layer profile at
 * TP 1/2/4/8 (52 rows): rms error 4.2%, max 11.9% (docs/gpu-model.md has the table).
 * Vidur times GPU kernels only, so the fixed per-iteration overhead (scheduling, sampling, host
 * launch gaps) is not in that data: it is 0 here, and `--fit-iteration-overhead` fits it from
 * end-to-end step times. attentionComputeEff is the exception: it comes from the attention kernel
 * rows with PREFILL_ATTENTION_SHAPE (that command, given only two fresh prompts, gives 0.409).
 */
export const BUILTIN_FACTORS: RooflineFactors = Object.freeze({
  weightBandwidthEff: 0.801,
  kvBandwidthEff: 0.891,
  computeEff: 0.693,
  attentionComputeEff: ATTENTION_EFF_FIT,
  layerOverheadS: 36.7e-6,
  iterationOverheadS: 0,
  blendExponent: 2,
});

/** Per-iteration coefficients of the roofline, precomputed once per replica shape. Seconds. */
export interface RooflineCoefficients {
  /** Linear-layer compute per token. */
  readonly computePerToken: number;
  /** LM-head compute per sampled token. */
  readonly lmHeadPerSample: number;
  /** Weight reads that do not depend on the batch (attention, dense MLP, router; LM head excluded). */
  readonly weightReadFixed: number;
  /** LM-head weight read. */
  readonly lmHeadRead: number;
  /** Weight reads per distinct expert touched (MoE; 0 for dense models). */
  readonly weightReadPerExpert: number;
  readonly experts: number;
  readonly expertsPerToken: number;
  /** Elementwise activation traffic per token. */
  readonly activationPerToken: number;
  /** Prefill attention per attended context pair at full occupancy (PREFILL_ATTENTION_SHAPE). */
  readonly prefillAttentionPerPair: number;
  /** Extra context pairs per own (in-chunk) pair: ownPairWeight - 1. */
  readonly prefillOwnPairExtra: number;
  /** Context pairs per prompt token. */
  readonly prefillTokenPairs: number;
  /** occupancyHeadTokens / heads per GPU: occupancy = min(cap, 1 + this / prompt tokens). */
  readonly prefillOccupancyTokens: number;
  readonly prefillOccupancyCap: number;
  /** Decode attention per KV token read. */
  readonly decodeAttentionPerKvToken: number;
  /** iteration overhead + layers x layer overhead. */
  readonly fixed: number;
  /** layers x layer overhead alone. */
  readonly layersOverhead: number;
  /** p of the compute/memory blend (see RooflineFactors.blendExponent). */
  readonly blend: number;
  /** All-reduce time per iteration: latency part, per-token part, and floor per all-reduce. */
  readonly allReduces: number;
  readonly allReduceLatency: number;
  readonly allReduceFloor: number;
  readonly allReducePerToken: number;
  /** The engine's custom all-reduce (NVLink only; 0 / Infinity when absent): the cheaper one is used. */
  readonly customAllReduceLatency: number;
  readonly customAllReduceFloor: number;
  readonly customAllReducePerToken: number;
}

/** The terms of one iteration, for calibration tables and tests (allocates; not the hot path). */
export interface RooflineTerms {
  readonly fixed: number;
  readonly linearCompute: number;
  readonly linearMemory: number;
  readonly linear: number;
  readonly activations: number;
  readonly prefillAttention: number;
  readonly decodeAttention: number;
  readonly allReduce: number;
  readonly total: number;
}

export function rooflineCoefficients(
  model: ModelSpec,
  gpu: GpuSpec,
  tp: number,
  factors: RooflineFactors = BUILTIN_FACTORS,
  shape: PrefillAttentionShape = PREFILL_ATTENTION_SHAPE,
): RooflineCoefficients {
  // Precision (precision.ts): quantized layer weights, the LM head at bytes_per_param, the KV
  // element size, and the GEMM roof (FP8 tensor cores, or weight-only dequantization).
  const bytes = layerBytesPerParam(model);
  const lmHeadBytes = model.bytesPerParam;
  const kvBytes = kvBytesPerElement(model);
  const h = model.hiddenSize;
  const qDim = model.attentionHeads * model.headDim;
  const kvDim = model.kvHeads * model.headDim;
  const L = model.layers;
  const lmHeadParams = model.vocabSize * h;
  const routerParams = model.experts > 1 ? h * model.experts : 0;
  // Q, K, V, O projections and a gated MLP (gate, up, down) per expert, scaled to `params`.
  const scale = architectureScale(model);
  const attnParams = h * (2 * qDim + 2 * kvDim) * scale;
  const expertParams = 3 * h * model.mlpSize * scale;

  const peakFlops = gemmPeakFlops(model, gpu);
  const bf16Flops = gpu.bf16Tflops * 1e12;
  const bandwidth = gpu.bandwidthTbps * 1e12;
  const gemmRate = peakFlops * factors.computeEff;
  const streamRate = bandwidth * factors.weightBandwidthEff;
  const kvRate = bandwidth * factors.kvBandwidthEff;
  const attnRate = bf16Flops * factors.attentionComputeEff;

  const activeLayerParams = attnParams + routerParams + model.expertsPerToken * expertParams;
  const moe = model.experts > 1;
  const fixedWeights = L * (attnParams + routerParams + (moe ? 0 : expertParams));
  // Elementwise traffic per token per layer, in elements: 2 RMSNorms (read + write h each),
  // residual add (2 reads + 1 write), RoPE on Q and K (read + write), SiLU x up (2 reads + 1 write
  // of mlp, k experts). Split by TP where the tensor is split.
  const actElements = 7 * h + (2 * (qDim + kvDim) + 3 * model.expertsPerToken * model.mlpSize) / tp;
  // KV heads per GPU: at least one (replicated beyond kvHeads).
  const kvHeadsPerGpu = Math.max(1, model.kvHeads / tp);
  const kvBytesPerTokenPerGpu = 2 * L * kvHeadsPerGpu * model.headDim * kvBytes;
  const attnFlopsPerPair = (4 * qDim * L) / tp; // QK^T and PV, 2 FLOPs per multiply-add

  const fit = allReduceFitFor(gpu, tp);
  const custom = fit ? customAllReduceFitFor(gpu, tp) : null;
  return {
    computePerToken: (2 * activeLayerParams * L) / tp / gemmRate,
    lmHeadPerSample: (2 * lmHeadParams) / tp / (bf16Flops * factors.computeEff), // the LM head stays BF16
    weightReadFixed: (fixedWeights * bytes) / tp / streamRate,
    lmHeadRead: (lmHeadParams * lmHeadBytes) / tp / streamRate,
    weightReadPerExpert: moe ? (L * expertParams * bytes) / tp / streamRate : 0,
    experts: model.experts,
    expertsPerToken: model.expertsPerToken,
    activationPerToken: (L * actElements * 2) / streamRate,
    prefillAttentionPerPair: attnFlopsPerPair / attnRate,
    prefillOwnPairExtra: shape.ownPairWeight - 1,
    prefillTokenPairs: shape.tokenPairs,
    prefillOccupancyTokens: shape.occupancyHeadTokens / (model.attentionHeads / tp),
    prefillOccupancyCap: shape.occupancyCap,
    decodeAttentionPerKvToken: Math.max(kvBytesPerTokenPerGpu / kvRate, attnFlopsPerPair / attnRate),
    fixed: factors.iterationOverheadS + L * factors.layerOverheadS,
    blend: factors.blendExponent,
    layersOverhead: L * factors.layerOverheadS,
    allReduces: fit ? 2 * L : 0,
    allReduceLatency: fit ? fit.latencyS : 0,
    allReduceFloor: fit ? fit.floorS : 0,
    allReducePerToken: fit ? (h * 2) / fit.bytesPerS : 0,
    customAllReduceLatency: custom ? custom.latencyS : Infinity,
    customAllReduceFloor: custom ? custom.floorS : Infinity,
    customAllReducePerToken: custom ? (h * 2) / custom.bytesPerS : 0,
  };
}

/**
 * Factor that reconciles the layer weights implied by the architecture (gated MLP, 3 matrices
 * per expert) with the stated `params`: 1 when they agree within 5% (every catalog model,
 * embeddings tied or not), else the ratio, so that an inline model described by `params` and a
 * partial architecture (defaults for mlp_size, vocab) still reads `params` worth of weights.
 */
export function architectureScale(model: ModelSpec): number {
  const h = model.hiddenSize;
  const layer = h * model.headDim * (2 * model.attentionHeads + 2 * model.kvHeads) + 3 * h * model.mlpSize * model.experts;
  const arch = model.layers * layer;
  const embedding = model.vocabSize * h;
  const targets = [model.params - embedding, model.params - 2 * embedding].filter((t) => t > 0);
  if (targets.length === 0) return 1;
  const target = targets.reduce((best, t) => (Math.abs(t / arch - 1) < Math.abs(best / arch - 1) ? t : best));
  const ratio = target / arch;
  return Math.abs(ratio - 1) <= 0.05 ? 1 : ratio;
}

/**
 * Prefill attention seconds of `tokens` prompt tokens attending `pairs` pairs, `ownPairs` of them
 * inside their own chunk (PREFILL_ATTENTION_SHAPE). 0 without prompt tokens.
 */
export function prefillAttentionS(c: RooflineCoefficients, tokens: number, pairs: number, ownPairs: number): number {
  if (tokens <= 0) return 0;
  const m = 1 + c.prefillOccupancyTokens / tokens;
  const occupancy = m < c.prefillOccupancyCap ? m : c.prefillOccupancyCap;
  return c.prefillAttentionPerPair * (pairs + c.prefillOwnPairExtra * ownPairs + c.prefillTokenPairs * tokens) * occupancy;
}

/**
 * The pairs inside the chunks when a caller gives only the total: one chunk of `prefillTokens`
 * (p^2 / 2), never more than all the pairs.
 */
export function oneChunkOwnPairs(prefillTokens: number, prefillAttention: number): number {
  const own = (prefillTokens * prefillTokens) / 2;
  return own < prefillAttention ? own : prefillAttention;
}

/** Every term of one iteration (see the file doc). */
export function rooflineTerms(
  c: RooflineCoefficients,
  prefillTokens: number,
  prefillAttention: number,
  decodeSeqs: number,
  decodeKvTokens: number,
  prefillOwnPairs: number = oneChunkOwnPairs(prefillTokens, prefillAttention),
): RooflineTerms {
  const n = prefillTokens + decodeSeqs;
  if (n <= 0) {
    return { fixed: 0, linearCompute: 0, linearMemory: 0, linear: 0, activations: 0, prefillAttention: 0, decodeAttention: 0, allReduce: 0, total: 0 };
  }
  const samples = decodeSeqs + (prefillTokens > 0 ? 1 : 0);
  const linearCompute = c.computePerToken * n + c.lmHeadPerSample * samples;
  const touched = c.experts > 1 ? c.experts * (1 - Math.pow(1 - c.expertsPerToken / c.experts, n)) : 0;
  const linearMemory = c.weightReadFixed + c.lmHeadRead + c.weightReadPerExpert * touched;
  const linear = blendS(linearCompute, linearMemory, c.blend);
  const activations = c.activationPerToken * n;
  const prefill = prefillAttentionS(c, prefillTokens, prefillAttention, prefillOwnPairs);
  const decode = c.decodeAttentionPerKvToken * decodeKvTokens;
  const allReduce = c.allReduces * oneAllReduceS(c, n);
  const total = c.fixed + linear + activations + prefill + decode + allReduce;
  return { fixed: c.fixed, linearCompute, linearMemory, linear, activations, prefillAttention: prefill, decodeAttention: decode, allReduce, total };
}

/** (C^p + M^p)^(1/p): the linear layers' time from their compute and memory times. */
export function blendS(compute: number, memory: number, p: number): number {
  if (p === 2) return Math.sqrt(compute * compute + memory * memory);
  const top = compute > memory ? compute : memory;
  if (top <= 0) return 0;
  return top * Math.pow(Math.pow(compute / top, p) + Math.pow(memory / top, p), 1 / p);
}

/** One all-reduce of n tokens' activations: the cheaper of NCCL and the custom all-reduce. */
export function oneAllReduceS(c: RooflineCoefficients, n: number): number {
  const nccl = Math.max(c.allReduceFloor, c.allReduceLatency + c.allReducePerToken * n);
  const custom = Math.max(c.customAllReduceFloor, c.customAllReduceLatency + c.customAllReducePerToken * n);
  return nccl < custom ? nccl : custom;
}

/**
 * The transformer layers' linear operators alone for `tokens` tokens: layers x layer overhead +
 * the GEMMs (no LM head) + elementwise ops; no attention, no all-reduce, no iteration overhead.
 * What Vidur's mlp.csv measures (per-GPU shard), for calibration.
 */
export function rooflineLinearLayersS(c: RooflineCoefficients, tokens: number): number {
  const compute = c.computePerToken * tokens;
  const touched = c.experts > 1 ? c.experts * (1 - Math.pow(1 - c.expertsPerToken / c.experts, tokens)) : 0;
  const memory = c.weightReadFixed + c.weightReadPerExpert * touched;
  return c.layersOverhead + blendS(compute, memory, c.blend) + c.activationPerToken * tokens;
}

/**
 * The roofline step model of `model` on replicas of `gpusPerReplica` x `gpu`. Constants are
 * computed here once; `iterationS` is a handful of multiplications, one sqrt (and one pow for
 * MoE), no allocation.
 */
export function rooflineStepModel(
  model: ModelSpec,
  gpu: GpuSpec,
  gpusPerReplica: number,
  factors: RooflineFactors = BUILTIN_FACTORS,
  shape: PrefillAttentionShape = PREFILL_ATTENTION_SHAPE,
): StepModel {
  const c = rooflineCoefficients(model, gpu, gpusPerReplica, factors, shape);
  const {
    computePerToken, lmHeadPerSample, weightReadPerExpert, experts, activationPerToken,
    prefillAttentionPerPair, prefillOwnPairExtra, prefillTokenPairs, prefillOccupancyTokens, prefillOccupancyCap,
    decodeAttentionPerKvToken, fixed, allReduces, allReduceLatency, allReduceFloor,
    allReducePerToken, customAllReduceLatency, customAllReduceFloor, customAllReducePerToken, blend,
  } = c;
  const weightRead = c.weightReadFixed + c.lmHeadRead;
  const moe = experts > 1;
  const missRate = 1 - c.expertsPerToken / experts;
  return {
    iterationS(
      prefillTokens: number,
      prefillAttention: number,
      decodeSeqs: number,
      decodeKvTokens: number,
      prefillOwnPairs: number = oneChunkOwnPairs(prefillTokens, prefillAttention),
    ): number {
      const n = prefillTokens + decodeSeqs;
      if (n <= 0) return 0;
      let attnP = 0;
      if (prefillTokens > 0) {
        const m = 1 + prefillOccupancyTokens / prefillTokens;
        attnP =
          prefillAttentionPerPair *
          (prefillAttention + prefillOwnPairExtra * prefillOwnPairs + prefillTokenPairs * prefillTokens) *
          (m < prefillOccupancyCap ? m : prefillOccupancyCap);
      }
      const compute = computePerToken * n + lmHeadPerSample * (decodeSeqs + (prefillTokens > 0 ? 1 : 0));
      const memory = moe ? weightRead + weightReadPerExpert * experts * (1 - Math.pow(missRate, n)) : weightRead;
      const nccl = allReduceLatency + allReducePerToken * n;
      const ncclS = nccl > allReduceFloor ? nccl : allReduceFloor;
      const custom = customAllReduceLatency + customAllReducePerToken * n;
      const customS = custom > customAllReduceFloor ? custom : customAllReduceFloor;
      return (
        fixed +
        (blend === 2 ? Math.sqrt(compute * compute + memory * memory) : blendS(compute, memory, blend)) +
        activationPerToken * n +
        attnP +
        decodeAttentionPerKvToken * decodeKvTokens +
        allReduces * (ncclS < customS ? ncclS : customS)
      );
    },
    // iterationS(0, 0, n, kv) = ((fixed + linear + activations + prefill 0) + attention kv) + all-reduce:
    // the first sum does not depend on kv, and its inner addition commutes.
    decodeStep(decodeSeqs: number, out: Float64Array): void {
      const n = decodeSeqs;
      const compute = computePerToken * n + lmHeadPerSample * decodeSeqs;
      const memory = moe ? weightRead + weightReadPerExpert * experts * (1 - Math.pow(missRate, n)) : weightRead;
      const nccl = allReduceLatency + allReducePerToken * n;
      const ncclS = nccl > allReduceFloor ? nccl : allReduceFloor;
      const custom = customAllReduceLatency + customAllReducePerToken * n;
      const customS = custom > customAllReduceFloor ? custom : customAllReduceFloor;
      out[0] =
        fixed +
        (blend === 2 ? Math.sqrt(compute * compute + memory * memory) : blendS(compute, memory, blend)) +
        activationPerToken * n +
        0;
      out[1] = decodeAttentionPerKvToken;
      out[2] = allReduces * (ncclS < customS ? ncclS : customS);
    },
  };
}
