import type { Simulation } from '../engine/Simulation.js';
import { LookBlocks } from './LookBlocks.js';
import { LookCalendar } from './LookCalendar.js';

/** What LookIndex reads from a replica pulling from a shared queue (ContinuousReplica). */
export interface Looker {
  readonly index: number;
  /** false once draining, lost or a spare: never offered the head. */
  readonly accepting: boolean;
  /** When the run in flight ends (its boundary event); NaN with none (idle, or forming its batch). */
  runEnd(): number;
  /**
   * The iteration boundaries of the run in flight when it is a steady run of several iterations,
   * which a wake can cut at any of them (ascending; the last is runEnd), else null.
   */
  cuttableEnds(): Float64Array | null;
  /** Whether its next batch formation would admit (or drop) the head of the queue. */
  canAdmit(): boolean;
}

/**
 * A shared queue's ready replicas, ordered by when each would next look at the queue's head, so
 * that the pool finds the one that looks first (Pool.offerHead) without asking every replica.
 *
 * A replica "looks" at its next batch formation. It looks now when idle; at the first iteration
 * boundary at or after now when its steady run can be cut for the head (`canAdmit`); otherwise at
 * the end of its run in flight. The earliest wins, ties to the lowest index (the order a scan of
 * the replicas in index order finds).
 *
 * Both structures keep the idle replicas in a SlotSet (the lowest index in O(log n)), and give each
 * busy one a key, a lower bound of when it looks: the end of its run when that cannot be cut
 * (exact); for a steady run, an iteration boundary that was the first at or after some earlier
 * time, with a forward-only cursor into the run's boundaries (firstBoundary). That one goes stale
 * as time passes its boundaries but stays a lower bound. A query takes candidates by (key, index)
 * and asks each when it looks (lookAt) until one looks at its key.
 *
 * Two structures give the same answers (test/serving/lookIndex.test.ts checks both against a
 * scan): LookBlocks and LookCalendar; `lookIndex` picks one by the pool's size.
 */
export interface LookIndex<R extends Looker> {
  /** Whether the last `best` found its replica's `canAdmit()` true (it asks only a cuttable run's). */
  admits: boolean;
  /** A replica became ready (it is placed by its state: idle, running, or not accepting). */
  add(replica: R): void;
  /** A replica left service. */
  remove(replica: R): void;
  /**
   * A replica's run changed (planned, cut, ended idle) or it stopped or resumed accepting. `from`:
   * an index of its cuttable run's boundaries at or before the first at or after now (0 when not
   * known); a wake that cut the run passes the run's last, which is that first one.
   */
  changed(replica: R, from?: number): void;
  /**
   * The ready replica that looks first at `now`, `except` left out (a replica forming its batch),
   * or undefined when none accepts. A replica with a key but no run in flight (forming its batch
   * while this is asked) looks now, as an idle one does.
   */
  best(now: number, except?: R): R | undefined;
}

/**
 * Replicas from which a pool's index is a calendar queue (LookCalendar) rather than blocks by
 * replica index (LookBlocks). A query of the blocks scans about every block holding a replica that
 * passed an iteration boundary since the last query, nearly all of them: its cost grows with the
 * fleet; the calendar's does not, but its linked buckets cost more per key where blocks are few.
 * Measured (bench/README.md, issue 19 target 2, round four): on the simulator's own calls
 * (bench/lookReplay.mjs) the calendar takes 0.95x, 0.56x and 0.31x the blocks' time at 64, 256
 * and 1024 replicas; in the simulator itself (CPU s of shared_queue runs) it is no faster at 256,
 * faster in 2 of 3 runs at 512 and in every run at 1024 (about -25%).
 */
export const CALENDAR_FROM_REPLICAS = 512;

/** The index for a pool of `replicas` replicas (its base fleet): same answers either way. */
export function lookIndex<R extends Looker>(sim: Simulation, replicas: number): LookIndex<R> {
  return replicas >= CALENDAR_FROM_REPLICAS ? new LookCalendar<R>(sim) : new LookBlocks<R>(sim);
}
