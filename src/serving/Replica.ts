import type { Simulation } from '../engine/Simulation.js';
import type { ServingSpec } from '../workload/scenario.js';
import type { Request } from './request.js';
import type { RequestQueue } from './RequestQueue.js';
import type { StepModel } from './stepModel.js';
import type { IterationWork } from '../gpu/iterationWork.js';
import type { SpeculativeSetup } from './SpeculativeDecoder.js';
import type { LookIndex } from './LookIndex.js';
import type { ContinuousReplica } from './ContinuousReplica.js';

export type ReplicaRole = 'both' | 'prefill' | 'decode';

/** Same-time order: arrivals and routing first, then batch formation at iteration boundaries. */
export const PRIORITY = { arrival: 0, boundary: 1 } as const;

/** What a replica needs from the pool it belongs to. */
export interface ReplicaHost {
  readonly sim: Simulation;
  readonly serving: ServingSpec;
  readonly stepModel: StepModel;
  /** FLOPs and HBM bytes of iterations (for `mfu`, `mbu`). */
  readonly work: IterationWork;
  /** The same for the speculative draft model (`serving.speculative.method: draft`), else null. */
  readonly draftWork: IterationWork | null;
  /** KV-cache capacity of one replica, tokens. */
  readonly kvCapacityTokens: number;
  /** Keep shared prefixes resident and skip their prefill (`cache.prefix`). */
  readonly prefixCache: boolean;
  /** Tokens per trace KV block (`hash_ids` entry) in the prefix cache. */
  readonly hashBlockTokens: number;
  /** false: one event per iteration (the reference path); true: skip steady decode runs. */
  readonly fastForward: boolean;
  /** Speculative decoding (`serving.speculative`), or null. Continuous batching only. */
  readonly speculative: SpeculativeSetup | null;
  /** Check KV memory's invariants after every batch formation (tests, CAPSIM_CHECK_INVARIANTS=1). */
  readonly checkInvariants: boolean;
  /**
   * Continuous batching from a shared queue: the pool's index of when each ready replica next
   * looks at the queue's head (Pool.offerHead); its replicas report every change of their run.
   */
  readonly looks?: LookIndex<ContinuousReplica> | null;
  /**
   * What the replica does (disaggregated serving): `both` prefills and decodes (aggregated);
   * `prefill` hands a request over (`handOff`) when its prompt is done; `decode` admits requests
   * whose KV arrived computed straight into decode (and recomputes the context of one it preempts).
   * Absent: `both`.
   */
  readonly role?: ReplicaRole;
  /** A prefill replica's request finished its prefill (first token out) and leaves for the decode pool. */
  handOff?(request: Request, replica: Replica): void;
  completed(request: Request, replica: Replica): void;
  dropped(request: Request, replica: Replica): void;
  /** A request was admitted into a batch for the first time. */
  admitted(request: Request): void;
  /** Admission stopped with requests waiting, because the batch or KV memory was full. */
  saturated(runningSeqs: number): void;
  /**
   * A replica formed a batch and the shared queue still holds requests; `headChanged`: its head
   * is not the one before. The pool makes sure a replica that can take the head looks at it.
   */
  queueChanged(replica: Replica, headChanged: boolean): void;
  /** A draining replica has finished its last request. */
  drained(replica: Replica): void;
  /** A running request lost its KV memory and goes back to the queue to be recomputed. */
  preempted(request: Request): void;
  /** The replica's GPUs were busy over [startS, endS). */
  busy(replica: number, startS: number, endS: number): void;
  /**
   * The replica ran iterations over [startS, endS) that did `flops` FLOPs and moved `bytes` HBM
   * bytes, with on average `seqS / (endS - startS)` sequences running and `kvS / (endS - startS)`
   * KV tokens held by them (for `mfu`, `mbu`, `batch_size_mean`, `kv_utilization`).
   */
  ran(startS: number, endS: number, flops: number, bytes: number, seqS: number, kvS: number): void;
  /**
   * The first time after `t` at which the accounting `ran` feeds splits an interval in
   * proportion to time (the next hour boundary or the horizon; Infinity from the horizon on:
   * FleetWork.cutAfter). A run of several iterations is reported in pieces at such a cut.
   */
  workCutAfter(t: number): number;
}

/** A model replica with its batcher: continuous or static. */
export interface Replica {
  readonly index: number;
  /** Where this replica takes work from: its own queue, or the pool's shared one. */
  readonly queue: RequestQueue;
  /** Requests waiting in its own queue plus running: the least-loaded router's measure. */
  load(): number;
  /** Prompt tokens of `request` this replica holds in its prefix cache now (0 without one). Changes nothing. */
  residentPrefix(request: Request): number;
  /** New work may be in `queue`: start, or cut a steady run short at the next boundary. */
  wake(): void;
  /** Stop admitting; running requests finish. Returns its own waiting requests. */
  drain(): Request[];
  /** Lost: returns every request it held (running ones restart elsewhere). */
  evacuate(): Request[];
  /** Back in service after a repair. */
  resume(): void;
}

/**
 * A read-only view of a pool's ready replicas in slot (index) order: what a router is given. The
 * pool's ReadyReplicas keeps it up to date in O(log n) per change; an array of replicas is one too
 * (tests build routers' inputs that way).
 */
export interface ReplicaView {
  /** How many replicas are ready. */
  readonly length: number;
  /** The i-th ready replica in slot order (0 <= i < length); O(log n) on a pool's view. */
  at(i: number): Replica | undefined;
  /** The ready replicas in slot order; O(length). */
  [Symbol.iterator](): Iterator<Replica>;
}
