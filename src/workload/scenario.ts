/**
 * The resolved, frozen description of one simulation: what `loadWorkload` returns and the only
 * thing the simulator reads. Every field is in base units — seconds, tokens, USD, bytes — with
 * the unit in the name where it is not obvious. Nothing here is ever written after resolution.
 *
 * YAML keys are snake_case (the user contract, docs/workload.md); this type is camelCase.
 */

/** A token-count distribution. Samples are whole tokens, at least 1, capped at `max`. */
export type TokenDist =
  | { readonly dist: 'fixed'; readonly value: number; readonly max: number }
  | { readonly dist: 'uniform'; readonly min: number; readonly max: number }
  /** Parameters of the underlying normal: ln X ~ N(mu, sigma^2). */
  | { readonly dist: 'lognormal'; readonly mu: number; readonly sigma: number; readonly max: number }
  | { readonly dist: 'exponential'; readonly mean: number; readonly max: number }
  /** Truncated below at 1 (redrawn, not clamped). */
  | { readonly dist: 'normal'; readonly mean: number; readonly sd: number; readonly max: number }
  /** Values read from a trace column at resolution time. */
  | {
      readonly dist: 'empirical';
      readonly file: string;
      readonly column: string;
      readonly values: readonly number[];
      readonly max: number;
    };

export interface Slo {
  readonly ttftS: number | null;
  readonly tpotS: number | null;
  readonly e2eS: number | null;
}

export interface RetrievalSpec {
  readonly latencyS: number;
  readonly addedTokens: number;
  readonly costPerQuery: number;
}

export interface ClassSpec {
  readonly name: string;
  /** Relative weight, normalised so that the weights of all classes sum to 1. */
  readonly weight: number;
  /** null only when the traffic is a trace replay, which supplies the token counts. */
  readonly promptTokens: TokenDist | null;
  readonly outputTokens: TokenDist | null;
  /** Leading prompt tokens shared by every request of the class (a system prompt). */
  readonly sharedPrefixTokens: number;
  readonly slo: Slo;
  readonly priority: 'interactive' | 'batch';
  /** Batch classes: completion within this many seconds of arrival is their SLO. */
  readonly deadlineS: number | null;
  readonly retrieval: RetrievalSpec | null;
  /** Fraction of prompt tokens removed, 0..1. */
  readonly promptCompression: number;
  /** Latency the compression step adds before the model, seconds (0 without compression). */
  readonly compressionLatencyS: number;
  /** Closed loop with a population per class: this class's users (absent otherwise). */
  readonly users?: number;
  /** Closed loop: this class's think time, over `traffic.thinkTime` (absent when not given). */
  readonly thinkTime?: ThinkTime;
  /**
   * Multi-turn conversations (`session:`); absent: every request is a one-turn exchange (absent
   * rather than null, so that manifests of workloads without sessions are unchanged).
   */
  readonly session?: SessionSpec;
}

/** A closed-loop user's pause between an answer and its next request. */
export interface ThinkTime {
  readonly dist: 'exponential' | 'fixed';
  readonly meanS: number;
}

/**
 * A class's conversations (`classes[].session`, src/traffic/sessions.ts): a session of `turns`
 * requests; turn k's prompt is the whole context so far (earlier prompts and outputs) plus a new
 * message drawn from the class's `prompt_tokens`; the next turn is sent `thinkTime` after the
 * previous turn's last token.
 */
export interface SessionSpec {
  /** Turns per session (whole numbers, at least 1). */
  readonly turns: TokenDist;
  /** The user's pause between a turn's answer and its next message. */
  readonly thinkTime: ThinkTime;
}

/**
 * Number formats a model is served in (`precision:` of a workload or pool; src/gpu/precision.ts):
 * transformer-layer weights in BF16, FP8 (E4M3) or INT4 (AWQ/GPTQ, group size 128), and the
 * KV cache in BF16 or FP8.
 */
export interface Precision {
  readonly weights: 'bf16' | 'fp8' | 'int4';
  readonly kvCache: 'bf16' | 'fp8';
}

/** A model architecture (catalog entry or inline) and the precision it is served in. */
export interface ModelSpec {
  readonly name: string;
  /** Total parameters (not billions). */
  readonly params: number;
  /** Parameters touched per token (equal to `params` for dense models). */
  readonly activeParams: number;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly mlpSize: number;
  readonly vocabSize: number;
  /** Bytes per parameter as stored (2 for the BF16 catalog models); quantization shrinks the layer weights. */
  readonly bytesPerParam: number;
  readonly precision: Precision;
  /** MoE: experts per layer and experts used per token; 1 and 1 for dense models. */
  readonly experts: number;
  readonly expertsPerToken: number;
  /** Longest context (prompt + output) it serves, tokens (config.json max_position_embeddings), or null when not given. */
  readonly contextTokens: number | null;
  readonly source: string;
}

/** A GPU (catalog entry or inline). */
export interface GpuSpec {
  readonly name: string;
  readonly memoryGb: number;
  readonly bf16Tflops: number;
  readonly fp8Tflops: number | null;
  readonly bandwidthTbps: number;
  readonly tdpW: number;
  readonly idleW: number;
  /** On-demand USD per GPU-hour. */
  readonly pricePerHour: number;
  /** Interconnect between GPUs of one node, GB/s per GPU; null for PCIe-only parts. */
  readonly interconnectGbps: number | null;
  /** Efficiency factors given inline (`gpu.efficiency`), over the family's; see gpu/efficiency.ts. */
  readonly efficiency?: import('../gpu/efficiency.js').GpuEfficiency | null;
  readonly priceSource: string;
  readonly priceDate: string;
  readonly source: string;
}

/** Measured linear step-time model (`perf:` in a workload). Seconds. */
export interface PerfSpec {
  readonly prefill: { readonly baseS: number; readonly perTokenS: number };
  readonly decode: { readonly baseS: number; readonly perSeqS: number; readonly perKvTokenS: number };
}

export type PricingKind = 'on_demand' | 'spot' | 'reserved';

export interface PricingSpec {
  /** Reserved base: `gpus` GPUs billed every hour at this price, used or not. */
  readonly reserved: { readonly gpus: number; readonly pricePerHour: number } | null;
  /** What GPUs beyond the reserved base cost, and of which kind they are. */
  readonly onTop: { readonly kind: PricingKind | 'custom'; readonly pricePerHour: number };
  readonly spot: {
    readonly pricePerHour: number;
    readonly interruptionsPerHour: number;
    readonly noticeS: number;
  } | null;
}

export interface AutoscaleSpec {
  readonly schedule: readonly number[] | null;
  readonly min: number;
  readonly max: number;
  readonly metric: 'queue_time' | 'utilization';
  readonly target: number;
  readonly provisioningS: number;
  readonly cooldownS: number;
}

/** One fleet of identical replicas serving a set of classes. */
export interface PoolSpec {
  readonly name: string;
  readonly model: ModelSpec;
  readonly gpu: GpuSpec;
  readonly gpus: number;
  readonly gpusPerReplica: number;
  /** floor(gpus / gpusPerReplica). */
  readonly replicas: number;
  /** Names of the classes routed here. */
  readonly serves: readonly string[];
  readonly pricing: PricingSpec;
  readonly billing: 'per_second' | 'per_hour';
  readonly autoscale: AutoscaleSpec | null;
  readonly failures: { readonly mtbfS: number; readonly repairS: number } | null;
  readonly spares: number;
  /**
   * Disaggregated prefill and decode (`disaggregation:`): the pool's requests prefill on the
   * prefill role's replicas and decode on the decode role's. Absent for an aggregated pool. The
   * pool's own `gpus` is then the sum of both roles', `replicas` likewise, and `gpu`,
   * `gpusPerReplica` are the decode role's.
   */
  readonly disaggregation?: DisaggregationSpec;
}

/**
 * One role of a disaggregated pool: a fleet of its own (named `<pool>.prefill`, `<pool>.decode`),
 * billed, autoscaled, failed and reported separately, with the pool's model, pricing and billing.
 */
export interface RoleSpec extends PoolSpec {
  readonly role: 'prefill' | 'decode';
  /** The iteration token budget of this role's replicas (`max_batch_tokens`). */
  readonly maxBatchTokens: number;
}

/** `disaggregation:` of a fleet or pool (src/serving/KvLink.ts for the transfer model). */
export interface DisaggregationSpec {
  readonly prefill: RoleSpec;
  readonly decode: RoleSpec;
  /** Each prefill replica's link: bytes per second, and the latency added to every transfer. */
  readonly kvTransfer: { readonly bandwidthBytesPerS: number; readonly latencyS: number };
}

/**
 * Speculative decoding (`serving.speculative`, src/serving/SpeculativeDecoder.ts): every decode
 * step of a sequence drafts `tokens` tokens (with `draftModel`, or a prompt-lookup n-gram match)
 * and verifies them in one target pass; accepted drafts per step follow the geometric model with
 * rate `acceptance` (user-supplied: it depends on the data).
 */
export interface SpeculativeSpec {
  readonly method: 'draft' | 'ngram';
  /** method draft: the draft model (BF16), served on the same GPUs; null for ngram. */
  readonly draftModel: ModelSpec | null;
  /** Draft tokens per step, k. */
  readonly tokens: number;
  /** Probability that each draft token is accepted (given the ones before it were), 0..1. */
  readonly acceptance: number;
}

export interface ServingSpec {
  readonly batching: 'continuous' | 'static';
  readonly maxBatchSize: number;
  readonly maxBatchTokens: number;
  readonly batchWindowS: number;
  readonly router: 'least_loaded' | 'round_robin' | 'random' | 'prefix_affinity' | 'shared_queue' | 'session_affinity';
  /** `serving.affinity_weight`: prefix_affinity's load weight (default AFFINITY_WEIGHT, 0.05), present only when set. */
  readonly affinityWeight?: number;
  /**
   * `session_affinity`: a turn goes to the replica of its session's previous turn unless that
   * replica's load exceeds the least loaded one's by more than this many requests. Present only
   * when the workload sets it (default AFFINITY_SLACK_DEFAULT, routing/sessionAffinity.ts).
   */
  readonly affinitySlack?: number;
  readonly maxQueueTimeS: number;
  /** Fraction of GPU memory usable for weights + KV cache (vLLM's gpu_memory_utilization). */
  readonly gpuMemoryUtilization: number;
  /**
   * `chunked_prefill`: prompts are chunked into iterations alongside decodes (vLLM V1,
   * Sarathi-Serve); `prefill_first`: a waiting prompt's prefill runs as its own iteration and
   * decodes wait (vLLM V0 without chunked prefill, TGI-style servers).
   */
  readonly scheduler: 'chunked_prefill' | 'prefill_first';
  /** Host time outside the GPU: see docs/gpu-model.md "Host overheads". Seconds. */
  readonly overhead: {
    /** Front-end time per request (HTTP, tokenisation, first stream chunk), before it reaches the engine. */
    readonly perRequestS: number;
    /** Scheduler/host time added to every iteration of the roofline step model. */
    readonly perIterationS: number;
    /** Iterations between computing a token and the client receiving it (continuous batching). */
    readonly outputIterations: number;
  };
  readonly speculative: SpeculativeSpec | null;
  // Batcher tuning, present only when the workload sets it (so the manifests of workloads that
  // leave the defaults are unchanged); the defaults are the constants named below.
  /** `serving.kv_watermark`: fraction of KV memory admission keeps free for decode growth (default KV_WATERMARK, 0.01). */
  readonly kvWatermark?: number;
  /** `serving.batch_prefill_chunk`: most prompt tokens of a batch-class request per iteration (default BATCH_PREFILL_CHUNK, 512). */
  readonly batchPrefillChunk?: number;
  /** `serving.batch_slots`: most batch-class requests running from one queue at once (default BATCH_SLOTS, 2). */
  readonly batchSlots?: number;
}

export type TraceFormat = 'azure' | 'mooncake' | 'vidur' | 'burstgpt' | 'csv';

export interface TraceSpec {
  /** Absolute path (resolved against the workload file's folder). */
  readonly file: string;
  readonly format: TraceFormat;
  readonly speedup: number;
  readonly loop: boolean;
  /** Window of the trace to replay, seconds from its first row; null = all. */
  readonly startS: number | null;
  readonly endS: number | null;
  /** `csv` format: column names. */
  readonly columns: {
    readonly time: string;
    readonly timeUnit: 's' | 'ms' | 'us';
    readonly prompt: string;
    readonly output: string;
    readonly class: string | null;
  } | null;
  /** Trace column whose value names the class, or null: every row goes to `defaultClass`. */
  readonly classColumn: string | null;
  readonly classMap: Readonly<Record<string, string>> | null;
  readonly defaultClass: string;
  /** `skip_bad_rows: true` (or `--skip-bad-rows`): malformed rows are skipped and counted; absent otherwise. */
  readonly skipBadRows?: true;
  /** `block_tokens`: tokens per KV block of the rows' `hash_ids` (default HASH_BLOCK_TOKENS, 512, Mooncake's); absent when not set. */
  readonly blockTokens?: number;
}

export interface TrafficSpec {
  /** Mean arrivals per second over the horizon. */
  readonly ratePerS: number;
  readonly arrival: 'poisson' | 'gamma' | 'trace' | 'closed';
  /**
   * Closed loop: concurrent users (scaled per hour by the profiles and growth), else 0. With a
   * population per class (`ClassSpec.users`), their sum.
   */
  readonly users: number;
  /** Closed loop: each user's pause between its answer and its next request; null when open. */
  readonly thinkTime: ThinkTime | null;
  /** Gamma: coefficient of variation of the gaps. */
  readonly burstiness: number;
  /** 24 weights normalised to mean 1, or null for a flat day. */
  readonly dailyProfile: readonly number[] | null;
  /** 7 weights (Monday first; hour 0 of the run is Monday 00:00) normalised to mean 1, or null. */
  readonly weeklyProfile: readonly number[] | null;
  /** Compound growth of the arrival rate: x (1 + rate) every `perS` seconds, or null. */
  readonly growth: { readonly perS: number; readonly rate: number } | null;
  readonly trace: TraceSpec | null;
}

export interface ResponseCacheSpec {
  /** Fixed hit probability, or null when the popularity model is used. */
  readonly hitRate: number | null;
  readonly latencyS: number;
  /** Popularity model: distinct prompts, Zipf exponent, LRU entries, TTL. */
  readonly distinct: number | null;
  readonly zipf: number | null;
  readonly capacity: number | null;
  readonly ttlS: number | null;
  readonly pricePerHour: number;
  readonly pricePerLookup: number;
}

export interface ApiSpec {
  readonly name: string;
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
  readonly ttftS: number;
  readonly tokensPerSecond: number;
  /** 'overflow', 'all', or a list of class names. */
  readonly useFor: 'overflow' | 'all' | readonly string[];
  /** Coefficient of variation of the TTFT and generation-time factors (0: fixed latency). */
  readonly jitter: number;
  /** Quota of the hosted API, or null for none (see levers/apiBackend.ts). */
  readonly rateLimit: {
    readonly requestsPerMinute: number | null;
    readonly tokensPerMinute: number | null;
    /** Over the quota: wait for it (up to the request's queue-time limit), or be dropped. */
    readonly onLimit: 'wait' | 'drop';
  } | null;
  /** `use_for: overflow`: spill when the estimated wait exceeds this fraction of the TTFT limit. */
  readonly overflowThreshold: number;
}

export interface CostSpec {
  readonly electricityPerKwh: number;
  readonly pue: number;
  /** USD per hour by name (monitoring, vector_db, storage, engineering, ...). */
  readonly hourly: Readonly<Record<string, number>>;
  /** USD per request by name (logging, ...). */
  readonly perRequest: Readonly<Record<string, number>>;
  /** USD per hour from amortized one-off costs, by name. */
  readonly amortizedPerHour: Readonly<Record<string, number>>;
  /**
   * Storage that grows with traffic (logs, embeddings): `initialGb` plus `bytesPerRequest` per
   * arrival, billed at `pricePerGbMonth` (a month = 730 h) for the GB held each hour.
   */
  readonly storage: { readonly bytesPerRequest: number; readonly pricePerGbMonth: number; readonly initialGb: number } | null;
}

export interface Scenario {
  readonly name: string;
  readonly seed: number;
  /**
   * Horizon for arrivals, seconds; in-flight requests then drain.
   * null: a trace replay without `duration` runs until the trace ends.
   */
  readonly durationS: number | null;
  readonly traffic: TrafficSpec;
  readonly classes: readonly ClassSpec[];
  /** Self-hosted fleets. Top-level model/gpu/fleet resolve to one pool named "default". */
  readonly pools: readonly PoolSpec[];
  readonly serving: ServingSpec;
  readonly perf: PerfSpec | null;
  readonly cache: { readonly response: ResponseCacheSpec | null; readonly prefix: boolean };
  readonly api: ApiSpec | null;
  readonly costs: CostSpec;
  /** The workload file, or null when built in memory. */
  readonly sourceFile: string | null;
}
