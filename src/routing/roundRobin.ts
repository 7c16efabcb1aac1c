import type { Replica } from '../serving/Replica.js';
import type { RouterFactory } from './router.js';

/** `round_robin`: each ready replica in turn (the n-th routed request goes to ready replica n mod count). */
export const roundRobin: RouterFactory = () => {
  let next = 0;
  return {
    route: (_request, replicas) => replicas.at(next++ % replicas.length) as Replica,
    readyChanged: () => {},
    joined: () => {},
    left: () => {},
  };
};
