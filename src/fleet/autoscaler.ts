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
  // Hour 0's fleet is there from the start (the pool was built with it, ready).
  for (let h = 1; h * HOUR_S < horizonS; h++) {
    const replicas = schedule[h % 24] / gpr;
    const previous = schedule[(h - 1) % 24] / gpr;
    if (replicas > previous) sim.at(Math.max(0, h * HOUR_S - lead), () => pool.setTarget(replicas), PRIORITY.arrival);
    else if (replicas < previous) sim.at(h * HOUR_S, () => pool.setTarget(replicas), PRIORITY.arrival);
  }
}

/**
 * Reactive autoscaling, evaluated every 30 s, with Kubernetes HPA's proportional rule
 * desired = ceil(active x metric / target):
 *
 * - `metric: utilization`: busy GPU-seconds / ready GPU-seconds over the last interval. A
 *   continuous-batching replica is busy whenever it holds a request, so this only sees idle time.
 * - `metric: queue_time`: how long requests wait before their first token — the mean time from
 *   arrival to first token of the requests that completed in the interval, or the age of the
 *   oldest request still waiting for admission if larger. Under continuous batching a request is
 *   admitted at the next iteration while the batch and KV memory allow, and waiting shows up as
 *   prefill delayed behind other work, so time to first token is the wait that matters.
 *
 * Scale-out acts at once when the metric exceeds the target (at most doubling; new replicas serve
 * after `provisioning`). Scale-in needs the metric under half the target (hysteresis against
 * flapping), waits for `cooldown` since the last change and removes one replica at a time. The
 * target stays within min..max GPUs.
 */
export function startReactive(sim: Simulation, pool: Pool, horizonS: number, busyGpuS: () => number): void {
  const spec = pool.spec.autoscale!;
  const gpr = pool.spec.gpusPerReplica;
  const minReplicas = Math.max(1, Math.ceil(spec.min / gpr));
  const maxReplicas = Math.floor(spec.max / gpr);
  let waitSum = 0;
  let waitCount = 0;
  let lastChange = -Infinity;
  let lastBusy = 0;
  pool.onCompleted = (r) => {
    waitSum += r.firstTokenAt - r.arrivedAt;
    waitCount++;
  };

  const evaluate = () => {
    const active = pool.targetReplicas;
    const busy = busyGpuS();
    const readyGpuS = pool.readyCount() * gpr * EVALUATION_INTERVAL_S;
    let metric: number;
    if (spec.metric === 'utilization') metric = readyGpuS > 0 ? Math.min(1, (busy - lastBusy) / readyGpuS) : 1;
    else metric = Math.max(waitCount > 0 ? waitSum / waitCount : 0, pool.oldestWaitS(sim.now));
    lastBusy = busy;
    waitSum = 0;
    waitCount = 0;
    const ratio = metric / spec.target;
    let desired = active;
    if (ratio > 1) desired = Math.min(2 * active, Math.max(active + 1, Math.ceil(active * ratio)));
    else if (ratio < 0.5) desired = active - 1;
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
