import type { RouterFactory, RouterName } from './router.js';
import { leastLoaded } from './leastLoaded.js';
import { roundRobin } from './roundRobin.js';
import { random } from './random.js';
import { prefixAffinity } from './prefixAffinity.js';
import { sessionAffinity } from './sessionAffinity.js';

/**
 * `serving.router` name -> router factory. A new router is one file exporting a RouterFactory,
 * one entry here and one value in the schema's `serving.router` enum (the type below fails to
 * compile until the entry exists).
 */
export const ROUTERS: { readonly [name in RouterName]: RouterFactory } = {
  least_loaded: leastLoaded,
  round_robin: roundRobin,
  random,
  prefix_affinity: prefixAffinity,
  session_affinity: sessionAffinity,
};
