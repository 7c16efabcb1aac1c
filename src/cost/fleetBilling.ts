import type { PoolSpec } from '../workload/scenario.js';
import type { Slot } from '../serving/Pool.js';

const HOUR_S = 3600;

/** One fleet's figures per hour row (an aggregated pool, or one role of a disaggregated pool). */
export interface FleetHours {
  /** The fleet's spec (a role's, for a disaggregated pool). */
  readonly spec: PoolSpec;
  /** Index into `scenario.pools` of the pool it belongs to. */
  readonly poolIndex: number;
  /** null for an aggregated pool. */
  readonly role: 'prefill' | 'decode' | null;
  /** GPU-seconds provisioned (billed) in each hour: provisioning, ready, draining, down, spare. */
  provisionedGpuS: Float64Array;
  /** Replica-seconds ready to serve in each hour. */
  readyReplicaS: Float64Array;
  /** USD per hour by pricing kind. */
  reserved: Float64Array;
  onDemand: Float64Array;
  spot: Float64Array;
  custom: Float64Array;
}

/** Adds `amount` per second over [start, end) to the hour buckets it overlaps. */
function spread(into: Float64Array, start: number, end: number, perSecond: number): void {
  let s = start;
  while (s < end) {
    const hour = Math.floor(s / HOUR_S);
    if (hour >= into.length) break;
    const hourEnd = Math.min(end, (hour + 1) * HOUR_S);
    into[hour] += (hourEnd - s) * perSecond;
    s = hourEnd;
  }
}

/**
 * What a pool's fleet cost, hour by hour, from the life of its replicas.
 *
 * - The reserved base (`pricing.reserved.gpus`) is billed every hour of the horizon whether used or
 *   not; replicas it covers cost nothing more.
 * - Every other replica is billed at the on-top price (on-demand, spot or a custom number) from
 *   the moment it is provisioned until it stops (drained, interrupted) or the horizon ends:
 *   provisioning, serving, draining, under repair and standing by as a spare are all billed.
 * - `billing: per_second` bills exactly that time; `per_hour` bills each started instance-hour
 *   whole, in the hour row where that instance-hour began (the reserved base likewise bills a
 *   started hour of the horizon whole).
 */
export function fleetHours(
  pool: PoolSpec,
  slots: readonly Slot[],
  horizonS: number,
  hours: number,
  poolIndex = 0,
  role: 'prefill' | 'decode' | null = null,
): FleetHours {
  const f: FleetHours = {
    spec: pool,
    poolIndex,
    role,
    provisionedGpuS: new Float64Array(hours),
    readyReplicaS: new Float64Array(hours),
    reserved: new Float64Array(hours),
    onDemand: new Float64Array(hours),
    spot: new Float64Array(hours),
    custom: new Float64Array(hours),
  };
  const gpus = pool.gpusPerReplica;
  const perHour = pool.billing === 'per_hour';
  const reserved = pool.pricing.reserved;
  if (reserved !== null && reserved.gpus > 0) {
    for (let h = 0; h < hours; h++) {
      const seconds = Math.max(0, Math.min(HOUR_S, horizonS - h * HOUR_S));
      f.reserved[h] = reserved.gpus * reserved.pricePerHour * (perHour && seconds > 0 ? 1 : seconds / HOUR_S);
    }
  }
  const onTop = pool.pricing.onTop;
  const bucket = onTop.kind === 'spot' ? f.spot : onTop.kind === 'custom' ? f.custom : onTop.kind === 'reserved' ? f.reserved : f.onDemand;
  for (const slot of slots) {
    const start = slot.provisionedAt;
    const end = Math.min(slot.stoppedAt, horizonS);
    if (end > start) spread(f.provisionedGpuS, start, end, gpus);
    const spans = slot.readySpans;
    for (let i = 0; i < spans.length; i += 2) {
      spread(f.readyReplicaS, spans[i], Math.min(i + 1 < spans.length ? spans[i + 1] : horizonS, horizonS), 1);
    }
    if (slot.base || !(end > start)) continue;
    const price = gpus * onTop.pricePerHour;
    if (!perHour) spread(bucket, start, end, price / HOUR_S);
    else for (let t = start; t < end; t += HOUR_S) bucket[Math.min(hours - 1, Math.floor(t / HOUR_S))] += price;
  }
  return f;
}
