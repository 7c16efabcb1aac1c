import type { Replica } from '../serving/Replica.js';
import { LeastLoadedIndex } from './LeastLoadedIndex.js';
import type { Router, RouterFactory } from './router.js';

/** `serving.affinity_slack` when the workload leaves it out: requests. */
export const AFFINITY_SLACK_DEFAULT = 4;

/**
 * `session_affinity`: a later turn of a session goes to the replica that took its previous turn
 * (where its context is resident in the prefix cache) unless that replica's load exceeds the
 * least loaded one's by more than `serving.affinity_slack` requests, or it is no longer ready;
 * then, like every request that is not a later turn, to the least loaded replica
 * (`least_loaded`'s rule, ties to the lowest index). Load is requests waiting in a replica's
 * queue plus running, kept in a heap from the pool's notifications (LeastLoadedIndex).
 *
 * It records on each later turn whether affinity was kept (`Request.affinityKept`) and on each
 * session the replica its turn joined (`Session.replica`).
 */
export const sessionAffinity: RouterFactory = ({ serving }) => {
  const slack = serving.affinitySlack ?? AFFINITY_SLACK_DEFAULT;
  const index = new LeastLoadedIndex();
  /** Replica index -> replica (replica indexes are slot indexes: dense from 0). */
  const byIndex: Replica[] = [];
  const router: Router = {
    route: (request) => {
      const least = index.min();
      const session = request.session;
      if (session === null || session.turn === 1 || session.replica < 0) return byIndex[least];
      const previous = session.replica;
      const kept = index.has(previous) && index.loadOf(previous) - index.loadOf(least) <= slack;
      request.affinityKept = kept ? 1 : 0;
      return byIndex[kept ? previous : least];
    },
    readyChanged: (replica, ready) => {
      if (ready) {
        byIndex[replica.index] = replica;
        index.add(replica.index, replica.load());
      } else index.remove(replica.index);
    },
    joined: (replica, request) => {
      index.change(replica.index, +1);
      if (request.session !== null) request.session.replica = replica.index;
    },
    left: (replica) => index.change(replica.index, -1),
  };
  return router;
};
