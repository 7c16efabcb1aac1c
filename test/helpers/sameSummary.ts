import { expect, vi } from 'vitest';
import { FleetWork } from '../../src/metrics/FleetWork.js';

interface WithFleet {
  readonly fleet?: { readonly kv_utilization?: number | null; readonly mfu?: number | null; readonly mbu?: number | null };
}

/**
 * The fast path's summary equals the reference path's, key by key, except three time-averaged
 * fleet figures, `fleet.kv_utilization`, `fleet.mfu` and `fleet.mbu`, compared to one unit of
 * their 6th (last) digit. Their unrounded integrals agree to float summation noise (see
 * `expectSameWork`, 1e-12 relative), so a figure can round differently only when its exact value
 * lies within ~1e-12 of a rounding midpoint, and then by one unit (1e-6; + 1e-12 for the rounding
 * of the subtraction itself: 0.879105 - 0.879104 is 1.0000000000287557e-6). None does on
 * test/sim/fastVsReference.test.ts's 51 workloads (measured 2026-12-03, both paths' figures
 * equal); before the fast path reported a run crossing the horizon in pieces
 * (ContinuousReplica.reportWork) they differed by up to 2.5e-5 (kv_utilization) and were
 * compared to 2e-4.
 * Everything else exactly.
 */
export function expectSameSummary(fast: unknown, reference: unknown): void {
  const { fleet: f, ...fastRest } = fast as WithFleet;
  const { fleet: r, ...refRest } = reference as WithFleet;
  expect(fastRest).toEqual(refRest);
  const loose = { kv_utilization: 0, mfu: 0, mbu: 0 };
  expect({ ...f, ...loose }).toEqual({ ...r, ...loose });
  const oneUnit = 1e-6 + 1e-12;
  expect(Math.abs((f?.kv_utilization ?? 0) - (r?.kv_utilization ?? 0))).toBeLessThanOrEqual(oneUnit);
  expect(Math.abs((f?.mfu ?? 0) - (r?.mfu ?? 0))).toBeLessThanOrEqual(oneUnit);
  expect(Math.abs((f?.mbu ?? 0) - (r?.mbu ?? 0))).toBeLessThanOrEqual(oneUnit);
}

/** A run's fleet work integrals per hour, summed over its pools (FleetWork's arrays, unrounded). */
export interface WorkIntegrals {
  readonly peakFlopS: number[];
  readonly peakByteS: number[];
  readonly seqS: number[];
  readonly kvShareS: number[];
}

/** Runs `body` and returns its result with the work integrals of every FleetWork it filled. */
export function withWork<T>(body: () => T): { result: T; work: WorkIntegrals } {
  const add = vi.spyOn(FleetWork.prototype, 'add');
  try {
    const result = body();
    const works = [...new Set(add.mock.contexts as FleetWork[])];
    const hours = Math.max(0, ...works.map((w) => w.seqS.length));
    const sum = (key: keyof WorkIntegrals) => Array.from({ length: hours }, (_, h) => works.reduce((s, w) => s + (w[key][h] ?? 0), 0));
    return { result, work: { peakFlopS: sum('peakFlopS'), peakByteS: sum('peakByteS'), seqS: sum('seqS'), kvShareS: sum('kvShareS') } };
  } finally {
    add.mockRestore();
  }
}

/**
 * The fast path's work integrals (the numerators of mfu, mbu, batch_size_mean, kv_utilization)
 * equal the reference's hour by hour to 1e-12 relative. The same iterations are counted; only the
 * summation order differs (a run's FLOPs and bytes one product over its k iterations against k
 * reports, each divided by its span and multiplied back in FleetWork.add), ~1e-16 per operation
 * over 1e4-1e5 reports: measured at most 2.5e-14 on fastVsReference's 51 workloads at 15 min,
 * 6.4e-14 over the whole run at 61 min (2026-12-03). Spreading a run's average across an hour boundary or the horizon, as the
 * fast path once did, showed as 1e-8 to 3e-5.
 */
export function expectSameWork(fast: WorkIntegrals, reference: WorkIntegrals): void {
  for (const key of ['peakFlopS', 'peakByteS', 'seqS', 'kvShareS'] as const) {
    expect(fast[key].length).toBe(reference[key].length);
    fast[key].forEach((x, h) => {
      const ref = reference[key][h];
      const rel = ref === 0 ? Math.abs(x) : Math.abs(x - ref) / Math.abs(ref);
      expect(rel, `${key} hour ${h}: fast ${x}, reference ${ref}`).toBeLessThanOrEqual(1e-12);
    });
  }
}
