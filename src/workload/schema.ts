/**
 * The workload file's schema (docs/workload.md): types, ranges, units
 * and allowed keys, one key at a time. Durations and parameter counts are converted here
 * (seconds, parameters); defaults and rules that involve several keys are `resolve.ts`'s job.
 *
 * Every mapping is strict: an unknown key fails with the keys allowed at that path attached
 * (`params.allowed`), so the message can suggest the closest one.
 */
import * as z from 'zod';
import { parseDuration, parseParamCount } from './units.js';

/** Marks an issue raised for a key the schema does not know; see `unknownKeyIssue`. */
export const UNKNOWN_KEY = 'capsim.unknown_key';

function rejectUnknownKey(allowed: readonly string[]) {
  return z.any().superRefine((_value, ctx) => {
    ctx.addIssue({ code: 'custom', message: 'unknown key', params: { [UNKNOWN_KEY]: true, allowed } });
  });
}

/** A mapping with exactly these keys (all optional unless the shape says otherwise). */
function strict<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape).catchall(rejectUnknownKey(Object.keys(shape)));
}

/** A union whose failure, when no option's type matches, reads "expected <what>". */
function oneOf<const T extends readonly [z.ZodType, ...z.ZodType[]]>(what: string, options: T) {
  return z.union(options, { error: `expected ${what}` });
}

const text = z.string().trim().min(1);
const positive = z.number().positive();
const nonNegative = z.number().min(0);
const fraction = z.number().min(0).max(1);
const whole = (min: number) => z.number().int().min(min);

/** A duration in seconds: a number, or a string with a unit (units.ts). */
function duration(rule: 'positive' | 'non-negative') {
  return z.unknown().transform((value, ctx) => {
    const parsed = parseDuration(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    if (rule === 'positive' ? parsed.value <= 0 : parsed.value < 0) {
      ctx.addIssue({ code: 'custom', message: `must be ${rule === 'positive' ? '> 0' : '>= 0'}, got ${String(value)}` });
      return z.NEVER;
    }
    return parsed.value;
  });
}

/** A parameter count: a number or `8b`, `70B`, ... */
const paramCount = z.unknown().transform((value, ctx) => {
  const parsed = parseParamCount(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }
  if (parsed.value <= 0) {
    ctx.addIssue({ code: 'custom', message: `must be > 0, got ${String(value)}` });
    return z.NEVER;
  }
  return parsed.value;
});

const tokens = whole(1);
const cap = tokens.optional();

/** A token-count distribution: a bare whole number (fixed) or `{dist: ..., ...}`. */
export const tokenDistSchema = oneOf('a whole number of tokens or a distribution like {dist: lognormal, median: 900, p99: 6000}', [
  tokens,
  z.discriminatedUnion('dist', [
    strict({ dist: z.literal('fixed'), value: tokens, max: cap }),
    strict({
      dist: z.literal('lognormal'),
      median: positive.optional(),
      p99: positive.optional(),
      mean: positive.optional(),
      sd: positive.optional(),
      max: cap,
    }),
    strict({ dist: z.literal('exponential'), mean: positive, max: cap }),
    strict({ dist: z.literal('normal'), mean: positive, sd: nonNegative, max: cap }),
    strict({ dist: z.literal('uniform'), min: tokens, max: tokens }),
    strict({ dist: z.literal('empirical'), file: text, column: text, max: cap }),
  ]),
]);

const traceSchema = strict({
  file: text,
  format: z.enum(['azure', 'mooncake', 'vidur', 'burstgpt', 'csv']),
  speedup: positive.optional(),
  loop: z.boolean().optional(),
  start: duration('non-negative').optional(),
  end: duration('positive').optional(),
  columns: strict({
    time: text.optional(),
    time_unit: z.enum(['s', 'ms', 'us']).optional(),
    prompt: text.optional(),
    output: text.optional(),
    class: text.optional(),
  }).optional(),
  class_column: text.optional(),
  class_map: z.record(z.string(), text).optional(),
  class: text.optional(),
});

const trafficSchema = strict({
  rate: positive.optional(),
  arrival: z.enum(['poisson', 'gamma', 'trace']).optional(),
  burstiness: positive.optional(),
  daily_profile: z.array(nonNegative).length(24).optional(),
  weekly_profile: z.array(nonNegative).length(7).optional(),
  growth: strict({
    per: duration('positive'),
    rate: z.number().finite().gt(-1, 'must be > -1 (a decline of less than 100% per period)'),
  }).optional(),
  trace: traceSchema.optional(),
});

const sloSchema = strict({
  ttft: duration('positive').optional(),
  tpot: duration('positive').optional(),
  e2e: duration('positive').optional(),
});

const classSchema = strict({
  name: text,
  weight: positive.optional(),
  prompt_tokens: tokenDistSchema.optional(),
  output_tokens: tokenDistSchema.optional(),
  shared_prefix_tokens: whole(0).optional(),
  slo: sloSchema.optional(),
  priority: z.enum(['interactive', 'batch']).optional(),
  deadline: duration('positive').optional(),
  retrieval: strict({
    latency: duration('non-negative').optional(),
    added_tokens: whole(0).optional(),
    cost_per_query: nonNegative.optional(),
  }).optional(),
  prompt_compression: oneOf('a fraction of prompt tokens removed (0 <= f < 1), or {fraction, latency}', [
    z.number().min(0).lt(1),
    strict({ fraction: z.number().min(0).lt(1), latency: duration('non-negative').optional() }),
  ]).optional(),
});

const inlineModelSchema = strict({
  name: text.optional(),
  params: paramCount,
  layers: whole(1),
  hidden_size: whole(1),
  attention_heads: whole(1),
  kv_heads: whole(1).optional(),
  head_dim: whole(1).optional(),
  mlp_size: whole(1).optional(),
  vocab_size: whole(1).optional(),
  bytes_per_param: positive.optional(),
  experts: whole(1).optional(),
  experts_per_token: whole(1).optional(),
  active_params: paramCount.optional(),
});

const inlineGpuSchema = strict({
  name: text.optional(),
  memory_gb: positive,
  bf16_tflops: positive,
  fp8_tflops: positive.optional(),
  bandwidth_tbps: positive,
  tdp_w: positive,
  idle_w: nonNegative.optional(),
  price_per_hour: nonNegative.optional(),
  interconnect_gbps: positive.optional(),
  efficiency: strict({
    compute: z.number().positive().max(1).optional(),
    memory: z.number().positive().max(1).optional(),
    kv: z.number().positive().max(1).optional(),
    attention: z.number().positive().max(1).optional(),
    layer_overhead: duration('non-negative').optional(),
  }).optional(),
});

export const modelSchema = oneOf('a catalog model name or an inline spec {params, layers, hidden_size, attention_heads, ...}', [
  text,
  inlineModelSchema,
]);
export const gpuSchema = oneOf('a catalog GPU name or an inline spec {memory_gb, bf16_tflops, bandwidth_tbps, tdp_w, ...}', [
  text,
  inlineGpuSchema,
]);

/** Number formats the model is served in (src/gpu/precision.ts). */
const precisionSchema = strict({
  weights: z.enum(['bf16', 'fp8', 'int4']).optional(),
  kv_cache: z.enum(['bf16', 'fp8']).optional(),
});

const pricingSchema = oneOf('on_demand, spot, reserved, a price in USD per GPU-hour, or a mix {reserved, on_demand, spot}', [
  z.enum(['on_demand', 'spot', 'reserved']),
  positive,
  strict({
    reserved: strict({ gpus: whole(1), price_per_hour: nonNegative.optional() }).optional(),
    on_demand: strict({ price_per_hour: nonNegative.optional() }).optional(),
    spot: strict({
      price_per_hour: nonNegative.optional(),
      interruptions_per_hour: nonNegative.optional(),
      notice: duration('non-negative').optional(),
    }).optional(),
  }),
]);

const autoscaleSchema = strict({
  schedule: z.array(whole(0)).length(24).optional(),
  min: whole(0).optional(),
  max: whole(1).optional(),
  metric: z.enum(['queue_time', 'utilization']).optional(),
  /** queue_time: a duration; utilization: a fraction. Interpreted in resolve.ts. */
  target: oneOf('a duration (metric queue_time) or a fraction (metric utilization)', [z.number(), z.string()]).optional(),
  provisioning: duration('non-negative').optional(),
  cooldown: duration('non-negative').optional(),
});

const fleetShape = {
  gpus: whole(1).optional(),
  gpus_per_replica: whole(1).optional(),
  pricing: pricingSchema.optional(),
  billing: z.enum(['per_second', 'per_hour']).optional(),
  autoscale: autoscaleSchema.optional(),
  failures: strict({ mtbf: duration('positive'), repair: duration('positive') }).optional(),
  spares: whole(0).optional(),
};

const fleetSchema = strict(fleetShape);

const poolSchema = strict({
  name: text,
  model: modelSchema.optional(),
  gpu: gpuSchema.optional(),
  serves: z.array(text).min(1),
  precision: precisionSchema.optional(),
  ...fleetShape,
});

const servingSchema = strict({
  batching: z.enum(['continuous', 'static']).optional(),
  max_batch_size: whole(1).optional(),
  max_batch_tokens: whole(1).optional(),
  batch_window: duration('non-negative').optional(),
  router: z.enum(['least_loaded', 'round_robin', 'random', 'shared_queue']).optional(),
  max_queue_time: duration('positive').optional(),
  gpu_memory_utilization: z.number().positive().max(1).optional(),
  scheduler: z.enum(['chunked_prefill', 'prefill_first']).optional(),
  overhead: strict({
    per_request: duration('non-negative').optional(),
    per_iteration: duration('non-negative').optional(),
  }).optional(),
});

const perfSchema = strict({
  prefill: strict({ base: duration('non-negative'), per_token: duration('non-negative') }),
  decode: strict({
    base: duration('non-negative'),
    per_seq: duration('non-negative'),
    per_kv_token: duration('non-negative'),
  }),
});

const cacheSchema = strict({
  response: strict({
    hit_rate: fraction.optional(),
    distinct: whole(1).optional(),
    zipf: positive.optional(),
    capacity: whole(1).optional(),
    ttl: duration('positive').optional(),
    latency: duration('non-negative').optional(),
    price_per_hour: nonNegative.optional(),
    price_per_lookup: nonNegative.optional(),
  }).optional(),
  prefix: z.boolean().optional(),
});

const apiSchema = strict({
  name: text.optional(),
  input_per_million: nonNegative.optional(),
  output_per_million: nonNegative.optional(),
  ttft: duration('non-negative').optional(),
  tokens_per_second: positive.optional(),
  use_for: oneOf('overflow, all, or a list of class names', [z.enum(['overflow', 'all']), z.array(text).min(1)]).optional(),
  jitter: nonNegative.optional(),
  rate_limit: strict({
    requests_per_minute: positive.optional(),
    tokens_per_minute: positive.optional(),
    on_limit: z.enum(['wait', 'drop']).optional(),
  }).optional(),
  overflow_threshold: positive.optional(),
});

const costsSchema = strict({
  electricity_per_kwh: nonNegative.optional(),
  pue: z.number().min(1).optional(),
  hourly: z.record(z.string(), nonNegative).optional(),
  per_request: z.record(z.string(), nonNegative).optional(),
  amortized: z.record(z.string(), strict({ cost: nonNegative, over: duration('positive') })).optional(),
  storage: strict({
    bytes_per_request: nonNegative,
    price_per_gb_month: nonNegative,
    initial_gb: nonNegative.optional(),
  }).optional(),
});

/** The whole workload file. Required keys that depend on other keys are checked in resolve.ts. */
export const workloadSchema = strict({
  name: text.optional(),
  seed: z.number().int().min(0).max(2 ** 53 - 1).optional(),
  duration: duration('positive').optional(),
  traffic: trafficSchema,
  classes: z.array(classSchema).min(1),
  model: modelSchema.optional(),
  gpu: gpuSchema.optional(),
  precision: precisionSchema.optional(),
  fleet: fleetSchema.optional(),
  pools: z.array(poolSchema).min(1).optional(),
  serving: servingSchema.optional(),
  perf: perfSchema.optional(),
  cache: cacheSchema.optional(),
  api: apiSchema.optional(),
  costs: costsSchema.optional(),
});

/** A workload file after schema validation: units converted, defaults not yet applied. */
export type WorkloadDoc = z.output<typeof workloadSchema>;
export type TokenDistDoc = z.output<typeof tokenDistSchema>;
export type ModelDoc = z.output<typeof modelSchema>;
export type GpuDoc = z.output<typeof gpuSchema>;
export type PrecisionDoc = z.output<typeof precisionSchema>;
export type FleetDoc = z.output<typeof fleetSchema>;
export type PoolDoc = z.output<typeof poolSchema>;
export type PricingDoc = z.output<typeof pricingSchema>;
export type ClassDoc = z.output<typeof classSchema>;
export type TraceDoc = z.output<typeof traceSchema>;
