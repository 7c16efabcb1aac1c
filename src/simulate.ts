import type { Scenario } from './workload/scenario.js';
import { Simulation } from './engine/Simulation.js';
import { HourlyMetrics, type DropReason, type Outcome, type Tally } from './metrics/HourlyMetrics.js';
import { HourClosing } from './metrics/HourClosing.js';
import { buildResult, type RunResult } from './metrics/results.js';
import type { Request } from './serving/request.js';
import { buildPools } from './serving/buildPools.js';
import { RequestPath } from './serving/requestPath.js';
import { syntheticSource, traceSource, type Arrival, type ArrivalSource } from './traffic/requestSource.js';
import { openTrace } from './traffic/trace/openTrace.js';
import { ClosedLoop } from './traffic/closedLoop.js';
import { ClosedLoopHours } from './metrics/ClosedLoopHours.js';
import { Sessions } from './traffic/sessions.js';
import { PRIORITY } from './serving/Replica.js';
import { fleetHours } from './cost/fleetBilling.js';
import { startFleetControllers } from './fleet/controllers.js';

export { stepModelFor } from './serving/buildPools.js';

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
   * tallies per class (read only). It may throw to abandon the run, or return 'pause' to have
   * `startSimulation` return a PausedRun once the event under way is done: `capsim plan` stops a
   * point whose closed hour already misses its SLO (src/sweep/earlyStop.ts).
   */
  onHourClosed?: (hour: number, tallies: readonly Tally[]) => void | 'pause';
}

/**
 * A run paused between two events (SimulateOptions.onHourClosed returned 'pause'). `resume`
 * goes on from the next event: the run it finishes is the one `simulate` would have returned,
 * since pausing only returns from the event loop and changes no state.
 */
export interface PausedRun {
  readonly paused: true;
  resume(): SimulationRun | PausedRun;
}

export interface SimulationRun extends RunResult {
  /** Engine counters (not written to outputs: they describe the run, not the service). */
  stats: { events: number; requests: number; simulatedS: number };
}

/**
 * Simulates one scenario request by request and returns its hourly rows and summary.
 * Pure: no printing, no files, no clock; the same scenario gives the same result.
 */
export function simulate(scenario: Scenario, options: SimulateOptions = {}): SimulationRun {
  let run = startSimulation(scenario, options);
  while ('resume' in run) run = run.resume();
  return run;
}

/** `simulate`, but a run whose onHourClosed asks to pause returns paused (PausedRun). */
export function startSimulation(scenario: Scenario, options: SimulateOptions = {}): SimulationRun | PausedRun {
  const fastForward = options.fastForward ?? true;
  const checkInvariants = options.checkInvariants ?? process.env.CAPSIM_CHECK_INVARIANTS === '1';
  const horizonS = scenario.durationS ?? traceSpanS(scenario);
  const hours = Math.ceil(horizonS / 3600);
  const sim = new Simulation();
  const metrics = new HourlyMetrics(scenario, hours, horizonS);

  // Every request ends here, whatever served it: metrics, the test hook, the session it is a turn
  // of (which may send its next turn), the closed-loop user (who waits for a whole session).
  let closedLoop: ClosedLoop | null = null;
  let sessions: Sessions | null = null;
  const onHourClosed = options.onHourClosed;
  const closing = onHourClosed
    ? new HourClosing(hours, (h) => {
        if (onHourClosed(h, metrics.tallies[h]) === 'pause') sim.pause();
      })
    : null;
  let closedUsers: ClosedLoopHours | null = null;
  const end = (r: Request, outcome: Outcome, reason?: DropReason) => {
    metrics.onEnd(r, outcome, reason);
    closing?.ended(r.arrivedAt, sim.now);
    options.onRequestEnd?.(r, outcome);
    const at = outcome === 'dropped' ? sim.now : r.finishedAt;
    const session = r.session;
    if (session !== null && (sessions as Sessions).ended(r, outcome, at)) return;
    closedLoop?.ended(session === null ? r.id : session.firstRequestId, at);
  };

  const { pools, units, busyByUnit, workByUnit, links } = buildPools(scenario, sim, hours, horizonS, { fastForward, checkInvariants }, end);
  units.forEach(({ pool }, u) => {
    const busy = busyByUnit[u];
    startFleetControllers(sim, pool, horizonS, scenario.seed, () => busy.reduce((a, b) => a + b, 0));
  });
  const arrived = (r: Request) => {
    metrics.onArrival(r);
    closing?.arrived(r.arrivedAt);
  };
  const path = new RequestPath(scenario, sim, pools, arrived, end);
  // Sessions start from arrivals of session classes (synthetic traffic only, not replays).
  if (Sessions.used(scenario) && options.arrivals === undefined) sessions = new Sessions(scenario, sim, horizonS, (a) => path.arrive(a));
  const send = sessions === null ? (a: Arrival) => path.arrive(a) : (a: Arrival) => path.arrive((sessions as Sessions).begin(a));

  // Traffic: open-loop arrivals pulled one at a time as the clock reaches each, or closed-loop users.
  const closed = scenario.traffic.arrival === 'closed' && options.arrivals === undefined;
  if (closed) {
    const classes = scenario.classes;
    closedUsers = new ClosedLoopHours(hours, classes.length, classes.some((c) => c.users !== undefined));
    closedLoop = new ClosedLoop(scenario, horizonS, sim, send, closedUsers);
    closedLoop.start();
  } else {
    const source = options.arrivals ?? (scenario.traffic.trace !== null ? traceSource(scenario, horizonS) : syntheticSource(scenario, horizonS));
    const progressEvery = options.progressEvery ?? 100_000;
    // One arrival is pending at a time, held beside the event heap (Simulation.hold), with one handler.
    let pending: Arrival | null = null;
    const arriveNext = () => {
      send(pending as Arrival);
      if (options.onProgress && path.created % progressEvery === 0) options.onProgress(sim.now, path.created);
      scheduleNext();
    };
    const scheduleNext = () => {
      pending = source();
      if (pending !== null) sim.hold(pending.time, arriveNext, PRIORITY.arrival);
    };
    scheduleNext();
  }
  const proceed = (): SimulationRun | PausedRun => {
    sim.run();
    return sim.paused ? { paused: true, resume: proceed } : finish();
  };
  const finish = (): SimulationRun => {
    closedLoop?.finish();
    // Nothing left to happen: requests still waiting have no replica to serve them.
    for (const { pool } of units) pool.dropWaiting();

    const fleets = units.map(({ pool, poolIndex, role }) => fleetHours(pool.spec, pool.slots, horizonS, hours, poolIndex, role));
    const result = buildResult(scenario, horizonS, metrics, busyByUnit, {
      fleets,
      requeued: units.reduce((n, u) => n + u.pool.requeued, 0),
      failures: units.reduce((n, u) => n + u.pool.failures, 0),
      work: workByUnit,
      units: units.map((u) => ({ role: u.role, requeued: u.pool.requeued, failures: u.pool.failures })),
      links,
    }, closedUsers);
    if (sessions !== null) result.summary.sessions = sessions.summary();
    return { ...result, stats: { events: sim.eventsRun, requests: path.created, simulatedS: sim.now } };
  };
  return proceed();
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
