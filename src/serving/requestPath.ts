import type { ClassSpec, ResponseCacheSpec, Scenario } from '../workload/scenario.js';
import type { Simulation } from '../engine/Simulation.js';
import type { DelayLane } from '../engine/DelayLane.js';
import { stream } from '../random/streams.js';
import type { Arrival } from '../traffic/requestSource.js';
import { ResponseCache } from '../levers/responseCache.js';
import { ApiBackend } from '../levers/apiBackend.js';
import { OverflowRule } from '../levers/overflow.js';
import type { EndRequest } from './buildPools.js';
import { stepModelFor } from './buildPools.js';
import type { Pool } from './Pool.js';
import { PRIORITY } from './Replica.js';
import { newRequest, Phase, type Request } from './request.js';

/**
 * A request's path through the service, from its arrival to the pool that serves it:
 *
 *   front door:  response cache (a hit ends it, `cache`)
 *             -> retrieval, compression and front-end delay (one scheduled event when > 0)
 *   dispatch:    the hosted API (`api.use_for` names its class, or no pool serves it), or
 *                the class's pool; with `api.use_for: overflow` the overflow rule sees the queue
 *                the pool's router picked and may divert the request to the API instead
 *   pool:        the router's replica (or the shared queue); the replica's phases
 *                (queued -> prefill -> decode -> done) are the replica's (request.ts `Phase`).
 *
 * The pool hand-off is `Pool.enqueue`, the only thing this module asks of a pool. Disaggregated
 * serving (a prefill pool then a decode pool, issue 17 item 2) plugs in behind it without changing
 * this module: the class's pool is its prefill pool, whose replicas mark a request `transferring`
 * when its prompt is done, and whose `prefilled` listener (buildPools) sends its KV over the link
 * (KvLink) and enqueues it on the decode pool; the decode pool's `completed` ends it. The overflow
 * rule estimates the prefill pool's wait, which is the wait for the first token.
 */
export class RequestPath {
  /** Requests created so far: their ids are 0..created-1. */
  created = 0;
  /** Per class: its pool, or null when none serves it. */
  private readonly poolOf: (Pool | null)[];
  /** Per class: served by the hosted API rather than a pool. */
  private readonly toApi: boolean[];
  /** Per class: the overflow rule of its pool (`api.use_for: overflow`), or null. */
  private readonly overflowOf: (OverflowRule | null)[];
  private readonly apiBackend: ApiBackend | null;
  private readonly cache: ResponseCache | null;
  /**
   * Per class: its front-end time (retrieval, compression, the host's per-request time), the
   * same for each of its requests, as a lane of the simulation (DelayLane: one event per request
   * without a heap push), shared by the classes with the same time; null when it is 0
   * (dispatched at once).
   */
  private readonly frontDoor: (DelayLane<Request> | null)[];

  constructor(
    private readonly scenario: Scenario,
    private readonly sim: Simulation,
    pools: readonly Pool[],
    /** Called for every request created, before anything happens to it. */
    private readonly arrived: (request: Request) => void,
    private readonly end: EndRequest,
  ) {
    const seed = scenario.seed;
    const classes = scenario.classes;
    this.poolOf = classes.map((c) => {
      const p = scenario.pools.findIndex((pool) => pool.serves.includes(c.name));
      return p >= 0 ? pools[p] : null;
    });
    const api = scenario.api;
    this.toApi = classes.map(
      (c, i) => api !== null && (api.useFor === 'all' || (Array.isArray(api.useFor) && api.useFor.includes(c.name)) || this.poolOf[i] === null),
    );
    this.apiBackend = api !== null ? new ApiBackend(api, stream(seed, 'api')) : null;
    const overflowRules =
      api !== null && api.useFor === 'overflow' ? pools.map((pool) => new OverflowRule(scenario, stepModelFor(scenario, pool.spec))) : null;
    this.overflowOf = classes.map((_, i) => {
      const pool = this.poolOf[i];
      const p = pool === null ? -1 : pools.indexOf(pool);
      return overflowRules !== null && p >= 0 ? overflowRules[p] : null;
    });
    const response = scenario.cache.response;
    this.cache = response !== null ? new ResponseCache(response, stream(seed, 'cache')) : null;
    const dispatch = (r: Request) => this.dispatch(r);
    // Classes with the same front-end time share one lane: its events, scheduled in time order
    // with the same delay, stay in (time, seq) order together, and Simulation.step looks at one
    // lane fewer per event.
    const laneOf = new Map<number, DelayLane<Request>>();
    this.frontDoor = classes.map((c, i) => {
      // Front-end time (HTTP, tokenisation) before a GPU-served request reaches the engine.
      const frontEndS = this.toApi[i] ? 0 : scenario.serving.overhead.perRequestS;
      const delayS = (c.retrieval?.latencyS ?? 0) + c.compressionLatencyS + frontEndS;
      if (!(delayS > 0)) return null;
      let lane = laneOf.get(delayS);
      if (lane === undefined) laneOf.set(delayS, (lane = sim.lane(delayS, dispatch, PRIORITY.arrival)));
      return lane;
    });
  }

  /** A request enters the service now; returns its id (closed-loop users wait for its end). */
  arrive(a: Arrival): number {
    const scenario = this.scenario;
    const sim = this.sim;
    const c: ClassSpec = scenario.classes[a.classIndex];
    const retrieval = c.retrieval;
    const message = Math.max(1, Math.round((a.promptTokens + (retrieval?.addedTokens ?? 0)) * (1 - c.promptCompression)));
    // A later turn of a session: the context so far (cut to the context length) is in front of
    // the new message, and is its cacheable prefix (retrieval and compression apply to the new
    // message only: the context was retrieved and compressed when it was sent).
    const session = a.session ?? null;
    const carried = session === null ? 0 : session.carry(message, a.outputTokens);
    const prompt = carried + message;
    const prefix = carried > 0 ? carried : Math.min(c.sharedPrefixTokens, prompt);
    const batch = c.priority === 'batch';
    // A batch request may wait in the queue up to its deadline; interactive ones up to max_queue_time.
    const maxQueueS = batch ? (c.deadlineS ?? Infinity) : scenario.serving.maxQueueTimeS;
    const r = newRequest(this.created++, a.classIndex, a.time, prompt, a.outputTokens, prefix, a.hashIds, maxQueueS);
    r.batch = batch;
    if (session !== null) {
      r.session = session;
      r.carriedTokens = carried;
      if (carried > 0) r.prefixKey = session.key;
      if (session.turn === 1) session.firstRequestId = r.id;
    }
    this.arrived(r);
    // The response cache is keyed by the user's request: looked up before retrieval and compression.
    if (this.cache !== null && this.cache.lookup(sim.now)) {
      r.startedAt = r.firstTokenAt = r.finishedAt = sim.now + (scenario.cache.response as ResponseCacheSpec).latencyS;
      r.phase = Phase.done;
      this.end(r, 'cache');
      return r.id;
    }
    const frontDoor = this.frontDoor[a.classIndex];
    if (frontDoor !== null) frontDoor.schedule(r);
    else this.dispatch(r);
    return r.id;
  }

  /** After retrieval and compression: the hosted API, or the class's pool (overflow may divert). */
  private dispatch(r: Request): void {
    if (this.toApi[r.classIndex]) {
      this.serveByApi(r);
      return;
    }
    const pool = this.poolOf[r.classIndex] as Pool;
    const overflow = this.overflowOf[r.classIndex];
    if (overflow === null) {
      pool.enqueue(r, this.sim.now);
      return;
    }
    const now = this.sim.now;
    const api = this.apiBackend as ApiBackend;
    const kept = pool.enqueue(r, now, (queue, servers) => overflow.keepOnPool(r, queue, servers, now) || api.quotaWaitS(r, now) > 0);
    if (!kept) this.serveByApi(r);
  }

  private serveByApi(r: Request): void {
    const outcome = (this.apiBackend as ApiBackend).serve(r, this.sim.now);
    r.phase = outcome === 'api' ? Phase.done : Phase.dropped;
    this.end(r, outcome, 'api_limit');
  }
}
