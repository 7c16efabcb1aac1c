import type { PoolSpec, Scenario } from '../workload/scenario.js';
import type { Simulation } from '../engine/Simulation.js';
import type { DropReason, Outcome } from '../metrics/HourlyMetrics.js';
import { FleetWork } from '../metrics/FleetWork.js';
import { stream } from '../random/streams.js';
import { linearStepModel } from '../gpu/linear.js';
import { rooflineStepModel } from '../gpu/roofline.js';
import { factorsFor } from '../gpu/efficiency.js';
import { kvCapacityTokens } from '../gpu/memory.js';
import { iterationWork } from '../gpu/iterationWork.js';
import { Pool, type PoolSetup } from './Pool.js';
import { HASH_BLOCK_TOKENS } from './PrefixCache.js';
import type { Request } from './request.js';
import type { StepModel } from './stepModel.js';
import type { SpeculativeSetup } from './SpeculativeDecoder.js';

/** How a request's life ends, as the run records it (metrics, closed-loop users, test hooks). */
export type EndRequest = (request: Request, outcome: Outcome, reason?: DropReason) => void;

/** The scenario's pools, with the per-pool accounting the results are built from. */
export interface BuiltPools {
  readonly pools: Pool[];
  /** Per pool: GPU-busy seconds by hour (GPU-seconds, summed over replicas). */
  readonly busyByPool: Float64Array[];
  /** Per pool: FLOPs, bytes, sequences and KV held over time (mfu, mbu, batch size, KV use). */
  readonly workByPool: FleetWork[];
}

/** The step-time model of a pool: the workload's measured `perf` block, else the roofline model. */
export function stepModelFor(scenario: Scenario, pool: PoolSpec): StepModel {
  if (scenario.perf) return linearStepModel(scenario.perf);
  const factors = factorsFor(pool.gpu);
  const iterationOverheadS = factors.iterationOverheadS + scenario.serving.overhead.perIterationS;
  return rooflineStepModel(pool.model, pool.gpu, pool.gpusPerReplica, { ...factors, iterationOverheadS });
}

/**
 * Builds one Pool per `scenario.pools` entry, each with its step model, KV capacity, router stream
 * (`router:<pool>`) and speculative setup, and wires its listener: a completed request ends as
 * `gpu`, a dropped one as `dropped` (with its reason), busy time and iteration work go to the
 * pool's hourly accounting (up to the horizon).
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
  const busyByPool = scenario.pools.map(() => new Float64Array(hours));
  const workByPool: FleetWork[] = [];
  const pools = scenario.pools.map((spec, p) => {
    const speculative = speculativeSetup(scenario, spec, seed);
    const capacity = kvCapacityTokens(
      spec.model, spec.gpu, spec.gpusPerReplica, scenario.serving.gpuMemoryUtilization, scenario.serving.speculative?.draftModel ?? null,
    );
    const busy = busyByPool[p];
    const peaks = iterationWork(spec.model, spec.gpu, spec.gpusPerReplica);
    const work = (workByPool[p] = new FleetWork(hours, horizonS, peaks.peakFlopsPerGpu, peaks.peakBytesPerGpu, capacity));
    const setup: PoolSetup = {
      serving: scenario.serving,
      stepModel: stepModelFor(scenario, spec),
      kvCapacityTokens: capacity,
      routerStream: stream(seed, `router:${spec.name}`),
      fastForward: options.fastForward,
      prefixCache: scenario.cache.prefix,
      hashBlockTokens: scenario.traffic.trace?.blockTokens ?? HASH_BLOCK_TOKENS,
      speculative,
      checkInvariants: options.checkInvariants,
    };
    return new Pool(spec, sim, setup, {
      completed: (r) => end(r, 'gpu'),
      // Replicas drop a waiting request past its queue-time limit on its first admission,
      // else one that cannot fit in an empty replica's KV memory (ContinuousReplica,
      // StaticReplica): the same test tells the two apart here.
      dropped: (r) => end(r, 'dropped', Number.isNaN(r.startedAt) && sim.now - r.queuedAt > r.maxQueueS ? 'queue_time' : 'kv_memory'),
      busy: (gpus, s, e) => splitByHour(busy, gpus, s, Math.min(e, horizonS)),
      ran: (s, e, flops, bytes, seqS, kvS) => work.add(s, e, flops, bytes, seqS, kvS),
    });
  });
  return { pools, busyByPool, workByPool };
}

/**
 * Speculative decoding's setup for a pool: the target's step model, the draft model's (the
 * roofline on the pool's GPUs and tensor-parallel degree), and one named stream per replica.
 */
function speculativeSetup(scenario: Scenario, pool: PoolSpec, seed: number): SpeculativeSetup | null {
  const s = scenario.serving.speculative;
  if (s === null) return null;
  return {
    tokens: s.tokens,
    acceptance: s.acceptance,
    target: stepModelFor(scenario, pool),
    draft: s.draftModel ? rooflineStepModel(s.draftModel, pool.gpu, pool.gpusPerReplica) : null,
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
