import type { Replica } from '../serving/Replica.js';
import { LeastLoadedIndex } from './LeastLoadedIndex.js';
import type { Router, RouterFactory } from './router.js';

/**
 * `least_loaded`: the ready replica with the fewest requests waiting in its queue plus running;
 * ties go to the lowest index. The loads are kept in a heap (LeastLoadedIndex) updated by the
 * pool's notifications, so a pick is O(1) and a change O(log replicas), not a scan per arrival.
 */
export const leastLoaded: RouterFactory = () => {
  const index = new LeastLoadedIndex();
  /** Replica index -> replica (replica indexes are slot indexes: dense from 0). */
  const byIndex: Replica[] = [];
  const router: Router = {
    route: () => byIndex[index.min()],
    readyChanged: (replica, ready) => {
      if (ready) {
        byIndex[replica.index] = replica;
        index.add(replica.index, replica.load());
      } else index.remove(replica.index);
    },
    joined: (replica) => index.change(replica.index, +1),
    left: (replica) => index.change(replica.index, -1),
  };
  return router;
};
