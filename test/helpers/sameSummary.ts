import { expect } from 'vitest';

interface WithFleet {
  readonly fleet?: { readonly kv_utilization?: number | null; readonly mfu?: number | null; readonly mbu?: number | null };
}

/**
 * The fast path's summary equals the reference path's, key by key, except three time-averaged
 * fleet figures:
 * - `fleet.kv_utilization`: the fast path integrates it per run, the reference per iteration, and
 *   they differ in the 6th digit (fast slightly higher; an open item of that metric, not of the
 *   schedule). Compared to 2e-4 (seen: up to 1.6e-5 with the host overheads off; 1.51e-4 with
 *   the default ones, test/sim/fastVsReference.test.ts "dropping: sessions, least_loaded", where
 *   the schedule is still identical request by request; not yet explained).
 * - `fleet.mfu`, `fleet.mbu`: the same FLOPs and bytes summed per run or per iteration, a different
 *   floating-point summation order, so the 6-digit rounding can differ by one unit (seen: mbu
 *   0.666421 vs 0.66642 with prefix_affinity, saturated). Compared to 2e-6.
 * Everything else exactly.
 */
export function expectSameSummary(fast: unknown, reference: unknown): void {
  const { fleet: f, ...fastRest } = fast as WithFleet;
  const { fleet: r, ...refRest } = reference as WithFleet;
  expect(fastRest).toEqual(refRest);
  const loose = { kv_utilization: 0, mfu: 0, mbu: 0 };
  expect({ ...f, ...loose }).toEqual({ ...r, ...loose });
  expect(Math.abs((f?.kv_utilization ?? 0) - (r?.kv_utilization ?? 0))).toBeLessThanOrEqual(2e-4);
  expect(Math.abs((f?.mfu ?? 0) - (r?.mfu ?? 0))).toBeLessThanOrEqual(2e-6);
  expect(Math.abs((f?.mbu ?? 0) - (r?.mbu ?? 0))).toBeLessThanOrEqual(2e-6);
}
