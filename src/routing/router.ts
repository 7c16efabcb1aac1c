import type { Replica } from '../serving/Replica.js';
import type { Uniform } from '../random/streams.js';

/**
 * Picks the replica a new request joins (the global router, separate from each replica's
 * batcher). `shared_queue` has no router: requests wait in one pool queue that replicas pull from.
 */
export type Router = (replicas: readonly Replica[]) => Replica;

/** Fewest requests waiting + running; ties go to the lowest index. O(replicas). */
export const leastLoaded: Router = (replicas) => {
  let best = replicas[0];
  let bestLoad = best.load();
  for (let i = 1; i < replicas.length; i++) {
    const load = replicas[i].load();
    if (load < bestLoad) {
      best = replicas[i];
      bestLoad = load;
    }
  }
  return best;
};

/** Each replica in turn. */
export function roundRobin(): Router {
  let next = 0;
  return (replicas) => replicas[next++ % replicas.length];
}

/** Uniformly at random, from the router's own stream. */
export function randomRouter(u: Uniform): Router {
  return (replicas) => replicas[Math.floor(u() * replicas.length)];
}
