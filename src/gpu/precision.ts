/**
 * Number formats of a deployed model (`precision: {weights, kv_cache}`): what they do to weight
 * bytes, KV bytes per token and the GEMM compute roof. The roofline (roofline.ts) and the memory
 * model (memory.ts) read only the four numbers below, so the step-time model's own efficiency
 * factors stay independent of precision:
 *
 *   layerBytesPerParam   bytes of one transformer-layer linear weight (the quantized part)
 *                        (memory.ts `weightBytes`: layer weights x layerBytesPerParam + the rest,
 *                        embeddings, LM head and norms, x bytesPerParam: the rest stays BF16, as in
 *                        published FP8, AWQ and GPTQ checkpoints, which leave `lm_head` and the
 *                        embedding table unquantized)
 *   kvBytesPerElement    2 (BF16 KV cache) or 1 (FP8 KV cache, vLLM `--kv-cache-dtype fp8`)
 *   gemmFlops            the peak the linear layers run at, times a precision factor:
 *     bf16                          bf16_tflops
 *     fp8 on a GPU with fp8_tflops  fp8_tflops x FP8_GEMM_EFFICIENCY (W8A8: weights and activations FP8)
 *     fp8 on a GPU without          bf16_tflops x WEIGHT_ONLY_GEMM_EFFICIENCY (W8A16, weight-only:
 *                                   A100 and A10G have no FP8 tensor cores; vLLM runs FP8 checkpoints
 *                                   there with Marlin kernels that dequantize to BF16)
 *     int4                          bf16_tflops x WEIGHT_ONLY_GEMM_EFFICIENCY (W4A16, AWQ/GPTQ Marlin)
 *
 * Attention and elementwise work stay BF16 in every case (FP8 KV is dequantized in the kernel).
 */
import type { GpuSpec, ModelSpec, Precision } from '../workload/scenario.js';

export const DEFAULT_PRECISION: Precision = Object.freeze({ weights: 'bf16', kvCache: 'bf16' });

/**
 * INT4 bytes per weight: 4 bits plus, per group of 128 weights, one FP16 scale and one 4-bit
 * zero point (AWQ/GPTQ with group_size 128, their default): 0.5 + 2.5 / 128 = 0.5195 bytes.
 */
export const INT4_BYTES_PER_PARAM = 0.5 + 2.5 / 128;
/** FP8 (E4M3) bytes per weight; per-channel scales (one FP32 per output row) are negligible. */
export const FP8_BYTES_PER_PARAM = 1;

/**
 * FP8 GEMMs reach this fraction of the BF16 GEMMs' share of peak (ASSUMPTION, 0.9): cuBLAS and
 * CUTLASS FP8 kernels on H100 run large GEMMs at ~1,300-1,450 of 1,979 dense TFLOPS (66-73%)
 * where BF16 runs at ~700-750 of 989 (71-76%), and vLLM adds a dynamic per-token activation
 * quantization pass. So compute-bound work speeds up by (fp8_tflops / bf16_tflops) x 0.9 = 1.8x on
 * H100, not 2x. See docs/gpu-model.md "Precision".
 */
export const FP8_GEMM_EFFICIENCY = 0.9;

/**
 * Weight-only (W4A16, W8A16) GEMMs dequantize every weight tile to BF16 before the tensor-core
 * multiply: free while memory-bound, a cost once compute-bound. Marlin (IST-DASLab, Frantar et
 * al. 2024, arXiv:2408.11743; vLLM's kernel for AWQ/GPTQ and for FP8 on Ampere) is close to the
 * ideal 4x over FP16 up to 16-32 tokens and falls to about FP16 speed once compute-bound; vLLM's
 * older AWQ/GPTQ kernels are slower there. ASSUMPTION (GUESS, no measurement in the repository):
 * compute-bound weight-only GEMMs run at 0.85 of the BF16 rate. It scales the compute roof only;
 * the memory roof gets the smaller weights.
 */
export const WEIGHT_ONLY_GEMM_EFFICIENCY = 0.85;

/** Bytes of one transformer-layer linear weight. */
export function layerBytesPerParam(model: ModelSpec): number {
  switch (model.precision.weights) {
    case 'fp8': return FP8_BYTES_PER_PARAM;
    case 'int4': return INT4_BYTES_PER_PARAM;
    default: return model.bytesPerParam;
  }
}

/** Bytes of one KV-cache element. */
export function kvBytesPerElement(model: ModelSpec): number {
  return model.precision.kvCache === 'fp8' ? 1 : 2;
}

/** How the linear layers compute: native BF16, FP8 tensor cores, or weight-only dequantization. */
export type GemmPath = 'bf16' | 'fp8' | 'weight_only';

export function gemmPath(model: ModelSpec, gpu: GpuSpec): GemmPath {
  if (model.precision.weights === 'bf16') return 'bf16';
  if (model.precision.weights === 'fp8' && gpu.fp8Tflops !== null) return 'fp8';
  return 'weight_only';
}

/** The FLOPS roof of the linear layers, before the roofline's compute efficiency. */
export function gemmPeakFlops(model: ModelSpec, gpu: GpuSpec): number {
  switch (gemmPath(model, gpu)) {
    case 'fp8': return (gpu.fp8Tflops as number) * 1e12 * FP8_GEMM_EFFICIENCY;
    case 'weight_only': return gpu.bf16Tflops * 1e12 * WEIGHT_ONLY_GEMM_EFFICIENCY;
    default: return gpu.bf16Tflops * 1e12;
  }
}

/** Whether a GPU computes FP8 GEMMs natively (has an `fp8_tflops` figure). */
export function supportsFp8Compute(gpu: GpuSpec): boolean {
  return gpu.fp8Tflops !== null;
}
