import { SlotSet } from './SlotSet.js';

/** What LookIndex reads from a replica pulling from a shared queue (ContinuousReplica). */
export interface Looker {
  readonly index: number;
  /** false once draining, lost or a spare: never offered the head. */
  readonly accepting: boolean;
  /**
   * The first iteration boundary at or after now of the run in flight at which the replica could
   * be cut for the head (the end of the run when it cannot be cut); NaN when no run is in flight
   * (idle, or forming its batch).
   */
  nextBoundary(): number;
  /** Whether the run in flight is a steady run of several iterations, which a wake can cut. */
  cuttable(): boolean;
  /** Whether its next batch formation would admit (or drop) the head of the queue. */
  canAdmit(): boolean;
  /** When the run in flight ends (its boundary event). */
  runEnd(): number;
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
 * its boundaries but stays a lower bound: `best` refreshes the stale keys it meets at the root.
 * A query takes the root until its key cannot beat the best found: the stale ones, then usually
 * the first fresh one: O((stale + 1) log n), stale being the replicas that passed a boundary
 * since they were last looked at. Replicas report every change of their run (`changed`): O(log n).
 */
export class LookIndex<R extends Looker> {
  private readonly idle = new SlotSet();
  /** Leaves: the key of each replica in the tree by index, Infinity when not in it. */
  private key = new Float64Array(16).fill(Infinity);
  /** Tournament tree, 1-based: node p's children are 2p and 2p + 1; leaf i is node capacity + i. */
  private win = LookIndex.tree(16);
  private ready = new Uint8Array(16);
  private readonly byIndex: R[] = [];
  /** Entries hidden during a query (not winning), with their keys, restored at its end. */
  private readonly aside: number[] = [];
  private readonly asideKey: number[] = [];

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
    const at = replica.accepting ? replica.nextBoundary() : Infinity;
    if (Number.isNaN(at)) {
      this.set(i, Infinity);
      this.idle.add(i);
    } else {
      this.idle.remove(i);
      this.set(i, at);
    }
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
    for (;;) {
      const i = win[1];
      const k = key[i];
      if (k > bestAt || (k === bestAt && i > best) || k === Infinity) break;
      const r = this.byIndex[i];
      let at: number;
      if (r === except) at = Infinity;
      else {
        const next = r.nextBoundary();
        if (Number.isNaN(next)) at = now;
        else if (next > k) {
          this.set(i, next); // stale: time passed the boundary it was keyed by
          continue;
        } else at = r.cuttable() && !r.canAdmit() ? r.runEnd() : next;
      }
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
