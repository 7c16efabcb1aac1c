/**
 * Stage 3 and 4 of loading a workload: applies every default and the rules that involve several
 * keys, and builds the `Scenario`. The input has passed the schema (schema.ts); every problem
 * found here is added to `problems` and the returned scenario is then not to be used.
 * The defaults are listed in docs/workload.md.
 */
import { apiNames, findApi } from '../catalog/catalog.js';
import type { Problems } from './problems.js';
import { resolvePools } from './resolvePools.js';
import { resolveSpeculative } from './resolveSpeculative.js';
import { resolveTokenDist } from './resolveTokenDist.js';
import { resolveDurationS, resolveTraffic, thinkTimeOf } from './resolveTraffic.js';
import type { ClassDoc, WorkloadDoc } from './schema.js';
import type { ApiSpec, ClassSpec, CostSpec, ResponseCacheSpec, Scenario, ServingSpec } from './scenario.js';
import { closest, didYouMean } from './suggest.js';

export const DEFAULT_SEED = 1;

export const SERVING_DEFAULTS: ServingSpec = {
  batching: 'continuous',
  maxBatchSize: 256,
  maxBatchTokens: 8192,
  batchWindowS: 0.02,
  router: 'least_loaded',
  maxQueueTimeS: 60,
  gpuMemoryUtilization: 0.9,
  scheduler: 'chunked_prefill',
  // Host time outside the GPU, fitted on the 16 `fit` runs of the fidelity table (vLLM v0.15.1,
  // H100 SXM, OpenAI-compatible HTTP server; docs/gpu-model.md "Host overheads") with the H100
  // factors of catalog/efficiency.yaml. The fidelity table replays its cases with these values.
  // A workload turns them off with serving.overhead: {per_request: 0, per_iteration: 0, output_iterations: 0}.
  overhead: { perRequestS: 0.0104, perIterationS: 0.00048, outputIterations: 1 },
  speculative: null,
};

export const API_DEFAULTS = { name: 'custom-api', ttftS: 0.5, tokensPerSecond: 90, useFor: 'overflow', overflowThreshold: 0.5 } as const;

export const RESPONSE_CACHE_DEFAULTS = { latencyS: 0.005, zipf: 1, pricePerHour: 0, pricePerLookup: 0 } as const;

export const COST_DEFAULTS = { electricityPerKwh: 0.12, pue: 1.3 } as const;

export interface ResolveContext {
  /** Absolute path of the workload file (Scenario.sourceFile), or null. */
  readonly sourceFile: string | null;
  /** Folder that relative paths (traces, empirical distributions) are resolved against. */
  readonly folder: string;
  /** Name when the document has none (the file's base name). */
  readonly defaultName: string;
}

export function resolveScenario(doc: WorkloadDoc, ctx: ResolveContext, problems: Problems): Scenario {
  const classNames = doc.classes.map((c) => c.name);
  const traffic = resolveTraffic(doc, { classNames, folder: ctx.folder }, problems);
  const classes = resolveClasses(doc.classes, traffic.trace !== null, ctx.folder, problems);
  const base = resolveServing(doc, problems);
  const serving: ServingSpec = { ...base, speculative: resolveSpeculative(doc, base, problems) };
  const api = resolveApi(doc, classNames, problems);
  const apiServes = new Set(api === null ? [] : api.useFor === 'all' ? classNames : api.useFor === 'overflow' ? [] : api.useFor);
  const pools = resolvePools(doc, {
    classNames,
    apiServes,
    gpuMemoryUtilization: serving.gpuMemoryUtilization,
    draftModel: serving.speculative?.draftModel ?? null,
    batching: serving.batching,
    maxBatchSize: serving.maxBatchSize,
    maxBatchTokens: serving.maxBatchTokens,
  }, problems);
  classes.forEach((c, i) => {
    const model = c.session === undefined ? undefined : pools.find((p) => p.serves.includes(c.name))?.model;
    if (model !== undefined && model.contextTokens === null) {
      problems.add(['classes', i, 'session'], `needs the context length of model '${model.name}' to cut long conversations: add context_length to the inline model`);
    }
  });
  return {
    name: doc.name ?? ctx.defaultName,
    seed: doc.seed ?? DEFAULT_SEED,
    durationS: resolveDurationS(doc),
    traffic,
    classes,
    pools,
    serving,
    perf: doc.perf
      ? {
          prefill: { baseS: doc.perf.prefill.base, perTokenS: doc.perf.prefill.per_token },
          decode: { baseS: doc.perf.decode.base, perSeqS: doc.perf.decode.per_seq, perKvTokenS: doc.perf.decode.per_kv_token },
        }
      : null,
    cache: { response: resolveResponseCache(doc, problems), prefix: doc.cache?.prefix ?? false },
    api,
    costs: resolveCosts(doc),
    sourceFile: ctx.sourceFile,
  };
}

function resolveClasses(docs: readonly ClassDoc[], traced: boolean, folder: string, problems: Problems): ClassSpec[] {
  const firstIndex = new Map<string, number>();
  const totalWeight = docs.reduce((sum, c) => sum + (c.weight ?? 1), 0);
  return docs.map((c, i) => {
    const at = ['classes', i] as const;
    const previous = firstIndex.get(c.name);
    if (previous !== undefined) problems.add([...at, 'name'], `duplicate class name '${c.name}' (also classes[${previous}])`);
    else firstIndex.set(c.name, i);

    const dist = (key: 'prompt_tokens' | 'output_tokens') => {
      const value = c[key];
      if (value !== undefined) return resolveTokenDist(value, [...at, key], folder, problems);
      if (!traced) problems.add([...at, key], 'is required: a token count or a distribution (only a trace supplies its own)');
      return null;
    };
    const priority = c.priority ?? 'interactive';
    if (priority === 'batch' && c.deadline === undefined) {
      problems.add([...at, 'deadline'], 'is required for priority: batch (e.g. deadline: 12h): it is the SLO of a batch class');
    }
    if (priority === 'interactive' && c.deadline !== undefined) {
      problems.add([...at, 'deadline'], 'applies only to priority: batch; interactive classes use slo: {ttft, tpot, e2e}');
    }
    if (c.session !== undefined && traced) {
      problems.add([...at, 'session'], 'applies to synthetic traffic only: a trace replay supplies single requests, not conversations');
    }
    if (priority === 'batch' && c.slo !== undefined) {
      problems.add([...at, 'slo'], 'does not apply to priority: batch; its SLO is the deadline');
    }
    return {
      name: c.name,
      weight: (c.weight ?? 1) / totalWeight,
      promptTokens: dist('prompt_tokens'),
      outputTokens: dist('output_tokens'),
      sharedPrefixTokens: c.shared_prefix_tokens ?? 0,
      slo: { ttftS: c.slo?.ttft ?? null, tpotS: c.slo?.tpot ?? null, e2eS: c.slo?.e2e ?? null },
      priority,
      deadlineS: c.deadline ?? null,
      retrieval: c.retrieval
        ? {
            latencyS: c.retrieval.latency ?? 0,
            addedTokens: c.retrieval.added_tokens ?? 0,
            costPerQuery: c.retrieval.cost_per_query ?? 0,
          }
        : null,
      promptCompression: typeof c.prompt_compression === 'object' ? c.prompt_compression.fraction : (c.prompt_compression ?? 0),
      compressionLatencyS: typeof c.prompt_compression === 'object' ? (c.prompt_compression.latency ?? 0) : 0,
      // Closed loop only (resolveTraffic checks it); absent otherwise, so other scenarios keep their shape.
      ...(c.users !== undefined ? { users: c.users } : {}),
      ...(c.think_time !== undefined ? { thinkTime: thinkTimeOf(c.think_time) } : {}),
      ...(c.session
        ? { session: { turns: resolveTokenDist(c.session.turns, [...at, 'session', 'turns'], folder, problems), thinkTime: thinkTimeOf(c.session.think_time) } }
        : {}),
    };
  });
}

function resolveServing(doc: WorkloadDoc, problems: Problems): Omit<ServingSpec, 'speculative'> {
  const s = doc.serving ?? {};
  const d = SERVING_DEFAULTS;
  const batching = s.batching ?? d.batching;
  const maxBatchSize = s.max_batch_size ?? d.maxBatchSize;
  const maxBatchTokens = s.max_batch_tokens ?? d.maxBatchTokens;
  if (batching === 'continuous' && maxBatchTokens < maxBatchSize) {
    const why = 'every decoding sequence needs a token of the iteration budget (continuous batching)';
    if (s.max_batch_tokens !== undefined) {
      problems.add(['serving', 'max_batch_tokens'], `must be at least serving.max_batch_size (${maxBatchSize}), got ${maxBatchTokens}: ${why}`);
    } else {
      problems.add(['serving', 'max_batch_size'], `must be at most serving.max_batch_tokens (${maxBatchTokens}, the default), got ${maxBatchSize}: ${why}`);
    }
  }
  return {
    batching: s.batching ?? d.batching,
    maxBatchSize: s.max_batch_size ?? d.maxBatchSize,
    maxBatchTokens: s.max_batch_tokens ?? d.maxBatchTokens,
    batchWindowS: s.batch_window ?? d.batchWindowS,
    router: s.router ?? d.router,
    ...(s.affinity_slack !== undefined ? { affinitySlack: s.affinity_slack } : {}),
    maxQueueTimeS: s.max_queue_time ?? d.maxQueueTimeS,
    gpuMemoryUtilization: s.gpu_memory_utilization ?? d.gpuMemoryUtilization,
    scheduler: s.scheduler ?? d.scheduler,
    overhead: {
      perRequestS: s.overhead?.per_request ?? d.overhead.perRequestS,
      perIterationS: s.overhead?.per_iteration ?? d.overhead.perIterationS,
      outputIterations: s.overhead?.output_iterations ?? d.overhead.outputIterations,
    },
    // Absent unless given: the defaults live with the code that uses them (KvMemory,
    // ContinuousReplica, RequestQueue), and a workload that leaves them keeps its manifest.
    ...(s.kv_watermark !== undefined ? { kvWatermark: s.kv_watermark } : {}),
    ...(s.affinity_weight !== undefined ? { affinityWeight: s.affinity_weight } : {}),
    ...(s.batch_prefill_chunk !== undefined ? { batchPrefillChunk: s.batch_prefill_chunk } : {}),
    ...(s.batch_slots !== undefined ? { batchSlots: s.batch_slots } : {}),
  };
}

function resolveResponseCache(doc: WorkloadDoc, problems: Problems): ResponseCacheSpec | null {
  const r = doc.cache?.response;
  if (!r) return null;
  const at = ['cache', 'response'] as const;
  const popularity = r.distinct !== undefined || r.zipf !== undefined || r.capacity !== undefined || r.ttl !== undefined;
  if (r.hit_rate !== undefined && popularity) {
    problems.add(at, 'give either hit_rate or the popularity model (distinct, zipf, capacity, ttl), not both');
  } else if (r.hit_rate === undefined && !popularity) {
    problems.add(at, 'needs hit_rate (e.g. 0.1) or the popularity model (distinct, zipf, capacity, ttl)');
  } else if (popularity && r.distinct === undefined) {
    problems.add([...at, 'distinct'], 'is required by the popularity model: how many distinct prompts there are');
  }
  return {
    hitRate: r.hit_rate ?? null,
    latencyS: r.latency ?? RESPONSE_CACHE_DEFAULTS.latencyS,
    distinct: r.distinct ?? null,
    zipf: popularity ? (r.zipf ?? RESPONSE_CACHE_DEFAULTS.zipf) : null,
    capacity: r.capacity ?? null,
    ttlS: r.ttl ?? null,
    pricePerHour: r.price_per_hour ?? RESPONSE_CACHE_DEFAULTS.pricePerHour,
    pricePerLookup: r.price_per_lookup ?? RESPONSE_CACHE_DEFAULTS.pricePerLookup,
  };
}

function resolveApi(doc: WorkloadDoc, classNames: readonly string[], problems: Problems): ApiSpec | null {
  const a = doc.api;
  if (!a) return null;
  const entry = a.name !== undefined ? findApi(a.name) : undefined;
  const pricesGiven = a.input_per_million !== undefined && a.output_per_million !== undefined;
  if (a.name !== undefined && !entry && !pricesGiven) {
    const near = closest(a.name, apiNames(), 3);
    const hint = near.length > 0 ? `did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?` : `the catalog has ${apiNames().join(', ')}`;
    problems.add(['api', 'name'], `unknown hosted API '${a.name}'; ${hint} (or give input_per_million and output_per_million)`);
  } else if (a.name === undefined && !pricesGiven) {
    problems.add(['api'], 'needs a catalog name (e.g. name: gpt-4o-mini) or input_per_million and output_per_million');
  }
  const useFor = a.use_for ?? API_DEFAULTS.useFor;
  const limit = a.rate_limit;
  if (limit !== undefined && limit.requests_per_minute === undefined && limit.tokens_per_minute === undefined) {
    problems.add(['api', 'rate_limit'], 'needs requests_per_minute or tokens_per_minute (or both)');
  }
  if (a.overflow_threshold !== undefined && useFor !== 'overflow') {
    problems.add(['api', 'overflow_threshold'], 'applies only to use_for: overflow');
  }
  if (Array.isArray(useFor)) {
    useFor.forEach((name, i) => {
      if (classNames.includes(name)) return;
      const hint = didYouMean(name, classNames);
      problems.add(['api', 'use_for', i], `unknown class '${name}'${hint ? `; ${hint}` : `; the classes are ${classNames.join(', ')}`}`);
    });
  }
  return {
    name: a.name ?? API_DEFAULTS.name,
    inputPerMillion: a.input_per_million ?? entry?.inputPerMillion ?? 0,
    outputPerMillion: a.output_per_million ?? entry?.outputPerMillion ?? 0,
    ttftS: a.ttft ?? entry?.ttftS ?? API_DEFAULTS.ttftS,
    tokensPerSecond: a.tokens_per_second ?? entry?.tokensPerSecond ?? API_DEFAULTS.tokensPerSecond,
    useFor: Array.isArray(useFor) ? [...new Set(useFor)] : useFor,
    jitter: a.jitter ?? 0,
    rateLimit: limit
      ? { requestsPerMinute: limit.requests_per_minute ?? null, tokensPerMinute: limit.tokens_per_minute ?? null, onLimit: limit.on_limit ?? 'wait' }
      : null,
    overflowThreshold: a.overflow_threshold ?? API_DEFAULTS.overflowThreshold,
  };
}

function resolveCosts(doc: WorkloadDoc): CostSpec {
  const c = doc.costs ?? {};
  const amortizedPerHour: Record<string, number> = {};
  for (const [name, item] of Object.entries(c.amortized ?? {})) amortizedPerHour[name] = item.cost / (item.over / 3600);
  return {
    electricityPerKwh: c.electricity_per_kwh ?? COST_DEFAULTS.electricityPerKwh,
    pue: c.pue ?? COST_DEFAULTS.pue,
    hourly: { ...(c.hourly ?? {}) },
    perRequest: { ...(c.per_request ?? {}) },
    amortizedPerHour,
    storage: c.storage
      ? { bytesPerRequest: c.storage.bytes_per_request, pricePerGbMonth: c.storage.price_per_gb_month, initialGb: c.storage.initial_gb ?? 0 }
      : null,
  };
}
