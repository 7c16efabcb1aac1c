import type { ClassSpec, PoolSpec, ResponseCacheSpec, Scenario } from './workload/scenario.js';
import { Simulation } from './engine/Simulation.js';
import { stream } from './random/streams.js';
import { HourlyMetrics, type DropReason, type Outcome, type Tally } from './metrics/HourlyMetrics.js';
import { HourClosing } from './metrics/HourClosing.js';
import { buildResult, type RunResult } from './metrics/results.js';
import { Pool } from './serving/Pool.js';
import { newRequest, type Request } from './serving/request.js';
import type { StepModel } from './serving/stepModel.js';
import type { SpeculativeSetup } from './serving/SpeculativeDecoder.js';
import { syntheticSource, traceSource, type ArrivalSource } from './traffic/requestSource.js';
import { openTrace } from './traffic/trace/openTrace.js';
import { ClosedLoop } from './traffic/closedLoop.js';
import { ClosedLoopHours } from './metrics/ClosedLoopHours.js';
import { linearStepModel } from './gpu/linear.js';
import { rooflineStepModel } from './gpu/roofline.js';
import { factorsFor } from './gpu/efficiency.js';
import { kvCapacityTokens } from './gpu/memory.js';
import { PRIORITY } from './serving/Replica.js';
import { ResponseCache } from './levers/responseCache.js';
import { ApiBackend } from './levers/apiBackend.js';
import { OverflowRule } from './levers/overflow.js';
import { fleetHours } from './cost/fleetBilling.js';
import { FleetWork } from './metrics/FleetWork.js';
import { iterationWork } from './gpu/iterationWork.js';
import { startFleetControllers } from './fleet/controllers.js';

export interface SimulateOptions {
  /** Skip steady decode runs as single events (default). false: one event per iteration. */
  fastForward?: boolean;
  /**
   * Assert KV memory's invariants after every batch formation (a debug check, O(running) per
   * iteration). Default: the environment variable CAPSIM_CHECK_INVARIANTS=1.
   */
  checkInvariants?: boolean;
  /** Called about every `progressEvery` arrivals with the simulated time reached. */
  onProgress?: (simulatedS: number, requests: number) => void;
  progressEvery?: number;
  /** Called for every request that ends (tests use it to check per-request latencies). */
  onRequestEnd?: (request: Request, outcome: Outcome) => void;
  /** Requests to serve instead of the scenario's traffic (benchmark replays, src/fidelity/replay.ts). */
  arrivals?: ArrivalSource;
  /**
   * Called once for each hour as soon as its figures are final (metrics/HourClosing.ts), with its
   * tallies per class (read only). It may throw to abandon the run: `capsim plan` stops a point
   * whose closed hour already misses its SLO (src/sweep/earlyStop.ts).
   */
  onHourClosed?: (hour: number, tallies: readonly Tally[]) => void;
}

export interface SimulationRun extends RunResult {
  /** Engine counters (not written to outputs: they describe the run, not the service). */
  stats: { events: number; requests: number; simulatedS: number };
}

/** The step-time model of a pool: the workload's measured `perf` block, else the roofline model. */
export function stepModelFor(scenario: Scenario, pool: PoolSpec): StepModel {
  if (scenario.perf) return linearStepModel(scenario.perf);
  const factors = factorsFor(pool.gpu);
  const iterationOverheadS = factors.iterationOverheadS + scenario.serving.overhead.perIterationS;
  return rooflineStepModel(pool.model, pool.gpu, pool.gpusPerReplica, { ...factors, iterationOverheadS });
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

/**
 * Simulates one scenario request by request and returns its hourly rows and summary.
 * Pure: no printing, no files, no clock; the same scenario gives the same result.
 */
export function simulate(scenario: Scenario, options: SimulateOptions = {}): SimulationRun {
  const fastForward = options.fastForward ?? true;
  const checkInvariants = options.checkInvariants ?? process.env.CAPSIM_CHECK_INVARIANTS === '1';
  const horizonS = scenario.durationS ?? traceSpanS(scenario);
  const hours = Math.ceil(horizonS / 3600);
  const sim = new Simulation();
  const metrics = new HourlyMetrics(scenario, hours, horizonS);
  const busyByPool = scenario.pools.map(() => new Float64Array(hours));
  const workByPool: FleetWork[] = [];
  const seed = scenario.seed;
  const classes = scenario.classes;

  let closedLoop: ClosedLoop | null = null;
  const onHourClosed = options.onHourClosed;
  const closing = onHourClosed ? new HourClosing(hours, (h) => onHourClosed(h, metrics.tallies[h])) : null;
  let closedUsers: ClosedLoopHours | null = null;
  const end = (r: Request, outcome: Outcome, reason?: DropReason) => {
    metrics.onEnd(r, outcome, reason);
    closing?.ended(r.arrivedAt, sim.now);
    options.onRequestEnd?.(r, outcome);
    closedLoop?.ended(r.id, outcome === 'dropped' ? sim.now : r.finishedAt);
  };

  const pools = scenario.pools.map((spec, p) => {
    const speculative = speculativeSetup(scenario, spec, seed);
    const capacity = kvCapacityTokens(
      spec.model, spec.gpu, spec.gpusPerReplica, scenario.serving.gpuMemoryUtilization, scenario.serving.speculative?.draftModel ?? null,
    );
    const busy = busyByPool[p];
    const peaks = iterationWork(spec.model, spec.gpu, spec.gpusPerReplica);
    const work = (workByPool[p] = new FleetWork(hours, horizonS, peaks.peakFlopsPerGpu, peaks.peakBytesPerGpu, capacity));
    return new Pool(
      spec,
      sim,
      scenario.serving,
      stepModelFor(scenario, spec),
      capacity,
      {
        completed: (r) => end(r, 'gpu'),
        // Replicas drop a waiting request past its queue-time limit on its first admission,
        // else one that cannot fit in an empty replica's KV memory (ContinuousReplica,
        // StaticReplica): the same test tells the two apart here.
        dropped: (r) => end(r, 'dropped', Number.isNaN(r.startedAt) && sim.now - r.queuedAt > r.maxQueueS ? 'queue_time' : 'kv_memory'),
        busy: (gpus, s, e) => splitByHour(busy, gpus, s, Math.min(e, horizonS)),
        ran: (s, e, flops, bytes, seqS, kvS) => work.add(s, e, flops, bytes, seqS, kvS),
      },
      stream(seed, `router:${spec.name}`),
      fastForward,
      scenario.cache.prefix,
      speculative,
      checkInvariants,
    );
  });

  pools.forEach((pool, p) => {
    const busy = busyByPool[p];
    startFleetControllers(sim, pool, horizonS, seed, () => busy.reduce((a, b) => a + b, 0));
  });

  const poolOf: (Pool | null)[] = classes.map((c) => {
    const p = scenario.pools.findIndex((pool) => pool.serves.includes(c.name));
    return p >= 0 ? pools[p] : null;
  });
  const api = scenario.api;
  const toApi = classes.map((c, i) => api !== null && (api.useFor === 'all' || (Array.isArray(api.useFor) && api.useFor.includes(c.name)) || poolOf[i] === null));
  const apiBackend = api !== null ? new ApiBackend(api, stream(seed, 'api')) : null;
  const overflowRules =
    api !== null && api.useFor === 'overflow' ? pools.map((pool) => new OverflowRule(scenario, stepModelFor(scenario, pool.spec))) : null;
  const overflowOf = classes.map((_, i) => {
    const p = poolOf[i] === null ? -1 : pools.indexOf(poolOf[i] as Pool);
    return overflowRules !== null && p >= 0 ? overflowRules[p] : null;
  });
  const response = scenario.cache.response;
  const cache = response !== null ? new ResponseCache(response, stream(seed, 'cache')) : null;

  const closed = scenario.traffic.arrival === 'closed' && options.arrivals === undefined;
  const source: ArrivalSource | null = closed
    ? null
    : options.arrivals ?? (scenario.traffic.trace !== null ? traceSource(scenario, horizonS) : syntheticSource(scenario, horizonS));
  let requests = 0;
  const progressEvery = options.progressEvery ?? 100_000;

  const serveByApi = (r: Request) => {
    end(r, (apiBackend as ApiBackend).serve(r, sim.now), 'api_limit');
  };

  /** After retrieval and compression: the hosted API, or the class's pool (overflow may divert). */
  const dispatch = (r: Request) => {
    if (toApi[r.classIndex]) {
      serveByApi(r);
      return;
    }
    const pool = poolOf[r.classIndex] as Pool;
    const overflow = overflowOf[r.classIndex];
    if (overflow === null) {
      pool.enqueue(r, sim.now);
      return;
    }
    const now = sim.now;
    const kept = pool.enqueue(r, now, (queue, servers) =>
      overflow.keepOnPool(r, queue, servers, now) || (apiBackend as ApiBackend).quotaWaitS(r, now) > 0);
    if (!kept) serveByApi(r);
  };

  /** A request enters the service; returns its id (closed-loop users wait for its end). */
  const arrive = (a: NonNullable<ReturnType<ArrivalSource>>): number => {
    const c: ClassSpec = classes[a.classIndex];
    const retrieval = c.retrieval;
    const prompt = Math.max(1, Math.round((a.promptTokens + (retrieval?.addedTokens ?? 0)) * (1 - c.promptCompression)));
    const prefix = Math.min(c.sharedPrefixTokens, prompt);
    const batch = c.priority === 'batch';
    // A batch request may wait in the queue up to its deadline; interactive ones up to max_queue_time.
    const maxQueueS = batch ? (c.deadlineS ?? Infinity) : scenario.serving.maxQueueTimeS;
    const r = newRequest(requests++, a.classIndex, a.time, prompt, a.outputTokens, prefix, a.hashIds, maxQueueS);
    r.batch = batch;
    metrics.onArrival(r);
    closing?.arrived(r.arrivedAt);
    // The response cache is keyed by the user's request: looked up before retrieval and compression.
    if (cache !== null && cache.lookup(sim.now)) {
      r.startedAt = r.firstTokenAt = r.finishedAt = sim.now + (response as ResponseCacheSpec).latencyS;
      end(r, 'cache');
      return r.id;
    }
    // Front-end time (HTTP, tokenisation) before a GPU-served request reaches the engine.
    const frontEndS = toApi[a.classIndex] ? 0 : scenario.serving.overhead.perRequestS;
    const delayS = (retrieval?.latencyS ?? 0) + c.compressionLatencyS + frontEndS;
    if (delayS > 0) sim.schedule(delayS, () => dispatch(r), PRIORITY.arrival);
    else dispatch(r);
    return r.id;
  };

  // One pending arrival at a time: the source is pulled as the clock reaches each request.
  const scheduleNext = (source: ArrivalSource) => {
    const a = source();
    if (a === null) return;
    sim.at(a.time, () => {
      arrive(a);
      if (options.onProgress && requests % progressEvery === 0) options.onProgress(sim.now, requests);
      scheduleNext(source);
    }, PRIORITY.arrival);
  };
  if (source !== null) scheduleNext(source);
  else {
    closedUsers = new ClosedLoopHours(hours, classes.length, classes.some((c) => c.users !== undefined));
    closedLoop = new ClosedLoop(scenario, horizonS, sim, arrive, closedUsers);
    closedLoop.start();
  }
  sim.run();
  closedLoop?.finish();
  // Nothing left to happen: requests still waiting have no replica to serve them.
  for (const pool of pools) pool.dropWaiting();

  const fleets = pools.map((pool) => fleetHours(pool.spec, pool.slots, horizonS, hours));
  const result = buildResult(scenario, horizonS, metrics, busyByPool, {
    fleets,
    requeued: pools.reduce((n, p) => n + p.requeued, 0),
    failures: pools.reduce((n, p) => n + p.failures, 0),
    work: workByPool,
  }, closedUsers);
  return { ...result, stats: { events: sim.eventsRun, requests, simulatedS: sim.now } };
}

/**
 * The horizon of a trace replay without `duration`: up to the last arrival, read in one streamed
 * pass before the run (so that hours and billing are known up front).
 */
function traceSpanS(scenario: Scenario): number {
  const reader = openTrace(scenario.traffic.trace!, { skipBadRows: scenario.traffic.trace!.skipBadRows === true });
  let last = 0;
  let rows = 0;
  for (let row = reader.next(); row !== null; row = reader.next()) {
    rows++;
    if (row.timeS > last) last = row.timeS;
  }
  reader.close();
  if (!reader.hasTimes) return rows / scenario.traffic.ratePerS;
  return Math.max(last + 1e-9, 1);
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
