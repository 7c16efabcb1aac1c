/**
 * `fleet.pricing`: a keyword, a number, or a mix of a reserved base with on-demand or spot
 * capacity on top (docs/workload.md). Prices not given are derived from the GPU's
 * on-demand price and the catalog's default spot / reserved multipliers.
 */
import { pricingMultipliers } from '../catalog/catalog.js';
import { formatPath, type KeyPath } from './path.js';
import type { Problems } from './problems.js';
import type { ResolvedGpu } from './resolveHardware.js';
import type { PricingDoc } from './schema.js';
import type { PricingSpec } from './scenario.js';

/** Spot capacity without `interruptions_per_hour` is never interrupted. */
export const DEFAULT_SPOT_INTERRUPTIONS_PER_HOUR = 0;
/** Warning a spot GPU gets before it is taken away, seconds. */
export const DEFAULT_SPOT_NOTICE_S = 120;

export interface PricingContext {
  readonly gpu: ResolvedGpu;
  /** The fleet's GPU count (its starting size when autoscaled). */
  readonly gpus: number;
  readonly autoscaled: boolean;
  readonly path: KeyPath;
  readonly gpuPath: KeyPath;
}

export function resolvePricing(doc: PricingDoc | undefined, ctx: PricingContext, problems: Problems): PricingSpec {
  const { gpu, path } = ctx;
  let reported = false;
  /** The GPU's on-demand price, or a problem when an inline GPU has none. */
  const onDemand = (what: string): number => {
    if (!gpu.priceKnown && !reported) {
      reported = true;
      problems.add([...ctx.gpuPath, 'price_per_hour'], `is required: ${what} is derived from the GPU's on-demand price`);
    }
    return gpu.pricePerHour;
  };
  const spot = (price: number, interruptionsPerHour?: number, noticeS?: number): PricingSpec['spot'] => ({
    pricePerHour: price,
    interruptionsPerHour: interruptionsPerHour ?? DEFAULT_SPOT_INTERRUPTIONS_PER_HOUR,
    noticeS: noticeS ?? DEFAULT_SPOT_NOTICE_S,
  });

  const pricing = doc ?? 'on_demand';
  if (typeof pricing === 'number') {
    return { reserved: null, onTop: { kind: 'custom', pricePerHour: pricing }, spot: null };
  }
  if (pricing === 'on_demand') {
    return { reserved: null, onTop: { kind: 'on_demand', pricePerHour: onDemand('pricing: on_demand') }, spot: null };
  }
  if (pricing === 'spot') {
    const price = onDemand('pricing: spot') * pricingMultipliers.spot;
    return { reserved: null, onTop: { kind: 'spot', pricePerHour: price }, spot: spot(price) };
  }
  if (pricing === 'reserved') {
    const price = onDemand('pricing: reserved') * pricingMultipliers.reserved;
    return { reserved: { gpus: ctx.gpus, pricePerHour: price }, onTop: { kind: 'reserved', pricePerHour: price }, spot: null };
  }

  if (!pricing.reserved && !pricing.on_demand && !pricing.spot) {
    problems.add(path, 'a pricing mix needs at least one of reserved, on_demand, spot');
  }
  if (pricing.on_demand && pricing.spot) {
    problems.add(path, 'put either on_demand or spot on top of the reserved base, not both');
  }
  let reserved: PricingSpec['reserved'] = null;
  if (pricing.reserved) {
    const price = pricing.reserved.price_per_hour ?? onDemand('the reserved price') * pricingMultipliers.reserved;
    reserved = { gpus: pricing.reserved.gpus, pricePerHour: price };
    if (!ctx.autoscaled && pricing.reserved.gpus > ctx.gpus) {
      // The reservation is GPUs of this fleet: say both ways out (a sweep may ask for fewer on purpose).
      problems.add(
        [...path, 'reserved', 'gpus'],
        `must be <= the fleet's gpus (${ctx.gpus}), got ${pricing.reserved.gpus}: give the fleet at least ${pricing.reserved.gpus} GPUs, or lower the reservation (--set ${formatPath([...path, 'reserved', 'gpus'])}=${ctx.gpus})`,
      );
    }
  }
  if (pricing.spot) {
    const s = pricing.spot;
    const price = s.price_per_hour ?? onDemand('the spot price') * pricingMultipliers.spot;
    return { reserved, onTop: { kind: 'spot', pricePerHour: price }, spot: spot(price, s.interruptions_per_hour, s.notice) };
  }
  const price = pricing.on_demand?.price_per_hour ?? onDemand('the on-demand price');
  return { reserved, onTop: { kind: 'on_demand', pricePerHour: price }, spot: null };
}
