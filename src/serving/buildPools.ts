import type { PoolSpec, RoleSpec, Scenario } from '../workload/scenario.js';
import type { Simulation } from '../engine/Simulation.js';
import type { DropReason, Outcome } from '../metrics/HourlyMetrics.js';
import { FleetWork } from '../metrics/FleetWork.js';
import { stream } from '../random/streams.js';
import { linearStepModel } from '../gpu/linear.js';
import { rooflineStepModel } from '../gpu/roofline.js';
import { factorsFor } from '../gpu/efficiency.js';
import { kvBytesPerToken, kvCapacityTokens } from '../gpu/memory.js';
import { iterationWork } from '../gpu/iterationWork.js';
import { Pool, type PoolSetup } from './Pool.js';
import { HASH_BLOCK_TOKENS } from './PrefixCache.js';
import { KvLink } from './KvLink.js';
import { PRIORITY, type ReplicaRole } from './Replica.js';
import type { Request } from './request.js';
import type { StepModel } from './stepModel.js';
import type { SpeculativeSetup } from './SpeculativeDecoder.js';

/** How a request's life ends, as the run records it (metrics, closed-loop users, test hooks). */
export type EndRequest = (request: Request, outcome: Outcome, reason?: DropReason) => void;

/**
 * One fleet that is billed, autoscaled and failed on its own: an aggregated pool, or one role of
 * a disaggregated pool.
 */
export interface FleetUnit {
  readonly pool: Pool;
  /** Index into `scenario.pools` of the pool it belongs to. */
  readonly poolIndex: number;
  /** null for an aggregated pool. */
  readonly role: 'prefill' | 'decode' | null;
}

/** The scenario's pools, with the per-fleet accounting the results are built from. */
export interface BuiltPools {
  /** Per `scenario.pools` entry: the Pool its requests enter (a disaggregated pool's prefill role). */
  readonly pools: Pool[];
  /** Every fleet: one per aggregated pool, two per disaggregated one (prefill then decode). */
  readonly units: FleetUnit[];
  /** Per unit: GPU-busy seconds by hour (GPU-seconds, summed over replicas). */
  readonly busyByUnit: Float64Array[];
  /** Per unit: FLOPs, bytes, sequences and KV held over time (mfu, mbu, batch size, KV use). */
  readonly workByUnit: FleetWork[];
  /** Per `scenario.pools` entry: its KV links (disaggregated pools), else null. */
  readonly links: (KvLink | null)[];
}

/** The step-time model of a pool: the workload's measured `perf` block, else the roofline model. */
export function stepModelFor(scenario: Scenario, pool: PoolSpec): StepModel {
  if (scenario.perf) return linearStepModel(scenario.perf);
  const factors = factorsFor(pool.gpu);
  const iterationOverheadS = factors.iterationOverheadS + scenario.serving.overhead.perIterationS;
  return rooflineStepModel(pool.model, pool.gpu, pool.gpusPerReplica, { ...factors, iterationOverheadS });
}

/**
 * Builds one Pool per `scenario.pools` entry, or two for a disaggregated one (its prefill and
 * decode roles, each a fleet of its own), each with its step model, KV capacity, router stream
 * (`router:<pool>`, `router:<pool>.prefill`, ...) and speculative setup (decode replicas only),
 * and wires its listener: a completed request ends as `gpu`, a dropped one as `dropped` (with its
 * reason), busy time and iteration work go to the fleet's hourly accounting (up to the horizon).
 * A prefill role's request that finished its prompt crosses its replica's KV link (KvLink.ts) and
 * joins the decode role's pool when its KV arrives.
 */
export function buildPools(
  scenario: Scenario,
  sim: Simulation,
  hours: number,
  horizonS: number,
  options: { fastForward: boolean; checkInvariants: boolean },
  end: EndRequest,
): BuiltPools {
  const seed = scenario.seed;
  const units: FleetUnit[] = [];
  const busyByUnit: Float64Array[] = [];
  const workByUnit: FleetWork[] = [];
  const links: (KvLink | null)[] = [];
  const build = (spec: PoolSpec, poolIndex: number, role: ReplicaRole, prefilled?: (r: Request, replica: number) => void): Pool => {
    const decodes = role !== 'prefill';
    const speculative = decodes ? speculativeSetup(scenario, spec, seed) : null;
    const serving = role === 'both' ? scenario.serving : { ...scenario.serving, maxBatchTokens: (spec as RoleSpec).maxBatchTokens };
    // The KV cache is what is left after vLLM's profiling run at this pool's engine limits (gpu/memory.ts).
    const capacity = kvCapacityTokens(
      spec.model, spec.gpu, spec.gpusPerReplica, serving.gpuMemoryUtilization, decodes ? (serving.speculative?.draftModel ?? null) : null,
      { batchTokens: serving.maxBatchTokens, batchSeqs: serving.maxBatchSize },
    );
    const busy = new Float64Array(hours);
    const peaks = iterationWork(spec.model, spec.gpu, spec.gpusPerReplica);
    const work = new FleetWork(hours, horizonS, peaks.peakFlopsPerGpu, peaks.peakBytesPerGpu, capacity);
    const setup: PoolSetup = {
      serving,
      stepModel: stepModelFor(scenario, spec),
      kvCapacityTokens: capacity,
      routerStream: stream(seed, `router:${spec.name}`),
      fastForward: options.fastForward,
      // A decode replica receives whole contexts: it reuses no prefix.
      prefixCache: role === 'decode' ? false : scenario.cache.prefix,
      hashBlockTokens: scenario.traffic.trace?.blockTokens ?? HASH_BLOCK_TOKENS,
      speculative,
      checkInvariants: options.checkInvariants,
      role,
    };
    const pool = new Pool(spec, sim, setup, {
      completed: (r) => end(r, 'gpu'),
      // Replicas drop a waiting request past its queue-time limit on its first admission,
      // else one that cannot fit in an empty replica's KV memory (ContinuousReplica,
      // StaticReplica): the same test tells the two apart here.
      dropped: (r) => end(r, 'dropped', Number.isNaN(r.startedAt) && sim.now - r.queuedAt > r.maxQueueS ? 'queue_time' : 'kv_memory'),
      busy: (gpus, s, e) => splitByHour(busy, gpus, s, Math.min(e, horizonS)),
      ran: (s, e, flops, bytes, seqS, kvS) => work.add(s, e, flops, bytes, seqS, kvS),
      workCutAfter: (t) => work.cutAfter(t),
      prefilled,
    });
    units.push({ pool, poolIndex, role: role === 'both' ? null : role });
    busyByUnit.push(busy);
    workByUnit.push(work);
    return pool;
  };
  const pools = scenario.pools.map((spec, p) => {
    const d = spec.disaggregation;
    if (d === undefined) {
      links.push(null);
      return build(spec, p, 'both');
    }
    const link = new KvLink(d.kvTransfer.bandwidthBytesPerS, d.kvTransfer.latencyS, kvBytesPerToken(spec.model));
    links.push(link);
    let decode: Pool | null = null;
    const prefill = build(d.prefill, p, 'prefill', (r, replica) => {
      const arrival = link.send(replica, r.prefillTarget, sim.now);
      sim.at(arrival, () => {
        r.transferredAt = sim.now;
        (decode as Pool).enqueue(r, sim.now);
      }, PRIORITY.arrival);
    });
    decode = build(d.decode, p, 'decode');
    return prefill;
  });
  return { pools, units, busyByUnit, workByUnit, links };
}

/**
 * Speculative decoding's setup for a pool: the target's step model, the draft model's (the
 * roofline on the pool's GPUs and tensor-parallel degree, with the GPU's efficiency factors; the
 * per-iteration host time is the target step's), and one named stream per replica.
 */
function speculativeSetup(scenario: Scenario, pool: PoolSpec, seed: number): SpeculativeSetup | null {
  const s = scenario.serving.speculative;
  if (s === null) return null;
  return {
    tokens: s.tokens,
    acceptance: s.acceptance,
    target: stepModelFor(scenario, pool),
    draft: s.draftModel ? rooflineStepModel(s.draftModel, pool.gpu, pool.gpusPerReplica, factorsFor(pool.gpu)) : null,
    streamFor: (replica) => stream(seed, `speculative:${pool.name}:${replica}`),
  };
}

/** Adds GPU-busy time over [startS, endS) for `gpus` GPUs to the hours it falls in. */
function splitByHour(into: Float64Array, gpus: number, startS: number, endS: number): void {
  let s = startS;
  while (s < endS) {
    const hour = Math.floor(s / 3600);
    const hourEnd = Math.min(endS, (hour + 1) * 3600);
    into[hour] += (hourEnd - s) * gpus;
    s = hourEnd;
  }
}
