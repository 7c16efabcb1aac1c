import type { Simulation } from '../engine/Simulation.js';
import type { PoolSpec, ServingSpec } from '../workload/scenario.js';
import type { Uniform } from '../random/streams.js';
import type { Router } from '../routing/router.js';
import { ROUTERS } from '../routing/routers.js';
import { ContinuousReplica } from './ContinuousReplica.js';
import { StaticReplica } from './StaticReplica.js';
import { PRIORITY, type Replica, type ReplicaHost, type ReplicaRole } from './Replica.js';
import { ReadyReplicas } from './ReadyReplicas.js';
import { type LookIndex, lookIndex } from './LookIndex.js';
import { SlotSet } from './SlotSet.js';
import { BATCH_SLOTS, RequestQueue } from './RequestQueue.js';
import { Phase, type Request } from './request.js';
import type { StepModel } from './stepModel.js';
import { iterationWork } from '../gpu/iterationWork.js';
import type { SpeculativeSetup } from './SpeculativeDecoder.js';

/** What a pool is built from, besides its spec: the run's serving options and models. */
export interface PoolSetup {
  readonly serving: ServingSpec;
  readonly stepModel: StepModel;
  /** KV-cache capacity of one replica, tokens. */
  readonly kvCapacityTokens: number;
  /** The router's own stream (`router:<pool>`). */
  readonly routerStream: Uniform;
  /** false: one event per iteration (the reference path). */
  readonly fastForward: boolean;
  /** `cache.prefix`. */
  readonly prefixCache: boolean;
  /** Tokens per trace KV block (`traffic.trace.block_tokens`): what one `hash_ids` entry covers. */
  readonly hashBlockTokens: number;
  readonly speculative: SpeculativeSetup | null;
  readonly checkInvariants: boolean;
  /** What its replicas do: `both` (aggregated, the default), or one role of a disaggregated pool. */
  readonly role?: ReplicaRole;
}

/** What a pool reports to the run: the metrics hooks. */
export interface PoolListener {
  completed(request: Request): void;
  dropped(request: Request): void;
  busy(gpus: number, startS: number, endS: number): void;
  /** A prefill pool's request finished its prefill on replica `replica` and leaves for decode. */
  prefilled?(request: Request, replica: number): void;
  /** A replica's iterations over [startS, endS): see ReplicaHost.ran. */
  ran(startS: number, endS: number, flops: number, bytes: number, seqS: number, kvS: number): void;
  /** See ReplicaHost.workCutAfter. */
  workCutAfter(t: number): number;
}

/**
 * A replica's life: provisioning (billed, serving nothing) -> ready -> draining (no new requests,
 * finishing its batch) -> stopped; or ready -> down (failed, under repair, still billed) -> ready;
 * `spare` replicas are provisioned and idle, and take over from a failed one at once.
 */
export type SlotState = 'provisioning' | 'ready' | 'draining' | 'down' | 'spare' | 'stopped';

/** One replica and its billing record. */
export interface Slot {
  readonly replica: Replica;
  state: SlotState;
  /** Billing: covered by the reserved base, or on-top capacity (on-demand, spot or a custom price). */
  readonly base: boolean;
  readonly provisionedAt: number;
  stoppedAt: number;
  /** Intervals during which it was ready to serve: [start, end) pairs. */
  readonly readySpans: number[];
  /** Simulated time its state last changed. */
  since: number;
}

/** Seconds a replacement or scale-out replica takes to come up when no autoscaler says otherwise. */
export const DEFAULT_PROVISIONING_S = 180;

/**
 * One fleet of identical replicas with its router, and the lifecycle of those replicas: the
 * pool keeps `target` replicas active (provisioning, ready or down), provisioning new ones with
 * a delay and draining the newest when the target falls. Controllers (autoscaler, failures, spot
 * interruptions) act through `setTarget`, `fail`, `repair` and `interrupt`.
 *
 * Every lifecycle change costs O(log n) in the number of slots, never a pass over them: the ready
 * replicas (ReadyReplicas), the spares and the provisioning slots (SlotSet) are indexes kept by
 * `setState`, and the active count is a counter. A slot's index is its replica's `index`.
 */
export class Pool {
  readonly slots: Slot[] = [];
  /** The ready replicas in slot order: what the router sees. */
  private readonly ready = new ReadyReplicas();
  /** Spare and provisioning slots by index: found in O(log n) on a failure or a scale-in. */
  private readonly spares = new SlotSet();
  private readonly provisioning = new SlotSet();
  /** Slots provisioning, ready or down: what the target counts. */
  private active = 0;
  /** Base (reserved) slots not stopped: what addSlot checks the reservation against. */
  private baseActive = 0;
  /** The pool's router (serving.router, from the ROUTERS table); null with a shared queue. */
  private readonly router: Router | null;
  private readonly shared: RequestQueue | null;
  /** Continuous batching from the shared queue: when each ready replica next looks at its head. */
  private readonly looks: LookIndex<ContinuousReplica> | null;
  /** Requests with nowhere to go (no ready replica, own-queue routing). */
  private readonly pending: RequestQueue;
  /** Most batch-class requests running from one queue at once (`serving.batch_slots`). */
  private readonly batchSlots: number;
  private readonly host: ReplicaHost;
  private readonly Batcher: typeof ContinuousReplica | typeof StaticReplica;
  private target: number;
  readonly provisioningS: number;
  preemptions = 0;
  requeued = 0;
  /** Requests offered to this pool so far (the autoscaler's traffic measure). */
  arrivals = 0;
  failures = 0;
  /** Running sequences of the last replica that had to leave requests waiting (batch or KV full). */
  saturationSeqs = Infinity;
  /** Hook for the autoscaler: a request's first admission, with its queue time. */
  onAdmitted: ((queueS: number) => void) | null = null;
  /** Hook for the autoscaler: a request completed on this pool (or, prefill role, handed over). */
  onCompleted: ((request: Request) => void) | null = null;
  /** Hook for controllers: a replica became ready. */
  onReady: ((slot: Slot) => void) | null = null;
  /** What its replicas do: `both` (aggregated), or one role of a disaggregated pool. */
  readonly role: ReplicaRole;

  constructor(
    readonly spec: PoolSpec,
    private readonly sim: Simulation,
    setup: PoolSetup,
    private readonly listener: PoolListener,
  ) {
    const gpusPerReplica = spec.gpusPerReplica;
    const serving = setup.serving;
    this.role = setup.role ?? 'both';
    this.looks = serving.router === 'shared_queue' && serving.batching !== 'static' ? lookIndex<ContinuousReplica>(sim, spec.replicas) : null;
    this.host = {
      sim,
      serving,
      stepModel: setup.stepModel,
      work: iterationWork(spec.model, spec.gpu, gpusPerReplica),
      draftWork: setup.speculative && serving.speculative?.draftModel ? iterationWork(serving.speculative.draftModel, spec.gpu, gpusPerReplica) : null,
      kvCapacityTokens: setup.kvCapacityTokens,
      fastForward: setup.fastForward,
      prefixCache: setup.prefixCache,
      hashBlockTokens: setup.hashBlockTokens,
      speculative: setup.speculative,
      checkInvariants: setup.checkInvariants,
      looks: this.looks,
      role: this.role,
      handOff: (r, replica) => {
        this.router?.left(replica, r);
        this.onCompleted?.(r);
        listener.prefilled!(r, replica.index);
      },
      completed: (r, replica) => {
        this.router?.left(replica, r);
        this.onCompleted?.(r);
        listener.completed(r);
      },
      dropped: (r, replica) => {
        this.router?.left(replica, r);
        listener.dropped(r);
      },
      preempted: () => this.preemptions++,
      admitted: (r) => this.onAdmitted?.(r.startedAt - r.queuedAt),
      saturated: (running) => {
        this.saturationSeqs = running;
      },
      // the replica forming its batch is left out: it has no event yet (it would look idle)
      queueChanged: (replica) => this.offerHead(replica),
      drained: (replica) => this.stop(this.slots[replica.index]), // a replica's index is its slot's
      busy: (_replica, startS, endS) => listener.busy(gpusPerReplica, startS, endS),
      ran: (startS, endS, flops, bytes, seqS, kvS) => listener.ran(startS, endS, flops, bytes, seqS, kvS),
      workCutAfter: (t) => listener.workCutAfter(t),
    };
    this.batchSlots = serving.batchSlots ?? BATCH_SLOTS;
    this.pending = new RequestQueue(this.batchSlots);
    this.shared = serving.router === 'shared_queue' ? new RequestQueue(this.batchSlots) : null;
    this.Batcher = serving.batching === 'static' ? StaticReplica : ContinuousReplica;
    this.router = serving.router === 'shared_queue' ? null : ROUTERS[serving.router]({ pool: spec.name, stream: setup.routerStream, serving });
    this.provisioningS = spec.autoscale?.provisioningS ?? DEFAULT_PROVISIONING_S;
    // The starting fleet is ready at time 0; spares stand by beside it.
    this.target = spec.replicas;
    for (let i = 0; i < spec.replicas; i++) this.addSlot('ready');
    for (let i = 0; i < spec.spares; i++) this.addSlot('spare');
  }

  /** Replicas that are provisioning, ready or under repair: those the target counts. */
  activeCount(): number {
    return this.active;
  }

  readyCount(): number {
    return this.ready.length;
  }

  get targetReplicas(): number {
    return this.target;
  }

  /** Requests waiting in queues plus running, over all replicas. */
  load(): number {
    let n = (this.shared?.length ?? 0) + this.pending.length;
    for (const s of this.slots) if (s.state !== 'stopped') n += s.replica.load();
    return n;
  }

  /**
   * How long the oldest request waiting for its first admission (at the head of any queue of the
   * pool) has waited, seconds; a decode pool's, for its first decode admission. Preempted requests
   * back in a queue are not counted.
   */
  oldestWaitS(now: number): number {
    let oldest = now;
    // A decode pool's wait: since its KV arrived, until a decode replica took it.
    const decode = this.role === 'decode';
    const look = (q: RequestQueue) => {
      const head = q.peek();
      if (head === undefined) return;
      const waiting = decode ? Number.isNaN(head.decodeStartedAt) && !Number.isNaN(head.transferredAt) : Number.isNaN(head.startedAt);
      const since = decode ? head.transferredAt : head.queuedAt;
      if (waiting && since < oldest) oldest = since;
    };
    if (this.shared !== null) look(this.shared);
    look(this.pending);
    const ready = this.ready;
    for (let r = ready.first(); r !== undefined; r = ready.after(r)) look(r.queue);
    return now - oldest;
  }

  /**
   * Routes a new request. With `keep` (the overflow rule, levers/overflow.ts), the rule first sees
   * the queue the request would join and how many replicas serve that queue; when it returns
   * false the request is not enqueued and `enqueue` returns false.
   */
  enqueue(request: Request, now: number, keep?: (queue: RequestQueue, servers: number) => boolean): boolean {
    // A decode pool keeps the request's first queueing time (its queue_ms is the wait for prefill).
    if (this.role !== 'decode') request.queuedAt = now;
    request.phase = Phase.queued;
    this.arrivals++;
    if (keep !== undefined && this.shared === null && this.ready.length > 0) {
      const replica = (this.router as Router).route(request, this.ready);
      if (!keep(replica.queue, 1)) return false;
      this.push(replica, request);
      return true;
    }
    if (keep !== undefined && !keep(this.shared ?? this.pending, Math.max(1, this.ready.length))) return false;
    this.route(request);
    return true;
  }

  /** Sends a request (new, or back from a lost replica) to a replica or the shared queue. */
  private route(request: Request): void {
    const ready = this.ready;
    if (this.shared !== null) {
      const head = this.shared.peek();
      this.shared.push(request);
      if (this.Batcher === StaticReplica) for (let r = ready.first(); r !== undefined; r = ready.after(r)) r.wake();
      else if (this.shared.peek() !== head) this.offerHead();
      return;
    }
    if (ready.length === 0) {
      this.pending.push(request);
      return;
    }
    this.push((this.router as Router).route(request, ready), request);
  }

  private push(replica: Replica, request: Request): void {
    replica.queue.push(request);
    this.router?.joined(replica, request);
    replica.wake();
  }

  /**
   * Keeps `replicas` active: provisions new ones, or stops the newest provisioning and drains the
   * newest ready ones (newest first, whichever state). O(log n) per replica added or removed.
   */
  setTarget(replicas: number): void {
    this.target = replicas;
    while (this.active < replicas) {
      const slot = this.addSlot(this.provisioningS > 0 ? 'provisioning' : 'ready');
      if (slot.state === 'ready') {
        // No provisioning delay: it serves at once, including what waited for a replica.
        this.flushPending();
        slot.replica.wake();
      }
    }
    while (this.active > replicas) {
      // The last ready replica drains only when the target is 0 (a replica under repair still
      // counts towards a target of 1 or more).
      const newestReady = this.ready.length > 1 || replicas === 0 ? (this.ready.last()?.index ?? -1) : -1;
      const newestProvisioning = this.provisioning.last();
      if (newestReady < 0 && newestProvisioning < 0) break;
      const slot = this.slots[Math.max(newestReady, newestProvisioning)];
      if (slot.state === 'provisioning') this.setState(slot, 'stopped');
      else {
        this.setState(slot, 'draining');
        for (const r of slot.replica.drain()) this.route(r);
      }
    }
    this.offerAfterLoss();
  }

  /** A replica failed: its requests go elsewhere; a spare (if any) takes its place at once. */
  fail(slot: Slot): void {
    if (slot.state !== 'ready') return;
    this.failures++;
    this.setState(slot, 'down');
    this.rehome(slot.replica.evacuate());
    const spareIndex = this.spares.first();
    if (spareIndex >= 0) {
      const spare = this.slots[spareIndex];
      this.setState(spare, 'ready');
      spare.replica.resume();
      this.flushPending();
    }
    this.offerAfterLoss();
  }

  /** A failed replica is repaired: it serves again, or becomes a spare if one took its place. */
  repair(slot: Slot): void {
    if (slot.state !== 'down') return;
    const spareTookOver = this.spec.spares > 0 && this.spares.size < this.spec.spares;
    if (spareTookOver) {
      this.setState(slot, 'spare');
      return;
    }
    if (this.active > this.target) {
      // Scaled in while it was down: it is not needed any more.
      this.setState(slot, 'stopped');
      return;
    }
    this.setState(slot, 'ready');
    slot.replica.resume();
    this.flushPending();
  }

  /** A spot replica is taken away: lost at once, its requests re-queued, a replacement provisioned. */
  interrupt(slot: Slot): void {
    if (slot.state === 'stopped' || slot.state === 'provisioning') {
      if (slot.state === 'provisioning') this.setState(slot, 'stopped');
    } else {
      const lost = slot.replica.evacuate();
      this.setState(slot, 'stopped');
      this.rehome(lost);
    }
    this.setTarget(this.target); // offers the shared queue's head again
  }

  /** Stops admitting on a replica that will be taken away after its notice. */
  notice(slot: Slot): void {
    if (slot.state !== 'ready') return;
    this.setState(slot, 'draining');
    for (const r of slot.replica.drain()) this.route(r);
    // The drained callback may already have stopped it; otherwise `interrupt` will.
    this.offerAfterLoss();
  }

  /**
   * Ends the requests still waiting once the run is over (no event left: no replica serves them
   * and none is coming, e.g. a schedule or an autoscaler at 0 GPUs at the end): they are dropped,
   * so that every arrival ends completed or dropped. Returns how many.
   */
  dropWaiting(): number {
    let n = 0;
    const drop = (q: RequestQueue) => {
      for (let r = q.shift(); r !== undefined; r = q.shift()) {
        r.phase = Phase.dropped;
        this.listener.dropped(r);
        n++;
      }
    };
    if (this.shared !== null) drop(this.shared);
    drop(this.pending);
    if (this.shared === null) for (const s of this.slots) if (s.replica.queue.length > 0) drop(s.replica.queue);
    return n;
  }

  private rehome(requests: Request[]): void {
    this.requeued += requests.filter((r) => !Number.isNaN(r.startedAt)).length;
    for (const r of requests) this.route(r);
  }

  private stop(slot: Slot): void {
    if (slot.state === 'draining') this.setState(slot, 'stopped');
  }

  /**
   * Continuous batching from a shared queue: makes sure the ready replica that would first be
   * able to take the queue's head looks at it, waking (or cutting the steady run of) that one
   * replica only. A replica looks now when idle, at its next iteration boundary when its run can
   * be cut for the head, else at the end of its run; the earliest wins, ties to the lowest index
   * (LookIndex keeps them in that order). If it then cannot take the head, its batch formation
   * calls this again (queueChanged), so the replicas are tried in the order the reference path's
   * boundaries would reach the head. One query of the LookIndex per call (its cost: LookBlocks,
   * LookCalendar), one cut at most.
   */
  private offerHead(except?: Replica): void {
    const shared = this.shared;
    if (shared === null || this.looks === null || shared.peek() === undefined) return;
    const looks = this.looks;
    looks.best(this.sim.now, except as ContinuousReplica | undefined)?.wake(looks.admits);
  }

  /**
   * A replica left service (failed, draining, interrupted): it may have been the one due to look
   * at the shared queue's head, so the head is offered again.
   */
  private offerAfterLoss(): void {
    if (this.Batcher !== StaticReplica) this.offerHead();
  }

  private flushPending(): void {
    if (this.ready.length === 0) return;
    for (let r = this.pending.shift(); r !== undefined; r = this.pending.shift()) this.route(r);
  }

  private addSlot(state: SlotState): Slot {
    const index = this.slots.length;
    const replica = new this.Batcher(index, this.shared ?? new RequestQueue(this.batchSlots), this.host, this.shared === null);
    const baseGpus = this.spec.pricing.reserved?.gpus ?? 0;
    const baseUsed = this.baseActive * this.spec.gpusPerReplica;
    const slot: Slot = {
      replica,
      state: 'stopped',
      base: baseUsed + this.spec.gpusPerReplica <= baseGpus,
      provisionedAt: this.sim.now,
      stoppedAt: Infinity,
      readySpans: [],
      since: this.sim.now,
    };
    this.slots.push(slot);
    this.setState(slot, state);
    if (state === 'spare') (replica as { accepting: boolean }).accepting = false;
    if (state === 'provisioning') {
      this.sim.schedule(this.provisioningS, () => {
        if (slot.state !== 'provisioning') return;
        this.setState(slot, 'ready');
        this.flushPending();
        replica.wake();
      }, PRIORITY.arrival);
    }
    return slot;
  }

  private setState(slot: Slot, state: SlotState): void {
    const now = this.sim.now;
    if (slot.state === 'ready' && state !== 'ready') slot.readySpans.push(now);
    if (state === 'ready' && slot.state !== 'ready') slot.readySpans.push(now);
    if (state === 'stopped') slot.stoppedAt = now;
    if (slot.base && (slot.state === 'stopped') !== (state === 'stopped')) this.baseActive += state === 'stopped' ? -1 : 1;
    const was = slot.state;
    const readyChanged = (was === 'ready') !== (state === 'ready');
    if (readyChanged) {
      if (state === 'ready') this.ready.add(slot.replica);
      else this.ready.remove(slot.replica);
      if (this.looks !== null) {
        if (state === 'ready') this.looks.add(slot.replica as ContinuousReplica);
        else this.looks.remove(slot.replica as ContinuousReplica);
      }
    }
    this.active += (isActive(state) ? 1 : 0) - (isActive(was) ? 1 : 0);
    const index = slot.replica.index;
    if (was === 'spare') this.spares.remove(index);
    if (state === 'spare') this.spares.add(index);
    if (was === 'provisioning') this.provisioning.remove(index);
    if (state === 'provisioning') this.provisioning.add(index);
    slot.state = state;
    slot.since = now;
    if (readyChanged) this.router?.readyChanged(slot.replica, state === 'ready');
    if (state === 'ready') this.onReady?.(slot);
  }
}

/** Provisioning, ready or down (under repair): the states a pool's target counts. */
function isActive(state: SlotState): boolean {
  return state === 'provisioning' || state === 'ready' || state === 'down';
}
