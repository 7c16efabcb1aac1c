/**
 * `model:` and `gpu:` of a workload or pool: a catalog name, or an inline spec with defaults.
 */
import { DEFAULT_PRECISION } from '../gpu/precision.js';
import { findGpu, findModel, gpuNames, modelNames } from '../catalog/catalog.js';
import type { KeyPath } from './path.js';
import type { Problems } from './problems.js';
import type { GpuDoc, ModelDoc } from './schema.js';
import type { GpuSpec, ModelSpec } from './scenario.js';
import { closest } from './suggest.js';

export const DEFAULT_MODEL = 'llama-3.1-8b';
export const DEFAULT_GPU = 'h100-sxm';

/** Inline GPUs without `idle_w` draw this fraction of `tdp_w` when idle (as the catalog assumes). */
export const IDLE_FRACTION_OF_TDP = 0.15;

/** Inline models without these keys get these values. */
export const INLINE_MODEL_DEFAULTS = { mlpSizePerHidden: 4, vocabSize: 32_000, bytesPerParam: 2 } as const;

/** A GPU spec whose price may be missing (inline GPU without `price_per_hour`). */
export type ResolvedGpu = GpuSpec & { readonly priceKnown: boolean };

function unknownName(kind: string, name: string, names: readonly string[]): string {
  const near = closest(name, names, 3);
  return near.length > 0
    ? `unknown ${kind} '${name}'; did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?`
    : `unknown ${kind} '${name}'; the catalog has ${names.join(', ')} (or describe it inline)`;
}

export function resolveModel(doc: ModelDoc | undefined, path: KeyPath, problems: Problems): ModelSpec | null {
  if (doc === undefined || typeof doc === 'string') {
    const name = doc ?? DEFAULT_MODEL;
    const model = findModel(name);
    if (!model) problems.add(path, unknownName('model', name, modelNames()));
    return model ?? null;
  }
  const before = problems.list.length;
  const kvHeads = doc.kv_heads ?? doc.attention_heads;
  if (doc.attention_heads % kvHeads !== 0) {
    problems.add([...path, 'kv_heads'], `attention_heads (${doc.attention_heads}) must be a multiple of kv_heads, got ${kvHeads}`);
  }
  const experts = doc.experts ?? 1;
  const expertsPerToken = doc.experts_per_token ?? 1;
  if (expertsPerToken > experts) {
    problems.add([...path, 'experts_per_token'], `must be <= experts (${experts}), got ${expertsPerToken}`);
  }
  if (experts > 1 && doc.active_params === undefined) {
    problems.add([...path, 'active_params'], 'is required for a mixture-of-experts model (experts > 1)');
  }
  const activeParams = doc.active_params ?? doc.params;
  if (activeParams > doc.params) problems.add([...path, 'active_params'], `must be <= params (${doc.params}), got ${activeParams}`);
  if (problems.list.length > before) return null;
  return {
    name: doc.name ?? 'custom-model',
    params: Math.round(doc.params),
    activeParams: Math.round(activeParams),
    layers: doc.layers,
    hiddenSize: doc.hidden_size,
    attentionHeads: doc.attention_heads,
    kvHeads,
    headDim: doc.head_dim ?? Math.floor(doc.hidden_size / doc.attention_heads),
    mlpSize: doc.mlp_size ?? INLINE_MODEL_DEFAULTS.mlpSizePerHidden * doc.hidden_size,
    vocabSize: doc.vocab_size ?? INLINE_MODEL_DEFAULTS.vocabSize,
    bytesPerParam: doc.bytes_per_param ?? INLINE_MODEL_DEFAULTS.bytesPerParam,
    precision: DEFAULT_PRECISION,
    experts,
    expertsPerToken,
    contextTokens: doc.context_length ?? null,
    source: 'inline in the workload file',
  };
}

export function resolveGpu(doc: GpuDoc | undefined, path: KeyPath, problems: Problems): ResolvedGpu | null {
  if (doc === undefined || typeof doc === 'string') {
    const name = doc ?? DEFAULT_GPU;
    const gpu = findGpu(name);
    if (!gpu) {
      problems.add(path, unknownName('GPU', name, gpuNames()));
      return null;
    }
    return { ...gpu, priceKnown: true };
  }
  const idleW = doc.idle_w ?? IDLE_FRACTION_OF_TDP * doc.tdp_w;
  if (idleW > doc.tdp_w) {
    problems.add([...path, 'idle_w'], `must be <= tdp_w (${doc.tdp_w}), got ${idleW}`);
    return null;
  }
  return {
    name: doc.name ?? 'custom-gpu',
    memoryGb: doc.memory_gb,
    bf16Tflops: doc.bf16_tflops,
    fp8Tflops: doc.fp8_tflops ?? null,
    bandwidthTbps: doc.bandwidth_tbps,
    tdpW: doc.tdp_w,
    idleW,
    pricePerHour: doc.price_per_hour ?? 0,
    interconnectGbps: doc.interconnect_gbps ?? null,
    efficiency: doc.efficiency
      ? {
          compute: doc.efficiency.compute,
          memory: doc.efficiency.memory,
          kv: doc.efficiency.kv,
          attention: doc.efficiency.attention,
          layerOverheadS: doc.efficiency.layer_overhead,
          blend: doc.efficiency.blend,
        }
      : null,
    priceSource: doc.price_per_hour === undefined ? 'none (inline GPU without price_per_hour)' : 'inline in the workload file',
    priceDate: '',
    source: 'inline in the workload file',
    priceKnown: doc.price_per_hour !== undefined,
  };
}
