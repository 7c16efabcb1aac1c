import type { Simulation } from '../engine/Simulation.js';
import type { PoolSpec, ServingSpec } from '../workload/scenario.js';
import type { Uniform } from '../random/streams.js';
import { leastLoaded, randomRouter, roundRobin, type Router } from '../routing/router.js';
import { ContinuousReplica } from './ContinuousReplica.js';
import { StaticReplica } from './StaticReplica.js';
import type { Replica, ReplicaHost } from './Replica.js';
import { RequestQueue } from './RequestQueue.js';
import type { Request } from './request.js';
import type { StepModel } from './stepModel.js';

/** What a pool reports to the run: the metrics hooks. */
export interface PoolListener {
  completed(request: Request): void;
  dropped(request: Request): void;
  busy(gpus: number, startS: number, endS: number): void;
}

/**
 * One fleet of identical replicas (`gpus / gpus_per_replica` of them) with its router.
 */
export class Pool {
  readonly replicas: Replica[];
  private readonly router: Router | null;
  private readonly shared: RequestQueue | null;
  preemptions = 0;

  constructor(
    readonly spec: PoolSpec,
    sim: Simulation,
    serving: ServingSpec,
    stepModel: StepModel,
    kvCapacityTokens: number,
    listener: PoolListener,
    routerStream: Uniform,
    fastForward: boolean,
    prefixCache: boolean,
  ) {
    const gpusPerReplica = spec.gpusPerReplica;
    const host: ReplicaHost = {
      sim,
      serving,
      stepModel,
      kvCapacityTokens,
      fastForward,
      prefixCache,
      completed: (r) => listener.completed(r),
      dropped: (r) => listener.dropped(r),
      preempted: () => this.preemptions++,
      busy: (_replica, startS, endS) => listener.busy(gpusPerReplica, startS, endS),
    };
    this.shared = serving.router === 'shared_queue' ? new RequestQueue() : null;
    const Batcher = serving.batching === 'static' ? StaticReplica : ContinuousReplica;
    this.replicas = Array.from(
      { length: spec.replicas },
      (_, i) => new Batcher(i, this.shared ?? new RequestQueue(), host, this.shared === null),
    );
    this.router =
      serving.router === 'shared_queue'
        ? null
        : serving.router === 'round_robin'
          ? roundRobin()
          : serving.router === 'random'
            ? randomRouter(routerStream)
            : leastLoaded;
  }

  /** Requests waiting in queues plus running, over all replicas. */
  load(): number {
    let n = this.shared?.length ?? 0;
    for (const r of this.replicas) n += r.load();
    return n;
  }

  enqueue(request: Request, now: number): void {
    request.queuedAt = now;
    if (this.shared !== null) {
      this.shared.push(request);
      for (const replica of this.replicas) replica.wake();
      return;
    }
    const replica = (this.router as Router)(this.replicas);
    replica.queue.push(request);
    replica.wake();
  }
}
