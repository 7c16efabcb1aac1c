import type { Simulation } from '../engine/Simulation.js';
import type { Uniform } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import type { Pool, Slot } from '../serving/Pool.js';
import { PRIORITY } from '../serving/Replica.js';
import { chain } from './failures.js';

/**
 * Spot interruptions: every spot GPU (on-top capacity priced `spot`) is taken away after an
 * exponential time at `interruptions_per_hour`, so a replica of g GPUs at g times that rate. At
 * the notice (`notice` before the interruption) the replica stops admitting and its waiting
 * requests go elsewhere; at the interruption it is lost: requests still running are re-queued
 * (their KV cache lost, counted in `requeued`) and a replacement is provisioned (the pool keeps
 * its target; with autoscaling, the autoscaler may also react). Nothing is lost: every request
 * still ends completed or dropped.
 */
export function startSpotInterruptions(sim: Simulation, pool: Pool, horizonS: number, u: Uniform): void {
  const spot = pool.spec.pricing.spot!;
  const meanS = 3600 / (spot.interruptionsPerHour * pool.spec.gpusPerReplica);
  const armed = new Set<Slot>();
  const arm = (slot: Slot) => {
    if (slot.base || armed.has(slot)) return;
    armed.add(slot);
    const at = sim.now + exponential(u, meanS);
    if (at >= horizonS) return;
    const noticeAt = Math.max(sim.now, at - spot.noticeS);
    sim.at(noticeAt, () => pool.notice(slot), PRIORITY.arrival);
    sim.at(at, () => pool.interrupt(slot), PRIORITY.arrival);
  };
  pool.onReady = chain(pool.onReady, arm);
  for (const slot of pool.slots) if (slot.state === 'ready') arm(slot);
}
