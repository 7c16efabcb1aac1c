/**
 * The GPU counts `capsim plan` may give one fleet (pool), read from its resolved spec:
 *
 * - a reserved base (`fleet.pricing.reserved.gpus`, or `pools[i].pricing.reserved.gpus`) is a
 *   commitment the user already holds and pays for every hour, used or not: the plan never
 *   searches fewer GPUs than it (the workload would reject such a fleet anyway), and the hourly
 *   schedule, bisected between that count and the answer, never drops below it either;
 * - an autoscaled fleet's GPU count is its starting size, which must lie within
 *   `autoscale.min..max` (with `autoscale.schedule`: equal its first hour's count).
 *
 * `pricing: reserved` (the whole fleet at the reserved price, whatever its size) is not a
 * reservation of a fixed count: it sets no floor.
 */
import type { PoolSpec } from '../workload/scenario.js';

export interface GpuBounds {
  /** Fewest GPUs the plan searches, in whole replicas (at least one replica). */
  readonly min: number;
  /** Most GPUs the workload accepts (an autoscaler's max), or null: no limit. */
  readonly max: number | null;
  /**
   * The key that sets `min` and its value (a reserved base, an autoscaler's min or first scheduled
   * hour), or null: one replica.
   */
  readonly floor: { readonly from: string; readonly gpus: number } | null;
}

/** GPUs of the pool's reserved base when it is a fixed commitment (a pricing mix), else 0. */
export function committedGpus(pool: PoolSpec): number {
  const r = pool.pricing.reserved;
  return r !== null && pool.pricing.onTop.kind !== 'reserved' ? r.gpus : 0;
}

/**
 * @param pool the pool's resolved spec
 * @param fleetKey the pool's fleet key path: `fleet` or `pools[i]`
 */
export function gpuBounds(pool: PoolSpec, fleetKey: string): GpuBounds {
  const step = pool.gpusPerReplica;
  const whole = (n: number) => Math.max(step, Math.ceil(n / step) * step);
  const a = pool.autoscale;
  if (a !== null) {
    if (a.schedule !== null) return { min: a.schedule[0], max: a.schedule[0], floor: { from: `${fleetKey}.autoscale.schedule[0]`, gpus: a.schedule[0] } };
    return { min: whole(a.min), max: a.max, floor: { from: `${fleetKey}.autoscale.min`, gpus: a.min } };
  }
  const reserved = committedGpus(pool);
  return { min: whole(reserved), max: null, floor: reserved > 0 ? { from: `${fleetKey}.pricing.reserved.gpus`, gpus: reserved } : null };
}
