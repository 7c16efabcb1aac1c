import type { Replica, ReplicaView } from '../serving/Replica.js';
import type { Request } from '../serving/request.js';
import type { ServingSpec } from '../workload/scenario.js';
import type { Uniform } from '../random/streams.js';

/**
 * The global router of a pool (Vidur's split: one router per pool, separate from each replica's
 * batcher): it sees the request and the replicas that are ready, and picks the one whose queue
 * the request joins. `shared_queue` has no router: requests wait in one pool queue that the
 * replicas pull from (Pool).
 *
 * The pool tells the router what changes its view of the replicas, so a router can keep its own
 * index instead of scanning every replica per arrival (least_loaded's heap, later a prefix
 * index): a replica becoming ready or leaving service, a request joining a replica's queue, a
 * request leaving a replica (completed or dropped there). Routers that need none of it leave the
 * hooks empty.
 */
export interface Router {
  /**
   * Picks the replica for `request`; `replicas` are the ready ones in slot order, never empty (a
   * read-only view the pool keeps: `at(i)` is O(log n), iterating it O(n)).
   */
  route(request: Request, replicas: ReplicaView): Replica;
  /** A replica started serving (ready) or stopped (draining, down, stopped): called on each change. */
  readyChanged(replica: Replica, ready: boolean): void;
  /** `request` joined `replica`'s own queue (after `route` picked it and the pool kept it). */
  joined(replica: Replica, request: Request): void;
  /** `request` left `replica`: completed or dropped there. */
  left(replica: Replica, request: Request): void;
}

/** What a router is built from: everything it may read, nothing it may change. */
export interface RouterContext {
  /** The pool's name. */
  readonly pool: string;
  /** The router's own named stream (`router:<pool>`): its only source of randomness. */
  readonly stream: Uniform;
  /** The serving options (routers read their own keys there, e.g. an affinity weight). */
  readonly serving: ServingSpec;
}

/** Builds a pool's router. One per pool, made when the pool is. */
export type RouterFactory = (context: RouterContext) => Router;

/** The `serving.router` values that name a router (`shared_queue` is a pool queue, not a router). */
export type RouterName = Exclude<ServingSpec['router'], 'shared_queue'>;
