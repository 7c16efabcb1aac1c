import type { Simulation } from '../engine/Simulation.js';
import type { Uniform } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import type { Pool, Slot } from '../serving/Pool.js';
import { PRIORITY } from '../serving/Replica.js';

/**
 * GPU failures (`fleet.failures: {mtbf, repair}`): each GPU fails after an exponential time with
 * mean `mtbf`, so a replica of g GPUs fails at rate g / mtbf while it serves; it is then down for
 * an exponential repair time with mean `repair`, its requests going to other replicas (running
 * ones lose their KV cache). Over a long run the fraction of replica-time lost tends to
 * MTTR / (MTBF / g + MTTR). Failures stop at the horizon.
 */
export function startFailures(sim: Simulation, pool: Pool, horizonS: number, u: Uniform): void {
  const spec = pool.spec.failures!;
  const mtbfReplicaS = spec.mtbfS / pool.spec.gpusPerReplica;
  const armed = new Set<Slot>();
  const arm = (slot: Slot) => {
    if (armed.has(slot)) return;
    armed.add(slot);
    const at = sim.now + exponential(u, mtbfReplicaS);
    if (at >= horizonS) return;
    sim.at(at, () => {
      armed.delete(slot);
      if (slot.state !== 'ready') return;
      pool.fail(slot);
      const back = sim.now + exponential(u, spec.repairS);
      sim.at(back, () => pool.repair(slot), PRIORITY.arrival);
    }, PRIORITY.arrival);
  };
  pool.onReady = chain(pool.onReady, arm);
  for (const slot of pool.slots) if (slot.state === 'ready') arm(slot);
}

/** Calls both hooks. */
export function chain<T>(a: ((x: T) => void) | null, b: (x: T) => void): (x: T) => void {
  return a === null ? b : (x) => {
    a(x);
    b(x);
  };
}
