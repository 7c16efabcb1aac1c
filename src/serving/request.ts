import type { SpeculativePlan } from './SpeculativeDecoder.js';
import type { Session } from '../traffic/session.js';

/**
 * Where a request is in its life: a small int on the request, set where it changes (no event,
 * no allocation).
 *
 *   arriving -> queued -> prefill -> decode -> done
 *                 ^---------'----------'          (preempted, or its replica lost: back to queued)
 *   any but done -> dropped
 *
 * - `arriving`: created, in the front door (response cache, retrieval, front-end delay: requestPath.ts).
 * - `queued`: in a replica's or a pool's queue (Pool.enqueue; a preempted or evacuated request).
 * - `prefill`: admitted, computing its prompt. Static batching computes a whole batch as one event:
 *   its requests stay `prefill` until the batch ends (StaticReplica).
 * - `decode`: prompt done (first token out), one token (or a speculative run) per step.
 * - `transferring`: prefill done on a prefill replica (first token out), its KV crossing to the
 *   decode pool (disaggregated serving, KvLink.ts); then `queued` on a decode replica, which admits
 *   it straight into `decode` (its KV arrives computed).
 * - `done`: served (GPU, response cache or hosted API); `dropped`: never served.
 */
export const Phase = { arriving: 0, queued: 1, prefill: 2, decode: 3, transferring: 4, done: 5, dropped: 6 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * One request in flight. Created at arrival, handed to metrics when it ends, then dropped: memory
 * follows the requests in flight, not the requests simulated. Times are simulated seconds.
 */
export interface Request {
  readonly id: number;
  /** Index into `Scenario.classes`. */
  readonly classIndex: number;
  readonly arrivedAt: number;
  /** Prompt tokens the model computes (after retrieval and compression). */
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Leading prompt tokens that are a shared, cacheable prefix. */
  readonly prefixTokens: number;
  /** Prompt KV-block hashes from a trace (Mooncake), or null. */
  readonly hashIds: readonly number[] | null;
  /**
   * Prefix-cache key of its `prefixTokens` (PrefixCache): the class's shared prefix (-1 - class
   * index), or, for a later turn of a session, its session's context (the session's key).
   */
  prefixKey: number;
  /** The conversation it is a turn of (`classes[].session`), or null. */
  session: Session | null;
  /** Of its prompt, the tokens carried from the session's earlier turns (0 outside sessions). */
  carriedTokens: number;
  /**
   * `session_affinity`: 1 when the router sent it to its session's previous replica, 0 when it
   * was sent elsewhere (load above the slack, or that replica gone), -1 when not applicable.
   */
  affinityKept: -1 | 0 | 1;

  /** Longest it may wait in a queue before its first admission, seconds (then it is dropped). */
  maxQueueS: number;
  /** A `priority: batch` request: admitted only when no interactive request waits (RequestQueue). */
  batch: boolean;
  /** When it joined a replica's (or the pool's) queue. */
  queuedAt: number;
  /** When it was first admitted into a batch; NaN while waiting. */
  startedAt: number;
  firstTokenAt: number;
  finishedAt: number;
  /** Disaggregated serving: when its KV reached the decode pool, and when a decode replica took it; NaN otherwise. */
  transferredAt: number;
  decodeStartedAt: number;

  /** Where it is in its life (see `Phase`). */
  phase: Phase;

  // Serving progress (owned by the replica that runs it).
  /** Tokens to compute in prefill: the prompt, or prompt + generated after a preemption. */
  prefillTarget: number;
  /** Prefill tokens computed (or found in the prefix cache) so far. */
  prefilled: number;
  /** Output tokens produced so far. */
  generated: number;
  /** Running on a replica (admitted, not finished, not preempted or evacuated). */
  onReplica: boolean;
  /**
   * The replica's decode-step counter when `generated` and `kvTokens` were last brought up to
   * date: while decoding, both grow by one per step without being touched (see ContinuousReplica).
   */
  syncedStep: number;
  /** Incremented whenever it stops decoding on a replica (invalidates its completion-heap entry). */
  decodeEpoch: number;
  /** Context length in KV on its replica (0 while waiting), shared prefix included. */
  kvTokens: number;
  /** Of `kvTokens`, those held by a shared prefix-cache entry rather than by the request. */
  sharedKv: number;
  /** Prompt tokens served from the prefix cache, over all its admissions. */
  prefixHitTokens: number;
  /** Trace KV blocks (`hash_ids`) found resident, over all its admissions. */
  prefixHitBlocks: number;
  /** Times it was preempted (its KV freed, to be recomputed). */
  preemptions: number;
  /**
   * With prefix caching, a preempted request's freed KV stays cached until its blocks are reused
   * (KvMemory.retain): the replica memory holding it (null: none), and where its blocks start in
   * that memory's free queue, in allocated tokens (KvMemory.allocated).
   */
  retainedIn: object | null;
  retainedAt: number;
  /** Times its replica was lost under it (failure, spot interruption) and it was re-queued. */
  requeues: number;
  /** Speculative decoding: the tokens each of its decode steps emits, drawn when it started decoding. */
  speculative: SpeculativePlan | null;
}

export function newRequest(
  id: number,
  classIndex: number,
  arrivedAt: number,
  promptTokens: number,
  outputTokens: number,
  prefixTokens: number,
  hashIds: readonly number[] | null,
  maxQueueS: number = Infinity,
): Request {
  return {
    id,
    classIndex,
    arrivedAt,
    promptTokens,
    outputTokens,
    prefixTokens,
    hashIds,
    prefixKey: -1 - classIndex,
    session: null,
    carriedTokens: 0,
    affinityKept: -1,
    maxQueueS,
    batch: false,
    queuedAt: arrivedAt,
    startedAt: NaN,
    firstTokenAt: NaN,
    finishedAt: NaN,
    transferredAt: NaN,
    decodeStartedAt: NaN,
    phase: Phase.arriving,
    prefillTarget: promptTokens,
    prefilled: 0,
    generated: 0,
    onReplica: false,
    syncedStep: 0,
    decodeEpoch: 0,
    kvTokens: 0,
    sharedKv: 0,
    prefixHitTokens: 0,
    prefixHitBlocks: 0,
    preemptions: 0,
    retainedIn: null,
    retainedAt: 0,
    requeues: 0,
    speculative: null,
  };
}
