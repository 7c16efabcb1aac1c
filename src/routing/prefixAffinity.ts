import type { Replica } from '../serving/Replica.js';
import type { Router, RouterFactory } from './router.js';

/**
 * Default of `serving.affinity_weight`: what one request of load (waiting plus running) costs in
 * the score, in units of a whole prompt's reuse. 0.05: a replica holding the request's whole prompt
 * wins over one 20 requests less loaded that holds none of it (see docs/workload.md, and
 * test/routing/prefixAffinity.test.ts for the Mooncake trace it was chosen on).
 */
export const AFFINITY_WEIGHT = 0.05;

/**
 * `prefix_affinity`: cache-aware routing (llm-d's and BLIS's prefix-affinity scorer balanced
 * against a load scorer). Each ready replica scores
 *
 *   score = resident / prompt_tokens - affinity_weight x load
 *
 * with `resident` the prompt tokens of the request its prefix cache holds now (the leading run of
 * Mooncake `hash_ids` blocks, or the class's shared prefix; a lookup that changes no LRU state) and
 * `load` its requests waiting plus running (least_loaded's measure). The highest score wins, ties
 * to the lowest index. Cost per request: one prefix lookup per ready replica, no per-token work.
 * Without `cache.prefix` every `resident` is 0 and it routes as least_loaded.
 */
export const prefixAffinity: RouterFactory = ({ serving }) => {
  const weight = serving.affinityWeight ?? AFFINITY_WEIGHT;
  const router: Router = {
    route: (request, replicas) => {
      let best = replicas.at(0) as Replica;
      let bestScore = -Infinity;
      const prompt = Math.max(1, request.promptTokens);
      for (const replica of replicas) {
        const score = replica.residentPrefix(request) / prompt - weight * replica.load();
        // ready replicas come in slot (index) order: a strict > keeps ties at the lowest index
        if (score > bestScore) {
          best = replica;
          bestScore = score;
        }
      }
      return best;
    },
    readyChanged: () => {},
    joined: () => {},
    left: () => {},
  };
  return router;
};
