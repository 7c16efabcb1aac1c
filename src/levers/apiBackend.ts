import type { ApiSpec } from '../workload/scenario.js';
import type { Uniform } from '../random/streams.js';
import { standardNormal } from '../random/sample.js';
import type { Request } from '../serving/request.js';

/**
 * A token bucket of `perMinute` units that refills continuously (perMinute / 60 per second) and
 * holds at most one minute's worth: a requests- or tokens-per-minute quota. Requests take their
 * units in the order they ask (FCFS), so one that must wait also holds back those behind it.
 */
class TokenBucket {
  private level: number;
  private at = 0;
  private readonly perS: number;

  constructor(private readonly perMinute: number) {
    this.level = perMinute;
    this.perS = perMinute / 60;
  }

  /** Earliest time >= fromS at which `units` can be taken (a request larger than the bucket waits for a full one). */
  readyAt(fromS: number, units: number): number {
    const need = Math.min(units, this.perMinute);
    const level = Math.min(this.perMinute, this.level + (fromS - this.at) * this.perS);
    return level >= need ? fromS : fromS + (need - level) / this.perS;
  }

  /** Takes `units` at time `atS` (>= every earlier take); may go below zero for an oversized request. */
  take(atS: number, units: number): void {
    this.level = Math.min(this.perMinute, this.level + (atS - this.at) * this.perS) - units;
    this.at = atS;
  }
}

/**
 * The hosted-API backend (`api`): unlimited concurrency, a latency model and an optional quota.
 *
 * - Latency: TTFT = `ttft` x J1 after the request starts; the last token (output - 1) /
 *   `tokens_per_second` x J2 later. J1 and J2 are independent mean-1 lognormal factors with
 *   coefficient of variation `jitter` (sigma^2 = ln(1 + jitter^2)), drawn from the stream `api`.
 *   `jitter: 0` (the default) gives fixed latencies and draws nothing.
 * - Rate limit (`rate_limit: {requests_per_minute, tokens_per_minute, on_limit}`): token buckets
 *   of one minute's quota, refilled continuously; a request takes 1 request and its prompt +
 *   output tokens. Over the limit, `on_limit: wait` (default) holds the request, first come first
 *   served, until the quota allows it (as a client that retries with backoff would); a request
 *   that would wait longer than its queue-time limit (`serving.max_queue_time`, or its deadline
 *   for a batch class) is dropped at once instead. `on_limit: drop` drops it at once (HTTP 429,
 *   no retry). Waiting counts in TTFT and E2E; dropped requests are not billed.
 */
export class ApiBackend {
  private readonly sigma: number;
  private readonly requests: TokenBucket | null;
  private readonly tokens: TokenBucket | null;
  /** Quota is granted in arrival order: no request starts before the one ahead of it. */
  private lastStartS = 0;

  constructor(
    private readonly spec: ApiSpec,
    private readonly u: Uniform,
  ) {
    this.sigma = Math.sqrt(Math.log(1 + spec.jitter * spec.jitter));
    const limit = spec.rateLimit;
    this.requests = limit?.requestsPerMinute ? new TokenBucket(limit.requestsPerMinute) : null;
    this.tokens = limit?.tokensPerMinute ? new TokenBucket(limit.tokensPerMinute) : null;
  }

  /** How long a request asking now would wait for quota (0 without a rate limit). */
  quotaWaitS(r: Request, nowS: number): number {
    if (this.requests === null && this.tokens === null) return 0;
    let t = Math.max(nowS, this.lastStartS);
    if (this.requests !== null) t = Math.max(t, this.requests.readyAt(t, 1));
    // Buckets only fill while waiting, so the request bucket stays ready at the later time.
    if (this.tokens !== null) t = this.tokens.readyAt(t, r.promptTokens + r.outputTokens);
    return t - nowS;
  }

  /**
   * Serves `r`, which reaches the API at `nowS`: sets its times and returns 'api', or returns
   * 'dropped' when the rate limit refuses it.
   */
  serve(r: Request, nowS: number): 'api' | 'dropped' {
    const waitS = this.quotaWaitS(r, nowS);
    if (waitS > 0 && (this.spec.rateLimit?.onLimit === 'drop' || waitS > r.maxQueueS)) return 'dropped';
    const startS = nowS + waitS;
    if (this.requests !== null || this.tokens !== null) {
      this.requests?.take(startS, 1);
      this.tokens?.take(startS, r.promptTokens + r.outputTokens);
      this.lastStartS = startS;
    }
    r.startedAt = startS;
    r.firstTokenAt = startS + this.spec.ttftS * this.factor();
    r.finishedAt = r.firstTokenAt + ((r.outputTokens - 1) / this.spec.tokensPerSecond) * this.factor();
    return 'api';
  }

  /** A mean-1 lognormal factor with the configured coefficient of variation (1 without jitter). */
  private factor(): number {
    if (this.sigma === 0) return 1;
    return Math.exp(this.sigma * standardNormal(this.u) - (this.sigma * this.sigma) / 2);
  }
}
