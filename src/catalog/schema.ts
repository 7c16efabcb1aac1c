/**
 * The shape of `catalog/catalog.yaml` entries (snake_case, units in the key names) and their
 * conversion to the simulator's `GpuSpec` / `ModelSpec`. Exported so that an inline `gpu:` or
 * `model:` block in a workload can be checked against the same rules as a catalog entry.
 */
import { z } from 'zod';
import type { GpuSpec, ModelSpec } from '../workload/scenario.js';

const positive = z.number().positive();
const count = z.number().int().positive();
const text = z.string().min(1);
/** Field name -> why the figure is a GUESS / UNVERIFIED. Shown by `capsim catalog`. */
const flags = z.record(z.string(), z.string()).optional();

export const gpuEntrySchema = z
  .object({
    memory_gb: positive,
    bandwidth_tbps: positive,
    bf16_tflops: positive,
    fp8_tflops: positive.nullable().optional(),
    tdp_w: positive,
    idle_w: z.number().nonnegative(),
    interconnect_gbps: positive.nullable().optional(),
    source: text,
    date: text,
    price_per_hour: z.number().nonnegative(),
    price_provider: text,
    price_source: text,
    price_date: text,
    flags,
  })
  .strict()
  .refine((g) => g.idle_w <= g.tdp_w, { message: 'idle_w must be <= tdp_w', path: ['idle_w'] });

export const modelEntrySchema = z
  .object({
    params_b: positive,
    active_params_b: positive.optional(),
    experts: count.optional(),
    experts_per_token: count.optional(),
    layers: count,
    hidden_size: count,
    attention_heads: count,
    kv_heads: count,
    head_dim: count,
    mlp_size: count,
    vocab_size: count,
    /** config.json max_position_embeddings: the longest prompt + output served (vLLM's default max_model_len). */
    context_length: count.optional(),
    bytes_per_param: positive,
    source: text,
    date: text,
    flags,
  })
  .strict()
  .refine((m) => (m.active_params_b ?? m.params_b) <= m.params_b, {
    message: 'active_params_b must be <= params_b',
    path: ['active_params_b'],
  })
  .refine((m) => (m.experts_per_token ?? 1) <= (m.experts ?? 1), {
    message: 'experts_per_token must be <= experts',
    path: ['experts_per_token'],
  })
  .refine((m) => m.attention_heads % m.kv_heads === 0, {
    message: 'attention_heads must be a multiple of kv_heads',
    path: ['kv_heads'],
  });

export const apiEntrySchema = z
  .object({
    input_per_million: z.number().nonnegative(),
    output_per_million: z.number().nonnegative(),
    ttft: positive.optional(),
    tokens_per_second: positive.optional(),
    source: text,
    date: text,
    flags,
  })
  .strict();

export const catalogSchema = z
  .object({
    gpus: z.record(z.string(), gpuEntrySchema),
    models: z.record(z.string(), modelEntrySchema),
    apis: z.record(z.string(), apiEntrySchema),
    pricing_multipliers: z
      .object({ spot: z.number().positive().max(1), reserved: z.number().positive().max(1) })
      .strict(),
  })
  .strict();

export type GpuEntry = z.infer<typeof gpuEntrySchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type ApiEntryRaw = z.infer<typeof apiEntrySchema>;
export type CatalogFile = z.infer<typeof catalogSchema>;

/** A hosted-API price entry. `ttftS` / `tokensPerSecond` only when the catalog has a basis. */
export interface ApiEntry {
  readonly name: string;
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
  readonly ttftS?: number;
  readonly tokensPerSecond?: number;
  readonly source: string;
  readonly date: string;
}

export function gpuFromEntry(name: string, e: GpuEntry): GpuSpec {
  return Object.freeze({
    name,
    memoryGb: e.memory_gb,
    bf16Tflops: e.bf16_tflops,
    fp8Tflops: e.fp8_tflops ?? null,
    bandwidthTbps: e.bandwidth_tbps,
    tdpW: e.tdp_w,
    idleW: e.idle_w,
    pricePerHour: e.price_per_hour,
    interconnectGbps: e.interconnect_gbps ?? null,
    priceSource: `${e.price_provider}; ${e.price_source}`,
    priceDate: e.price_date,
    source: e.source,
  });
}

export function modelFromEntry(name: string, e: ModelEntry): ModelSpec {
  return Object.freeze({
    name,
    params: Math.round(e.params_b * 1e9),
    activeParams: Math.round((e.active_params_b ?? e.params_b) * 1e9),
    layers: e.layers,
    hiddenSize: e.hidden_size,
    attentionHeads: e.attention_heads,
    kvHeads: e.kv_heads,
    headDim: e.head_dim,
    mlpSize: e.mlp_size,
    vocabSize: e.vocab_size,
    bytesPerParam: e.bytes_per_param,
    precision: Object.freeze({ weights: 'bf16', kvCache: 'bf16' } as const),
    experts: e.experts ?? 1,
    expertsPerToken: e.experts_per_token ?? 1,
    contextTokens: e.context_length ?? null,
    source: e.source,
  });
}

export function apiFromEntry(name: string, e: ApiEntryRaw): ApiEntry {
  const entry: { -readonly [K in keyof ApiEntry]: ApiEntry[K] } = {
    name,
    inputPerMillion: e.input_per_million,
    outputPerMillion: e.output_per_million,
    source: e.source,
    date: e.date,
  };
  if (e.ttft !== undefined) entry.ttftS = e.ttft;
  if (e.tokens_per_second !== undefined) entry.tokensPerSecond = e.tokens_per_second;
  return Object.freeze(entry);
}
