/**
 * The request rate at which self-hosting becomes cheaper than a hosted API, found by simulation:
 * the plan is repeated at rates `rate x step^k` (k = ..., -1, 0, 1, ...), each with its own
 * GPU-count search and hourly schedule, and the costs per day of each self-hosted way (static
 * fleet, schedule, reserved mix) are compared with each API's at the same rate.
 *
 * For each (API, self-hosted way), the search walks down from the workload's rate while
 * self-hosting is cheaper at every rate tried, and up while it is dearer at every rate tried (or
 * dearer at the highest rate tried), within `rate / maxFactor .. rate x maxFactor`. The answer is
 * the bracket [below, above]: `above` is the lowest rate tried from which self-hosting is
 * cheaper (or as cheap) at every higher rate tried, `below` the rate tried just under it, where it
 * is dearer. `rate` interpolates the cost difference linearly inside the bracket. Costs are not
 * linear in the rate (GPUs come in whole replicas), so the bracket, not `rate`, is the finding;
 * its width is one step.
 */
import { SELF_HOSTED, type DayCosts, type SelfHosted } from './planEconomics.js';

/** The plan at one rate: its costs per day, or null when no GPU count tried met the SLOs. */
export interface RatePoint {
  rate: number;
  gpus: number | null;
  per_day: DayCosts | null;
}

export interface BreakEven {
  api: string;
  option: SelfHosted;
  /** The bracket's rates (requests/s), null when not found within the rates tried. */
  below: number | null;
  above: number | null;
  /** Linear interpolation of the crossing inside the bracket. */
  rate: number | null;
  /** bracketed | cheaper_at_every_rate_tried | dearer_at_every_rate_tried */
  status: 'bracketed' | 'cheaper_at_every_rate_tried' | 'dearer_at_every_rate_tried';
}

export interface BreakEvenSearch {
  step: number;
  max_factor: number;
  /** Every rate simulated, ascending, with its costs. */
  tried: RatePoint[];
  results: BreakEven[];
}

/** Rates are kept to 6 significant digits (they go into `--set traffic.rate=...`). */
export const rateAt = (rate0: number, step: number, k: number) => Number((rate0 * step ** k).toPrecision(6));

const selfCost = (p: RatePoint, option: SelfHosted) => (p.per_day === null ? null : p.per_day[option]);
/** Self-hosting is cheaper or as cheap; a rate no GPU count met (or without the figure) is dearer. */
const cheaper = (p: RatePoint, option: SelfHosted, api: string) => {
  const own = selfCost(p, option);
  return own !== null && p.per_day !== null && own <= p.per_day.api[api];
};

/** Where one (API, way) stands on the rates tried (ascending), and which rate it needs next. */
function standing(tried: readonly RatePoint[], option: SelfHosted, api: string): { result: Omit<BreakEven, 'api' | 'option'>; wants: 'lower' | 'higher' | null } {
  const ok = tried.map((p) => cheaper(p, option, api));
  const top = tried.length - 1;
  if (!ok[top]) return { result: { below: null, above: null, rate: null, status: 'dearer_at_every_rate_tried' }, wants: 'higher' };
  let first = top;
  while (first > 0 && ok[first - 1]) first--;
  if (first === 0) return { result: { below: null, above: tried[0].rate, rate: null, status: 'cheaper_at_every_rate_tried' }, wants: 'lower' };
  const lo = tried[first - 1];
  const hi = tried[first];
  const dLo = selfCost(lo, option) === null ? null : selfCost(lo, option)! - lo.per_day!.api[api];
  const dHi = selfCost(hi, option)! - hi.per_day!.api[api];
  const rate = dLo === null || dLo - dHi <= 0 ? null : Number((lo.rate + ((hi.rate - lo.rate) * dLo) / (dLo - dHi)).toPrecision(6));
  return { result: { below: lo.rate, above: hi.rate, rate, status: 'bracketed' }, wants: null };
}

/**
 * @param rate0 the workload's rate (requests/s)
 * @param at the plan at a rate: its GPU-count search and schedule
 */
export async function searchBreakEven(
  rate0: number,
  apis: readonly string[],
  at: (rate: number) => Promise<RatePoint>,
  { step, maxFactor }: { step: number; maxFactor: number },
): Promise<BreakEvenSearch> {
  const points = new Map<number, RatePoint>();
  const kMax = Math.floor(Math.log(maxFactor) / Math.log(step) + 1e-9);
  points.set(0, await at(rate0));
  // reserved_mix is null with several pools: compare only the ways the workload's rate has
  const options = SELF_HOSTED.filter((o) => selfCost(points.get(0)!, o) !== null);
  for (;;) {
    const ks = [...points.keys()].sort((a, b) => a - b);
    const tried = ks.map((k) => points.get(k)!);
    const next = new Set<number>();
    for (const api of apis) {
      for (const option of options) {
        const { wants } = standing(tried, option, api);
        if (wants === 'lower' && ks[0] > -kMax) next.add(ks[0] - 1);
        // no GPU count met the SLOs at the highest rate: higher rates cannot do better
        if (wants === 'higher' && ks[ks.length - 1] < kMax && tried[tried.length - 1].per_day !== null) next.add(ks[ks.length - 1] + 1);
      }
    }
    if (next.size === 0) break;
    const found = await Promise.all([...next].map((k) => at(rateAt(rate0, step, k))));
    [...next].forEach((k, i) => points.set(k, found[i]));
  }
  const tried = [...points.keys()].sort((a, b) => a - b).map((k) => points.get(k)!);
  const results = apis.flatMap((api) => options.map((option): BreakEven => ({ api, option, ...standing(tried, option, api).result })));
  return { step, max_factor: maxFactor, tried, results };
}
