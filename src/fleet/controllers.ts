import type { Simulation } from '../engine/Simulation.js';
import { stream } from '../random/streams.js';
import type { Pool } from '../serving/Pool.js';
import { startReactive, startSchedule } from './autoscaler.js';
import { startFailures } from './failures.js';
import { startSpotInterruptions } from './spot.js';

/**
 * Starts what changes a pool's fleet during the run: the autoscaler (schedule or reactive), GPU
 * failures and spot interruptions, each with its own seeded stream.
 */
export function startFleetControllers(sim: Simulation, pool: Pool, horizonS: number, seed: number, busyGpuS: () => number): void {
  const spec = pool.spec;
  if (spec.autoscale?.schedule) startSchedule(sim, pool, spec.autoscale.schedule, horizonS);
  else if (spec.autoscale) startReactive(sim, pool, horizonS, busyGpuS);
  if (spec.failures) startFailures(sim, pool, horizonS, stream(seed, `failures:${spec.name}`));
  const spot = spec.pricing.spot;
  if (spot && spot.interruptionsPerHour > 0 && spec.pricing.onTop.kind === 'spot') {
    startSpotInterruptions(sim, pool, horizonS, stream(seed, `spot:${spec.name}`));
  }
}
