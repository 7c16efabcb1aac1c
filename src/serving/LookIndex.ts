import type { Simulation } from '../engine/Simulation.js';
import { SlotSet } from './SlotSet.js';

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
 * Idle replicas are a SlotSet (the lowest index in O(log n)). Busy ones are the leaves of a
 * tournament tree over slot indexes (each inner node holds the winner of its two children by
 * (key, index); the root, the overall winner), where a replica's key is a lower bound of when it
 * looks: the end of its run when that cannot be cut (exact); for a steady run, an iteration
 * boundary that was the first at or after some earlier time. That one goes stale as time passes
 * its boundaries but stays a lower bound: `best` first refreshes every stale key, walking only
 * the paths down to them (a subtree whose winner is not stale holds none), then takes the root
 * until its key cannot beat the best found, usually once: O(stale log n) at worst, stale being the
 * replicas that passed a boundary since the last query (about n x the time between queries / the
 * iteration time: the same at any fleet size for a given load per replica). Replicas report every
 * change of their run (`changed`): O(log n).
 */
export class LookIndex<R extends Looker> {
  private readonly idle = new SlotSet();
  /** Leaves: the key of each replica in the tree by index, Infinity when not in it. */
  private key = new Float64Array(16).fill(Infinity);
  /** Tournament tree, 1-based: node p's children are 2p and 2p + 1; leaf i is node capacity + i. */
  private win = LookIndex.tree(16);
  private ready = new Uint8Array(16);
  /**
   * By index: the boundaries of a cuttable run (null: the key is the run's end, exact), and the
   * first of them at or after the time the key was last brought up to date (the key).
   */
  private readonly ends: (Float64Array | null)[] = [];
  private cursor = new Int32Array(16);
  private readonly byIndex: R[] = [];
  /** Entries hidden during a query (not winning), with their keys, restored at its end. */
  private readonly aside: number[] = [];
  private readonly asideKey: number[] = [];

  constructor(private readonly sim: Simulation) {}

  /** A replica became ready (it is placed by its state: idle, running, or not accepting). */
  add(replica: R): void {
    const i = replica.index;
    if (i >= this.key.length) this.grow(i + 1);
    this.byIndex[i] = replica;
    this.ready[i] = 1;
    this.changed(replica);
  }

  /** A replica left service. */
  remove(replica: R): void {
    const i = replica.index;
    if (i >= this.ready.length || this.ready[i] === 0) return;
    this.ready[i] = 0;
    this.idle.remove(i);
    this.set(i, Infinity);
  }

  /** A replica's run changed (planned, cut, ended idle) or it stopped or resumed accepting. */
  changed(replica: R): void {
    const i = replica.index;
    if (i >= this.ready.length || this.ready[i] === 0) return;
    const end = replica.accepting ? replica.runEnd() : Infinity;
    if (Number.isNaN(end)) {
      this.ends[i] = null;
      this.set(i, Infinity);
      this.idle.add(i);
      return;
    }
    this.idle.remove(i);
    const ends = end === Infinity ? null : replica.cuttableEnds();
    this.ends[i] = ends;
    if (ends === null) {
      this.set(i, end);
      return;
    }
    // A run planned now starts at its first boundary; one cut by a wake ends at the first one
    // at or after now: either way the walk is short.
    const now = this.sim.now;
    let c = 0;
    while (ends[c] < now) c++;
    this.cursor[i] = c;
    this.set(i, ends[c]);
  }

  /**
   * The ready replica that looks first at `now`, `except` left out (a replica forming its batch),
   * or undefined when none accepts. A replica in the tree with no run in flight (forming its batch
   * while this is asked) looks now, as an idle one does.
   */
  best(now: number, except?: R): R | undefined {
    let best = this.idle.first();
    let bestAt = best >= 0 ? now : Infinity;
    const key = this.key;
    const win = this.win;
    const aside = this.aside;
    if (key[win[1]] < now) this.refresh(1, now);
    for (;;) {
      const i = win[1];
      const k = key[i];
      if (k > bestAt || (k === bestAt && i > best) || k === Infinity) break;
      const r = this.byIndex[i];
      let at: number;
      if (r === except) at = Infinity;
      else if (Number.isNaN(r.runEnd())) at = now;
      else at = this.ends[i] !== null && !r.canAdmit() ? r.runEnd() : k;
      if (at === k) {
        // nothing left can beat (k, i): every other key is a lower bound and ranks after it
        best = i;
        break;
      }
      if (at < bestAt || (at === bestAt && i < best)) {
        best = i;
        bestAt = at;
      }
      aside.push(i);
      this.asideKey.push(k);
      this.set(i, Infinity);
    }
    for (let i = aside.pop(); i !== undefined; i = aside.pop()) this.set(i, this.asideKey.pop() as number);
    return best >= 0 ? this.byIndex[best] : undefined;
  }

  /**
   * Brings the stale keys under node p (those before now: time passed the boundary they were keyed
   * by) up to the replica's first boundary at or after now, and replays the matches above them:
   * a subtree whose winner is not stale holds no stale key, so only paths to stale leaves are
   * walked, each node once.
   */
  private refresh(p: number, now: number): void {
    const key = this.key;
    const capacity = key.length;
    if (p >= capacity) {
      // A stale key is a cuttable run's: a run's end is never before now (it is now for a
      // replica forming its batch, whose boundaries all end by now: the walk stops at the last).
      const i = p - capacity;
      const ends = this.ends[i] as Float64Array;
      let c = this.cursor[i];
      while (ends[c] < now) c++;
      this.cursor[i] = c;
      key[i] = ends[c];
      return;
    }
    const win = this.win;
    const a = 2 * p;
    if (key[win[a]] < now) this.refresh(a, now);
    if (key[win[a + 1]] < now) this.refresh(a + 1, now);
    const wa = win[a];
    const wb = win[a + 1];
    win[p] = key[wb] < key[wa] ? wb : wa;
  }

  /** Sets leaf i's key and replays its matches up to the root. */
  private set(i: number, k: number): void {
    const key = this.key;
    const win = this.win;
    key[i] = k;
    for (let p = (key.length + i) >> 1; p >= 1; p >>= 1) {
      const a = win[2 * p];
      const b = win[2 * p + 1];
      // a's subtree holds the lower indexes: it wins ties
      const w = key[b] < key[a] ? b : a;
      // the same winner with the same key: nothing above changes
      if (w === win[p] && w !== i) break;
      win[p] = w;
    }
  }

  /** An empty tree over `capacity` leaves: every leaf is its own winner, inner nodes the leftmost. */
  private static tree(capacity: number): Int32Array {
    const win = new Int32Array(2 * capacity);
    for (let i = 0; i < capacity; i++) win[capacity + i] = i;
    for (let p = capacity - 1; p >= 1; p--) win[p] = win[2 * p];
    return win;
  }

  private grow(needed: number): void {
    let capacity = this.key.length;
    while (capacity < needed) capacity *= 2;
    const key = new Float64Array(capacity).fill(Infinity);
    key.set(this.key);
    const ready = new Uint8Array(capacity);
    ready.set(this.ready);
    const cursor = new Int32Array(capacity);
    cursor.set(this.cursor);
    this.cursor = cursor;
    this.key = key;
    this.ready = ready;
    const win = LookIndex.tree(capacity);
    for (let p = capacity - 1; p >= 1; p--) {
      const a = win[2 * p];
      const b = win[2 * p + 1];
      win[p] = key[b] < key[a] ? b : a;
    }
    this.win = win;
  }
}
