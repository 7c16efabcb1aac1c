/**
 * Self-hosted fleets: top-level `model`/`gpu`/`fleet` (one pool named `default`) or `pools:`.
 * Checks that each class is served by exactly one pool unless the hosted API serves it, that
 * the GPU count splits into whole replicas, and that the model fits on a replica.
 */
import { fitError } from '../gpu/memory.js';
import type { KeyPath } from './path.js';
import type { Problems } from './problems.js';
import { resolveGpu, resolveModel } from './resolveHardware.js';
import { resolvePricing } from './resolvePricing.js';
import type { FleetDoc, GpuDoc, ModelDoc, PrecisionDoc, RoleDoc, WorkloadDoc } from './schema.js';
import type { AutoscaleSpec, ModelSpec, PoolSpec, Precision, RoleSpec } from './scenario.js';
import { DEFAULT_PRECISION } from '../gpu/precision.js';
import { didYouMean } from './suggest.js';
import { parseDuration } from './units.js';

/** Tensor parallelism stays inside one 8-GPU node. */
export const MAX_GPUS_PER_REPLICA = 8;

export const AUTOSCALE_DEFAULTS = {
  metric: 'queue_time',
  queueTimeTargetS: 0.5,
  utilizationTarget: 0.7,
  provisioningS: 180,
  cooldownS: 600,
} as const;

interface PoolDocLike extends FleetDoc {
  readonly model?: ModelDoc;
  readonly gpu?: GpuDoc;
  readonly precision?: PrecisionDoc;
}

export interface PoolContext {
  readonly classNames: readonly string[];
  /** Classes the hosted API serves (use_for: all or a list). */
  readonly apiServes: ReadonlySet<string>;
  readonly gpuMemoryUtilization: number;
  /** Speculative decoding's draft model, which shares every replica's memory; null without one. */
  readonly draftModel: ModelSpec | null;
  /** serving.batching, max_batch_size and max_batch_tokens (disaggregation's roles need them). */
  readonly batching: 'continuous' | 'static';
  readonly maxBatchSize: number;
  readonly maxBatchTokens: number;
}

/** Defaults of `disaggregation.kv_transfer` (docs/workload.md): one 400 Gb/s NIC per prefill replica. */
export const KV_TRANSFER_DEFAULTS = { bandwidthBytesPerS: 50e9, latencyS: 0.001 } as const;

/** The pools of a workload; empty when the hosted API serves everything. */
export function resolvePools(doc: WorkloadDoc, ctx: PoolContext, problems: Problems): PoolSpec[] {
  const topLevel = (['model', 'gpu', 'fleet'] as const).filter((k) => doc[k] !== undefined);
  if (doc.pools) {
    for (const key of topLevel) {
      problems.add([key], 'cannot be used with pools: give each pool its own model, gpu and GPUs');
    }
    return resolvePoolList(doc.pools, doc.precision, ctx, problems);
  }
  const unserved = ctx.classNames.filter((name) => !ctx.apiServes.has(name));
  if (!doc.fleet) {
    if (unserved.length > 0) {
      problems.add(['fleet'], 'is required: give fleet: {gpus: N}, or pools, or api: {use_for: all}');
    } else {
      for (const key of topLevel) problems.add([key], 'has no effect without fleet (the hosted API serves every class)');
      if (doc.precision !== undefined) problems.add(['precision'], 'has no effect without fleet (the hosted API serves every class)');
    }
    return [];
  }
  const pool = resolvePool('default', { ...doc.fleet, model: doc.model, gpu: doc.gpu, precision: doc.precision }, unserved, {
    fleet: ['fleet'],
    model: doc.model !== undefined ? ['model'] : ['fleet'],
    gpu: doc.gpu !== undefined ? ['gpu'] : ['fleet'],
  }, ctx, problems);
  return pool ? [pool] : [];
}

/** Pools; a pool without `precision` takes the workload's top-level `precision`. */
function resolvePoolList(
  pools: NonNullable<WorkloadDoc['pools']>,
  precision: PrecisionDoc | undefined,
  ctx: PoolContext,
  problems: Problems,
): PoolSpec[] {
  const servedBy = new Map<string, string>();
  const names = new Map<string, number>();
  const out: PoolSpec[] = [];
  pools.forEach((p, i) => {
    const at: KeyPath = ['pools', i];
    const previous = names.get(p.name);
    if (previous !== undefined) problems.add([...at, 'name'], `duplicate pool name '${p.name}' (also pools[${previous}])`);
    names.set(p.name, i);
    p.serves.forEach((cls, j) => {
      const where: KeyPath = [...at, 'serves', j];
      if (!ctx.classNames.includes(cls)) {
        const hint = didYouMean(cls, ctx.classNames);
        problems.add(where, `unknown class '${cls}'${hint ? `; ${hint}` : `; the classes are ${ctx.classNames.join(', ')}`}`);
      } else if (servedBy.has(cls) && servedBy.get(cls) !== p.name) {
        problems.add(where, `class '${cls}' is already served by pool '${servedBy.get(cls)}'; a class is served by one pool`);
      } else if (ctx.apiServes.has(cls)) {
        problems.add(where, `class '${cls}' is also in api.use_for; serve it from a pool or the API, not both`);
      } else {
        servedBy.set(cls, p.name);
      }
    });
    const pool = resolvePool(p.name, { ...p, precision: p.precision ?? precision }, [...new Set(p.serves)], {
      fleet: at,
      model: p.model !== undefined ? [...at, 'model'] : at,
      gpu: p.gpu !== undefined ? [...at, 'gpu'] : at,
    }, ctx, problems);
    if (pool) out.push(pool);
  });
  ctx.classNames.forEach((cls, i) => {
    if (!servedBy.has(cls) && !ctx.apiServes.has(cls)) {
      problems.add(['classes', i, 'name'], `class '${cls}' is served by no pool; add it to a pool's serves or to api.use_for`);
    }
  });
  return out;
}

interface PoolPaths {
  readonly fleet: KeyPath;
  readonly model: KeyPath;
  readonly gpu: KeyPath;
}

function resolvePool(
  name: string,
  doc: PoolDocLike,
  serves: readonly string[],
  paths: PoolPaths,
  ctx: PoolContext,
  problems: Problems,
): PoolSpec | null {
  if (doc.disaggregation !== undefined) return resolveDisaggregated(name, doc, serves, paths, ctx, problems);
  const base = resolveModel(doc.model, paths.model, problems);
  const model = base && doc.precision ? { ...base, precision: resolvePrecision(doc.precision) } : base;
  const gpu = resolveGpu(doc.gpu, paths.gpu, problems);
  const gpusPerReplica = doc.gpus_per_replica ?? 1;
  const tpOk = gpusPerReplica <= MAX_GPUS_PER_REPLICA;
  if (!tpOk) {
    problems.add([...paths.fleet, 'gpus_per_replica'], `must be <= ${MAX_GPUS_PER_REPLICA} (tensor parallelism stays inside one node), got ${gpusPerReplica}`);
  }
  const autoscale = doc.autoscale ? resolveAutoscale(doc.autoscale, gpusPerReplica, [...paths.fleet, 'autoscale'], problems) : null;
  const gpus = doc.gpus ?? (autoscale ? (autoscale.schedule?.[0] ?? autoscale.min) : undefined);
  if (gpus === undefined) {
    problems.add([...paths.fleet, 'gpus'], 'is required: the total number of GPUs (e.g. gpus: 8)');
  } else if (gpus % gpusPerReplica !== 0) {
    problems.add([...paths.fleet, 'gpus'], `must be a multiple of gpus_per_replica (${gpusPerReplica}), got ${gpus}`);
  } else if (autoscale?.schedule && doc.gpus !== undefined && gpus !== autoscale.schedule[0]) {
    // A schedule rules from hour 0: a different starting fleet would contradict it.
    problems.add([...paths.fleet, 'gpus'], `must equal autoscale.schedule[0] (${autoscale.schedule[0]}) or be left out: a schedule sets the fleet from hour 0, got ${gpus}`);
  } else if (autoscale && doc.gpus !== undefined && (gpus < autoscale.min || gpus > autoscale.max)) {
    problems.add([...paths.fleet, 'gpus'], `must be within autoscale min..max (${autoscale.min}..${autoscale.max}), got ${gpus}`);
  }
  if (model && gpu && tpOk) {
    // The activation reserve is what vLLM's profiling run at the engine limits needs (gpu/memory.ts).
    const limits = { batchTokens: ctx.maxBatchTokens, batchSeqs: ctx.maxBatchSize };
    const fit = fitError(model, gpu, gpusPerReplica, ctx.gpuMemoryUtilization, ctx.draftModel, limits);
    if (fit) problems.add(paths.model, fit);
  }
  if (!model || !gpu || gpus === undefined) return null;
  const pricing = resolvePricing(doc.pricing, {
    gpu,
    gpus,
    autoscaled: autoscale !== null,
    path: [...paths.fleet, 'pricing'],
    gpuPath: paths.gpu,
  }, problems);
  const { priceKnown, ...gpuSpec } = gpu;
  return {
    name,
    model,
    gpu: priceKnown ? gpuSpec : { ...gpuSpec, pricePerHour: pricing.onTop.pricePerHour },
    gpus,
    gpusPerReplica,
    replicas: Math.floor(gpus / gpusPerReplica),
    serves: [...serves],
    pricing,
    billing: doc.billing ?? 'per_second',
    autoscale,
    failures: doc.failures ? { mtbfS: doc.failures.mtbf, repairS: doc.failures.repair } : null,
    spares: doc.spares ?? 0,
  };
}

/**
 * A disaggregated fleet or pool: each role resolves as a fleet of its own (`<name>.prefill`,
 * `<name>.decode`) with the pool's model, precision, pricing, billing and failures, and its own
 * GPUs, tensor-parallel degree, GPU kind, token budget and autoscaler. The fleet-wide keys that
 * would have to be split between the roles (gpus, gpus_per_replica, autoscale, spares, a
 * reserved base) are refused, as is static batching (the roles hand requests over at the
 * iteration where a prompt's prefill ends).
 */
function resolveDisaggregated(
  name: string,
  doc: PoolDocLike,
  serves: readonly string[],
  paths: PoolPaths,
  ctx: PoolContext,
  problems: Problems,
): PoolSpec | null {
  const d = doc.disaggregation!;
  const at: KeyPath = [...paths.fleet, 'disaggregation'];
  let ok = true;
  for (const key of ['gpus', 'gpus_per_replica', 'autoscale', 'spares'] as const) {
    if (doc[key] === undefined) continue;
    problems.add([...paths.fleet, key], `cannot be used with disaggregation: give it per role, as disaggregation.prefill.${key === 'spares' ? 'gpus' : key} and disaggregation.decode.${key === 'spares' ? 'gpus' : key}${key === 'spares' ? ' (spares are not modelled for disaggregated fleets)' : ''}`);
    ok = false;
  }
  if (typeof doc.pricing === 'object' && doc.pricing.reserved !== undefined) {
    problems.add([...paths.fleet, 'pricing', 'reserved'], 'cannot be used with disaggregation: a reserved base would have to be split between the prefill and decode roles; use on_demand, spot or a price');
    ok = false;
  }
  if (ctx.batching !== 'continuous') {
    problems.add(at, `needs serving.batching: continuous (requests move from prefill to decode replicas at the iteration their prompt ends), got ${ctx.batching}`);
    ok = false;
  }
  // Model and GPU errors once, not once per role.
  if (!resolveModel(doc.model, paths.model, problems)) ok = false;
  if ((d.prefill.gpu === undefined || d.decode.gpu === undefined) && !resolveGpu(doc.gpu, paths.gpu, problems)) ok = false;
  if (!ok) return null;
  const role = (which: 'prefill' | 'decode', r: RoleDoc): RoleSpec | null => {
    const rolePath: KeyPath = [...at, which];
    const spec = resolvePool(`${name}.${which}`, {
      model: doc.model,
      precision: doc.precision,
      gpu: r.gpu ?? doc.gpu,
      gpus: r.gpus,
      gpus_per_replica: r.gpus_per_replica,
      autoscale: r.autoscale,
      pricing: doc.pricing,
      billing: doc.billing,
      failures: doc.failures,
    }, serves, { fleet: rolePath, model: paths.model, gpu: r.gpu !== undefined ? [...rolePath, 'gpu'] : paths.gpu }, { ...ctx, maxBatchTokens: r.max_batch_tokens ?? ctx.maxBatchTokens }, problems);
    const maxBatchTokens = r.max_batch_tokens ?? ctx.maxBatchTokens;
    if (which === 'decode' && maxBatchTokens < ctx.maxBatchSize) {
      problems.add([...rolePath, 'max_batch_tokens'], `must be at least serving.max_batch_size (${ctx.maxBatchSize}), got ${maxBatchTokens}: every decoding sequence needs a token of the iteration budget`);
    }
    return spec === null ? null : { ...spec, role: which, maxBatchTokens };
  };
  const prefill = role('prefill', d.prefill);
  const decode = role('decode', d.decode);
  if (prefill === null || decode === null) return null;
  const { role: _role, maxBatchTokens: _tokens, ...decodeFleet } = decode;
  return {
    ...decodeFleet,
    name,
    gpus: prefill.gpus + decode.gpus,
    replicas: prefill.replicas + decode.replicas,
    autoscale: null,
    disaggregation: {
      prefill,
      decode,
      kvTransfer: {
        bandwidthBytesPerS: d.kv_transfer?.bandwidth ?? KV_TRANSFER_DEFAULTS.bandwidthBytesPerS,
        latencyS: d.kv_transfer?.latency ?? KV_TRANSFER_DEFAULTS.latencyS,
      },
    },
  };
}

function resolvePrecision(doc: PrecisionDoc): Precision {
  return { weights: doc.weights ?? DEFAULT_PRECISION.weights, kvCache: doc.kv_cache ?? DEFAULT_PRECISION.kvCache };
}

function resolveAutoscale(
  doc: NonNullable<FleetDoc['autoscale']>,
  gpusPerReplica: number,
  path: KeyPath,
  problems: Problems,
): AutoscaleSpec {
  const schedule = doc.schedule ?? null;
  const min = doc.min ?? (schedule ? Math.min(...schedule) : gpusPerReplica);
  const max = doc.max ?? (schedule ? Math.max(...schedule) : undefined);
  if (max === undefined) problems.add([...path, 'max'], 'is required: the most GPUs the autoscaler may run (or give a schedule)');
  else if (min > max) problems.add([...path, 'min'], `must be <= max (${max}), got ${min}`);
  for (const [key, value] of [['min', min], ['max', max]] as const) {
    if (value !== undefined && value % gpusPerReplica !== 0) {
      problems.add([...path, key], `must be a multiple of gpus_per_replica (${gpusPerReplica}), got ${value}`);
    }
  }
  schedule?.forEach((count, hour) => {
    if (count % gpusPerReplica !== 0) {
      problems.add([...path, 'schedule', hour], `must be a multiple of gpus_per_replica (${gpusPerReplica}), got ${count}`);
    }
  });
  const metric = doc.metric ?? AUTOSCALE_DEFAULTS.metric;
  return {
    schedule,
    min,
    max: max ?? min,
    metric,
    target: autoscaleTarget(metric, doc.target, [...path, 'target'], problems),
    provisioningS: doc.provisioning ?? AUTOSCALE_DEFAULTS.provisioningS,
    cooldownS: doc.cooldown ?? AUTOSCALE_DEFAULTS.cooldownS,
  };
}

/** queue_time: a duration in seconds (> 0); utilization: a fraction in (0, 1]. */
function autoscaleTarget(metric: 'queue_time' | 'utilization', target: number | string | undefined, path: KeyPath, problems: Problems): number {
  if (metric === 'utilization') {
    if (target === undefined) return AUTOSCALE_DEFAULTS.utilizationTarget;
    if (typeof target !== 'number' || !(target > 0 && target <= 1)) {
      problems.add(path, `with metric utilization, must be a fraction in (0, 1], got ${JSON.stringify(target)}`);
    }
    return typeof target === 'number' ? target : 0;
  }
  if (target === undefined) return AUTOSCALE_DEFAULTS.queueTimeTargetS;
  const parsed = parseDuration(target);
  if (!parsed.ok) problems.add(path, parsed.message);
  else if (parsed.value <= 0) problems.add(path, `must be > 0, got ${String(target)}`);
  return parsed.ok ? parsed.value : 0;
}
