import { expect } from 'vitest';

interface WithFleet {
  readonly fleet?: { readonly kv_utilization?: number | null };
}

/**
 * The fast path's summary equals the reference path's, key by key, except `fleet.kv_utilization`
 * (time-averaged KV use): the fast path integrates it per run, the reference per iteration, and
 * they differ in the 6th digit (fast slightly higher; an open item of that metric, not of the
 * schedule). It is compared to 1e-4 (seen: up to 1.6e-5); everything else exactly.
 */
export function expectSameSummary(fast: unknown, reference: unknown): void {
  const { fleet: f, ...fastRest } = fast as WithFleet;
  const { fleet: r, ...refRest } = reference as WithFleet;
  expect(fastRest).toEqual(refRest);
  expect({ ...f, kv_utilization: 0 }).toEqual({ ...r, kv_utilization: 0 });
  expect(Math.abs((f?.kv_utilization ?? 0) - (r?.kv_utilization ?? 0))).toBeLessThanOrEqual(1e-4);
}
