import type { Simulation } from '../engine/Simulation.js';
import type { Pool } from '../serving/Pool.js';
import { PRIORITY } from '../serving/Replica.js';

/** How often the reactive autoscaler looks at its metric, seconds. */
export const EVALUATION_INTERVAL_S = 30;

const HOUR_S = 3600;

/**
 * `fleet.autoscale` with a `schedule`: hour h of the day runs `schedule[h % 24]` GPUs. A schedule
 * is known ahead, so replicas for a scale-out are provisioned `provisioning` before the hour starts
 * (billed from then, ready at the hour); replicas above the count drain from the hour's start
 * (no new requests, billed until their last request ends).
 */
export function startSchedule(sim: Simulation, pool: Pool, schedule: readonly number[], horizonS: number): void {
  const gpr = pool.spec.gpusPerReplica;
  const lead = pool.provisioningS;
  // Hour 0's fleet is there from the start (the pool was built with it, ready); workload
  // resolution makes `fleet.gpus` equal schedule[0]. Should they ever differ, hour 0 still
  // follows the schedule (compared with the fleet the pool started with).
  for (let h = 0; h * HOUR_S < horizonS; h++) {
    const replicas = schedule[h % 24] / gpr;
    const previous = h === 0 ? pool.spec.replicas : schedule[(h - 1) % 24] / gpr;
    if (replicas > previous) sim.at(Math.max(0, h * HOUR_S - lead), () => pool.setTarget(replicas), PRIORITY.arrival);
    else if (replicas < previous) sim.at(h * HOUR_S, () => pool.setTarget(replicas), PRIORITY.arrival);
  }
}

/**
 * Reactive autoscaling, evaluated every 30 s.
 *
 * The metric:
 * - `utilization`: busy GPU-seconds / ready GPU-seconds over the last interval. A
 *   continuous-batching replica is busy whenever it holds a request, so this only sees idle time.
 * - `queue_time`: how long requests wait before their first token — the mean time from arrival to
 *   first token of the requests that completed in the interval (a prefill pool: that handed over),
 *   or the age of the oldest request still waiting for admission if larger. A decode pool of a
 *   disaggregated fleet measures its own wait instead: from the KV's arrival to decode admission. Under continuous batching a request is admitted at the
 *   next iteration while the batch and KV memory allow, and waiting shows up as prefill delayed
 *   behind other work, so time to first token is the wait that matters.
 *
 * The metric is smoothed over about three intervals (exponential weight 0.3) before it is
 * compared with the target. Scale-out, at once, when it exceeds the target: Kubernetes HPA's
 * proportional rule desired = ceil(active x metric / target), at least one replica more, at most
 * 1.5x; new replicas serve after `provisioning`.
 *
 * Scale-in, one replica per `cooldown`, when the metric is under half the target AND the load
 * one replica fewer would carry is known to be safe. The controller learns the fleet's load curve
 * as it runs: for each level of traffic per ready replica (arrivals per second, in 5% steps) it
 * remembers the worst metric it has seen there. Removing a replica raises the per-replica load by
 * active / (active - 1); that is allowed when the level it lands on has been seen under the target,
 * or never seen while the metric is under a quarter of the target (exploration). Without this
 * memory, a proportional rule on a latency metric removes a replica at the peak, misses the SLO
 * and adds it back, over and over.
 *
 * The target stays within min..max GPUs. With `min: 0` the last replica is removed only when no
 * request arrived in the last interval and none waits or runs (one replica fewer than one carries
 * no traffic at all); from 0 replicas a waiting request scales out (queue_time: its age is the
 * metric; utilization: a waiting request counts as fully busy).
 */
export function startReactive(sim: Simulation, pool: Pool, horizonS: number, busyGpuS: () => number): void {
  const spec = pool.spec.autoscale!;
  const gpr = pool.spec.gpusPerReplica;
  // min: 0 lets the fleet scale in to nothing when no request arrives or waits (see below).
  const minReplicas = Math.ceil(spec.min / gpr);
  const maxReplicas = Math.floor(spec.max / gpr);
  let waitSum = 0;
  let waitCount = 0;
  let lastChange = -Infinity;
  let lastBusy = 0;
  let lastArrivals = 0;
  let smoothed: number | null = null;
  const SMOOTHING = 0.3;
  /** Worst metric seen at each load level: level = round(log(arrivals/s per replica) / log 1.05). */
  const worstAtLevel = new Map<number, number>();
  const level = (perReplica: number) => Math.round(Math.log(Math.max(perReplica, 1e-6)) / Math.log(1.05));
  // A decode pool (disaggregated serving) waits from the KV's arrival to its decode admission.
  const decode = pool.role === 'decode';
  pool.onCompleted = (r) => {
    waitSum += decode ? r.decodeStartedAt - r.transferredAt : r.firstTokenAt - r.arrivedAt;
    waitCount++;
  };

  const evaluate = () => {
    const active = pool.targetReplicas;
    const ready = pool.readyCount();
    const busy = busyGpuS();
    const readyGpuS = ready * gpr * EVALUATION_INTERVAL_S;
    let metric: number;
    if (spec.metric === 'utilization') {
      // No replica at all (scaled to 0): fully loaded if a request waits, idle otherwise.
      if (active === 0 && ready === 0) metric = pool.load() > 0 ? 1 : 0;
      else metric = readyGpuS > 0 ? Math.min(1, (busy - lastBusy) / readyGpuS) : 1;
    }
    else metric = Math.max(waitCount > 0 ? waitSum / waitCount : 0, pool.oldestWaitS(sim.now));
    // Smooth over about three intervals: one burst of long prompts is not a trend.
    smoothed = smoothed === null ? metric : SMOOTHING * metric + (1 - SMOOTHING) * smoothed;
    const rate = (pool.arrivals - lastArrivals) / EVALUATION_INTERVAL_S;
    lastBusy = busy;
    lastArrivals = pool.arrivals;
    waitSum = 0;
    waitCount = 0;
    if (ready > 0 && rate > 0) {
      const here = level(rate / ready);
      worstAtLevel.set(here, Math.max(worstAtLevel.get(here) ?? 0, metric));
    }

    const ratio = smoothed / spec.target;
    let desired = active;
    if (ratio > 1) desired = Math.max(active + 1, Math.ceil(active * Math.min(ratio, 1.5)));
    else if (ratio < 0.5 && active === 1 && minReplicas === 0) {
      // The last replica goes only when nothing arrived in the interval and nothing waits or runs.
      if (rate === 0 && pool.load() === 0) desired = 0;
    } else if (ratio < 0.5 && active > minReplicas && ready === active) {
      const seen = worstAtLevel.get(level(rate / (active - 1)));
      const safe = seen === undefined ? ratio < 0.25 : seen < spec.target;
      if (safe) desired = active - 1;
    }
    desired = Math.max(minReplicas, Math.min(maxReplicas, desired));
    if (desired > active) {
      pool.setTarget(desired);
      lastChange = sim.now;
    } else if (desired < active && sim.now - lastChange >= spec.cooldownS) {
      pool.setTarget(desired);
      lastChange = sim.now;
    }
    if (sim.now + EVALUATION_INTERVAL_S < horizonS) sim.schedule(EVALUATION_INTERVAL_S, evaluate, PRIORITY.arrival);
  };
  sim.schedule(EVALUATION_INTERVAL_S, evaluate, PRIORITY.arrival);
}
