/**
 * The workload file's schema (docs/workload.md): types, ranges, units
 * and allowed keys, one key at a time. Durations and parameter counts are converted here
 * (seconds, parameters); defaults and rules that involve several keys are `resolve.ts`'s job.
 *
 * Every mapping is strict: an unknown key fails with the keys allowed at that path attached
 * (`params.allowed`), so the message can suggest the closest one.
 */
import * as z from 'zod';
import { MAX_DURATION_S, parseBandwidth, parseDuration, parseParamCount } from './units.js';

/**
 * Upper bounds of the workload's numbers (docs/workload.md, "Ranges"): every number that reaches
 * the model is finite and within these, so no product of them overflows to Infinity.
 */
export const LIMITS = {
  /** Any plain number not bounded more tightly below (prices, costs, weights, rates). */
  number: 1e12,
  /** Token counts and token-distribution parameters. */
  tokens: 1e8,
  /** GPUs of a fleet or pool, spares, autoscale bounds and schedule entries. */
  gpus: 100_000,
  /** The simulated horizon (`duration`): 10 years. */
  horizonS: 10 * 365 * 86_400,
  /** Any other duration: 100 years. */
  durationS: MAX_DURATION_S,
  /** Distinct prompts of the response cache's popularity model (its Zipf table is O(distinct)). */
  cacheDistinct: 1_000_000,
  /** Coefficient of variation of gamma inter-arrival gaps. */
  burstiness: { min: 0.01, max: 10 },
  /** Trace time compression. */
  speedup: { min: 1e-6, max: 1e6 },
  /** Failures: mean time between failures per GPU, and repair time. */
  mtbfS: 3600,
  repairS: 1,
  /** Parameters of an inline model. */
  params: 1e15,
} as const;

/** A workload `name` becomes a folder name (results/<name>/): no separators, no `.`/`..`, no control characters. */
export function unsafeNameReason(name: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'must not contain control characters (it names the output folder)';
  if (/[/\\]/.test(name)) return "must not contain '/' or '\\' (it names the output folder results/<name>/)";
  if (name === '.' || name === '..') return `must not be '${name}' (it names the output folder results/<name>/)`;
  if (name.length > 200) return `must be at most 200 characters long (it names the output folder), got ${name.length}`;
  return null;
}

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
const positive = z.number().positive().max(LIMITS.number);
const nonNegative = z.number().min(0).max(LIMITS.number);
const fraction = z.number().min(0).max(1);
/** A whole number from `min` to `max` (default: the token bound). */
const whole = (min: number, max: number = LIMITS.tokens) => z.number().int().min(min).max(max);
const gpuCount = (min: number) => whole(min, LIMITS.gpus);
const tokenParam = z.number().positive().max(LIMITS.tokens);

/**
 * A duration in seconds: a number, or a string with a unit (units.ts), at most 100 years;
 * `bounds` narrows it (the horizon, failure times).
 */
function duration(rule: 'positive' | 'non-negative', bounds: { minS?: number; maxS?: number } = {}) {
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
    if (bounds.minS !== undefined && parsed.value < bounds.minS) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${bounds.minS} s, got ${String(value)}` });
      return z.NEVER;
    }
    if (bounds.maxS !== undefined && parsed.value > bounds.maxS) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${bounds.maxS / 86_400 / 365}y (${bounds.maxS} s), got ${String(value)}` });
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
  if (parsed.value > LIMITS.params) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${LIMITS.params}, got ${String(value)}` });
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
      median: tokenParam.optional(),
      p99: tokenParam.optional(),
      mean: tokenParam.optional(),
      sd: tokenParam.optional(),
      max: cap,
    }),
    strict({ dist: z.literal('exponential'), mean: tokenParam, max: cap }),
    strict({ dist: z.literal('normal'), mean: tokenParam, sd: z.number().min(0).max(LIMITS.tokens), max: cap }),
    strict({ dist: z.literal('uniform'), min: tokens, max: tokens }),
    strict({ dist: z.literal('empirical'), file: text, column: text, max: cap }),
  ]),
]);

const traceSchema = strict({
  file: text,
  format: z.enum(['azure', 'mooncake', 'vidur', 'burstgpt', 'csv']),
  speedup: z.number().min(LIMITS.speedup.min).max(LIMITS.speedup.max).optional(),
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
  skip_bad_rows: z.boolean().optional(),
  block_tokens: whole(1, 1_000_000).optional(),
});

/** Closed-loop users: of the whole traffic, or of one class. */
const closedUsers = whole(1).max(1_000_000);
const thinkTimeSchema = oneOf('a duration (fixed; 0 = benchmark mode) or {dist: exponential | fixed, mean: duration}', [
  strict({ dist: z.enum(['exponential', 'fixed']), mean: duration('non-negative') }),
  duration('non-negative'),
]);

const trafficSchema = strict({
  rate: positive.optional(),
  requests_per_day: positive.optional(),
  arrival: z.enum(['poisson', 'gamma', 'trace', 'closed']).optional(),
  burstiness: z.number().min(LIMITS.burstiness.min).max(LIMITS.burstiness.max).optional(),
  users: closedUsers.optional(),
  think_time: thinkTimeSchema.optional(),
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
  users: closedUsers.optional(),
  think_time: thinkTimeSchema.optional(),
  prompt_compression: oneOf('a fraction of prompt tokens removed (0 <= f < 1), or {fraction, latency}', [
    z.number().min(0).lt(1),
    strict({ fraction: z.number().min(0).lt(1), latency: duration('non-negative').optional() }),
  ]).optional(),
  session: strict({
    turns: tokenDistSchema,
    think_time: thinkTimeSchema,
  }).optional(),
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
  bytes_per_param: z.number().positive().max(64).optional(),
  experts: whole(1).optional(),
  experts_per_token: whole(1).optional(),
  active_params: paramCount.optional(),
  context_length: whole(1).optional(),
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
    blend: z.number().min(1).max(16).optional(),
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
  nonNegative,
  strict({
    reserved: strict({ gpus: gpuCount(1), price_per_hour: nonNegative.optional() }).optional(),
    on_demand: strict({ price_per_hour: nonNegative.optional() }).optional(),
    spot: strict({
      price_per_hour: nonNegative.optional(),
      interruptions_per_hour: nonNegative.optional(),
      notice: duration('non-negative').optional(),
    }).optional(),
  }),
]);

const autoscaleSchema = strict({
  schedule: z.array(gpuCount(0)).length(24).optional(),
  min: gpuCount(0).optional(),
  max: gpuCount(1).optional(),
  metric: z.enum(['queue_time', 'utilization']).optional(),
  /** queue_time: a duration; utilization: a fraction. Interpreted in resolve.ts. */
  target: oneOf('a duration (metric queue_time) or a fraction (metric utilization)', [z.number(), z.string()]).optional(),
  provisioning: duration('non-negative').optional(),
  cooldown: duration('non-negative').optional(),
});

/** A bandwidth in bytes per second: a number, or `50GB/s`, `400Gb/s` (units.ts). */
const bandwidth = z.unknown().transform((value, ctx) => {
  const parsed = parseBandwidth(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }
  if (!(parsed.value > 0) || parsed.value > LIMITS.number) {
    ctx.addIssue({ code: 'custom', message: `must be > 0 and at most ${LIMITS.number} bytes/s, got ${String(value)}` });
    return z.NEVER;
  }
  return parsed.value;
});

/** One role of a disaggregated fleet (prefill or decode): its own GPUs, replicas and autoscaler. */
const roleSchema = strict({
  gpus: gpuCount(1).optional(),
  gpus_per_replica: whole(1, 64).optional(),
  gpu: gpuSchema.optional(),
  max_batch_tokens: whole(1).optional(),
  autoscale: autoscaleSchema.optional(),
});

/** Prefill and decode on separate replicas, the KV cache shipped between them (resolvePools.ts). */
const disaggregationSchema = strict({
  prefill: roleSchema,
  decode: roleSchema,
  kv_transfer: strict({
    bandwidth: bandwidth.optional(),
    latency: duration('non-negative').optional(),
  }).optional(),
});

/**
 * A key that `null` leaves out (`--set fleet.gpus=` with an empty value): how `plan
 * --compare-disaggregated` turns a fleet of `gpus` into a disaggregated one and back.
 */
function absentIfNull<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

const fleetShape = {
  gpus: absentIfNull(gpuCount(1)),
  gpus_per_replica: absentIfNull(whole(1, 64)),
  pricing: pricingSchema.optional(),
  billing: z.enum(['per_second', 'per_hour']).optional(),
  autoscale: autoscaleSchema.optional(),
  failures: strict({
    mtbf: duration('positive', { minS: LIMITS.mtbfS }),
    repair: duration('positive', { minS: LIMITS.repairS }),
  }).optional(),
  spares: gpuCount(0).optional(),
  disaggregation: absentIfNull(disaggregationSchema),
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
  router: z.enum(['least_loaded', 'round_robin', 'random', 'prefix_affinity', 'shared_queue', 'session_affinity']).optional(),
  affinity_weight: z.number().min(0).optional(),
  affinity_slack: whole(0).optional(),
  max_queue_time: duration('positive').optional(),
  gpu_memory_utilization: z.number().positive().max(1).optional(),
  scheduler: z.enum(['chunked_prefill', 'prefill_first']).optional(),
  kv_watermark: z.number().min(0).lt(1).optional(),
  batch_prefill_chunk: whole(1).optional(),
  batch_slots: whole(1, 1_000_000).optional(),
  overhead: strict({
    per_request: duration('non-negative').optional(),
    per_iteration: duration('non-negative').optional(),
    output_iterations: whole(0).optional(),
  }).optional(),
  speculative: strict({
    method: z.enum(['draft', 'ngram']),
    draft_model: modelSchema.optional(),
    tokens: z.number().int().min(1).max(16).optional(),
    acceptance: fraction,
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
    distinct: whole(1, LIMITS.cacheDistinct).optional(),
    zipf: z.number().positive().max(100).optional(),
    capacity: whole(1, LIMITS.cacheDistinct).optional(),
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
  pue: z.number().min(1).max(10).optional(),
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
  name: text.superRefine((name, ctx) => {
    const why = unsafeNameReason(name);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  }).optional(),
  seed: z.number().int().min(0).max(2 ** 53 - 1).optional(),
  duration: duration('positive', { maxS: LIMITS.horizonS }).optional(),
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
export type RoleDoc = z.output<typeof roleSchema>;
export type PoolDoc = z.output<typeof poolSchema>;
export type PricingDoc = z.output<typeof pricingSchema>;
export type ClassDoc = z.output<typeof classSchema>;
export type TraceDoc = z.output<typeof traceSchema>;
