import type { ClassSpec, Scenario } from '../workload/scenario.js';
import type { RequestQueue } from '../serving/RequestQueue.js';
import type { Request } from '../serving/request.js';
import type { StepModel } from '../serving/stepModel.js';

/** Prompt length assumed for the attention term of the prefill-throughput estimate, tokens. */
const TYPICAL_PROMPT_TOKENS = 1024;

/**
 * Decides, per arrival, whether a request stays on the self-hosted pool or spills to the hosted
 * API (`api.use_for: overflow`).
 *
 * Rule: the request goes to the API when the wait before its first admission on the replica
 * the pool's router picked would exceed `api.overflow_threshold` (default 0.5) x its class's TTFT
 * limit (the E2E limit when the class has no TTFT limit, else `serving.max_queue_time`). The
 * wait is estimated from state the queue already keeps, in O(1):
 *
 *   wait = max( age of the oldest waiting interactive request,
 *               interactive prompt tokens waiting ahead / (servers x prefill rate) )
 *
 * The first term is the queue's current sojourn time (it catches memory- or batch-size-bound
 * queues, where tokens alone would look harmless). The second is the prefill work ahead of the
 * request at the pool's prefill throughput: `max_batch_tokens` per full prefill iteration of the
 * pool's step model (1k-token prompts for its attention term); `servers` is 1 for a replica's
 * own queue, the replica count for a `shared_queue`. The request's own prefill is not queueing:
 * a long prompt that would miss the limit on an idle pool stays on the pool. Decode interference
 * is not in the estimate either: that is what the threshold's margin below 1 is for.
 *
 * Batch classes never overflow (their SLO is a deadline, met from idle capacity). A request whose
 * API quota would make it wait (rate limit) stays on the GPUs.
 */
export class OverflowRule {
  /** Per class: the wait above which it spills, seconds (Infinity: never). */
  private readonly limitS: number[];
  /** Prefill tokens per second of one replica. */
  private readonly prefillTokensPerS: number;

  constructor(scenario: Scenario, stepModel: StepModel) {
    const threshold = scenario.api?.overflowThreshold ?? 0.5;
    this.limitS = scenario.classes.map((c) => (c.priority === 'batch' ? Infinity : threshold * latencyLimitS(c, scenario)));
    const b = scenario.serving.maxBatchTokens;
    // b tokens of TYPICAL_PROMPT_TOKENS-token prompts: every pair is inside its own prompt's chunk.
    this.prefillTokensPerS = b / stepModel.iterationS(b, (b * TYPICAL_PROMPT_TOKENS) / 2, 0, 0, (b * TYPICAL_PROMPT_TOKENS) / 2);
  }

  /** Estimated wait before a request joining `queue` (served by `servers` replicas) is admitted. */
  expectedWaitS(queue: RequestQueue, servers: number, nowS: number): number {
    const head = queue.peekInteractive();
    const age = head === undefined ? 0 : nowS - head.queuedAt;
    const prefillS = queue.interactivePrefillTokens / (servers * this.prefillTokensPerS);
    return Math.max(age, prefillS);
  }

  /** true: the request stays on the pool; false: it goes to the API. */
  keepOnPool(r: Request, queue: RequestQueue, servers: number, nowS: number): boolean {
    const limit = this.limitS[r.classIndex];
    return limit === Infinity || this.expectedWaitS(queue, servers, nowS) <= limit;
  }
}

function latencyLimitS(c: ClassSpec, scenario: Scenario): number {
  return c.slo.ttftS ?? c.slo.e2eS ?? scenario.serving.maxQueueTimeS;
}
