/**
 * The break-even search's walk over rates (src/sweep/breakEven.ts), on synthetic cost curves
 * whose crossing is known in closed form:
 * - self-hosted static(r) = 100 + 50 x ceil(r / 10) USD/day (fixed costs + whole replicas of
 *   10 requests/s each), API(r) = 12 r: on (10, 20] static is 200, so they cross at r = 200 / 12
 *   = 16.67 requests/s, and static is dearer below, cheaper above (up to 40 at least).
 * - API(r) = r: the API is cheaper at every rate; the search stops at rate x max_factor.
 */
import { describe, expect, it } from 'vitest';
import { searchBreakEven, type RatePoint } from '../../src/sweep/breakEven.js';

const plan = (api: (r: number) => number) => async (rate: number): Promise<RatePoint> => {
  const own = 100 + 50 * Math.ceil(rate / 10);
  return { rate, gpus: Math.ceil(rate / 10), per_day: { static: own, schedule: own, reserved_mix: null, api: { a: api(rate) } } };
};

describe('searchBreakEven', () => {
  it('brackets the closed-form crossing within one step, walking down from the workload rate', async () => {
    const found = await searchBreakEven(20, ['a'], plan((r) => 12 * r), { step: 2, maxFactor: 16 });
    const r = found.results.find((x) => x.option === 'static')!;
    expect(r).toMatchObject({ status: 'bracketed', below: 10, above: 20 });
    expect(r.below!).toBeLessThan(200 / 12);
    expect(r.above!).toBeGreaterThanOrEqual(200 / 12);
    // linear interpolation between (10: 150 - 120 = +30) and (20: 200 - 240 = -40): 10 + 10 x 30/70
    expect(r.rate).toBeCloseTo(10 + (10 * 30) / 70, 4);
    expect(found.tried.map((p) => p.rate)).toEqual([10, 20]);
    // reserved_mix is null at the workload's rate: not compared
    expect(found.results.map((x) => x.option)).toEqual(['static', 'schedule']);
  });

  it('with a finer step the bracket narrows around the same crossing', async () => {
    const found = await searchBreakEven(20, ['a'], plan((r) => 12 * r), { step: 1.25, maxFactor: 16 });
    const r = found.results.find((x) => x.option === 'static')!;
    expect(r.status).toBe('bracketed');
    expect(r.above! / r.below!).toBeCloseTo(1.25, 3);
    expect(r.below!).toBeLessThan(200 / 12);
    expect(r.above!).toBeGreaterThanOrEqual(200 / 12);
  });

  it('says dearer at every rate tried when the API always wins, after trying up to rate x max_factor', async () => {
    const found = await searchBreakEven(20, ['a'], plan((r) => r), { step: 2, maxFactor: 16 });
    expect(found.results[0]).toMatchObject({ status: 'dearer_at_every_rate_tried', below: null, above: null, rate: null });
    expect(found.tried.map((p) => p.rate)).toEqual([20, 40, 80, 160, 320]);
  });
});
