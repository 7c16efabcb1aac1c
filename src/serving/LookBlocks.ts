import type { Simulation } from '../engine/Simulation.js';
import type { LookIndex, Looker } from './LookIndex.js';
import { firstBoundary, lookAt } from './lookAt.js';
import { SlotSet } from './SlotSet.js';

/** Replicas per block of the leaves (a power of two): scanned flat, in index order. */
const BLOCK_BITS = 5;
const BLOCK = 1 << BLOCK_BITS;

/**
 * LookIndex in blocks of replicas by index, for pools of up to a few hundred replicas (lookIndex).
 *
 * Idle replicas and keys as LookIndex describes them. Keys sit in blocks of BLOCK consecutive
 * indexes, each with a lower bound of its keys (`low`), and a tournament tree over the blocks (each
 * inner node holds the winner of its two children by (low, block); the root, the overall winner).
 * `best` scans the root block flat while it has not been scanned in this query (bringing its stale
 * keys up to the first boundary at or after now and its bound to its exact minimum), then takes the
 * root block's minimum until it cannot be beaten, usually once. A block holding a stale key has a
 * bound before now, below every candidate, so every stale key is refreshed by the query that finds
 * it stale: O(blocks with stale keys x (BLOCK + log blocks)) per query; stale keys are the replicas
 * that passed a boundary since the last query (about n x the time between queries / the iteration
 * time: the same at any fleet size for a given load per replica), and they are spread over nearly
 * every block, so a query scans nearly every block: cheap at 64 replicas (2 blocks), dear at 1024
 * (LookCalendar). The flat scan is what makes it cheap: a tree over single replicas walks a
 * mispredicted path per stale key. Replicas report every change of their run (`changed`): O(1),
 * plus O(log blocks) when the key lowers its block's bound.
 */
export class LookBlocks<R extends Looker> implements LookIndex<R> {
  private readonly idle = new SlotSet();
  /** The key of each replica by index, Infinity when it has none (idle, not ready, not accepting). */
  private key = new Float64Array(BLOCK).fill(Infinity);
  private ready = new Uint8Array(BLOCK);
  /**
   * By index: the boundaries of a cuttable run (null: the key is the run's end, exact), and the
   * first of them at or after the time the key was last brought up to date (the key).
   */
  private readonly ends: (Float64Array | null)[] = [];
  private cursor = new Int32Array(BLOCK);
  private readonly byIndex: R[] = [];
  /** By block: a lower bound of its keys (their minimum once scanned), and, scanned, where it is. */
  private low = new Float64Array(1).fill(Infinity);
  private lowAt = new Int32Array(1);
  /** By block: the query that last scanned it (`queries`); its `low` and `lowAt` are exact in it. */
  private scanned = new Float64Array(1).fill(-1);
  private queries = 0;
  /** Tournament tree over blocks, 1-based: node p's children are 2p and 2p + 1; block b is node blocks + b. */
  private win = LookBlocks.tree(1);
  /** Entries hidden during a query (not winning), with their keys, restored at its end. */
  private readonly aside: number[] = [];
  private readonly asideKey: number[] = [];
  /** Whether the last `best` found its replica's `canAdmit()` true (it asks only a cuttable run's). */
  admits = false;

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
    this.setKey(i, Infinity);
  }

  /** A replica's run changed (LookIndex.changed: `from`, where the walk to now's boundary may start). */
  changed(replica: R, from = 0): void {
    const i = replica.index;
    if (i >= this.ready.length || this.ready[i] === 0) return;
    const end = replica.accepting ? replica.runEnd() : Infinity;
    if (Number.isNaN(end)) {
      this.ends[i] = null;
      this.setKey(i, Infinity);
      this.idle.add(i);
      return;
    }
    this.idle.remove(i);
    const ends = end === Infinity ? null : replica.cuttableEnds();
    this.ends[i] = ends;
    if (ends === null) {
      this.setKey(i, end);
      return;
    }
    // A run planned now starts at its first boundary; one cut by a wake ends at the first one at
    // or after now, `from`: either way the walk stops at once.
    const c = firstBoundary(ends, from, this.sim.now);
    this.cursor[i] = c;
    this.setKey(i, ends[c]);
  }

  /** The ready replica that looks first at `now` (LookIndex.best). */
  best(now: number, except?: R): R | undefined {
    const query = ++this.queries;
    this.admits = false;
    let best = this.idle.first();
    let bestAt = best >= 0 ? now : Infinity;
    const key = this.key;
    const low = this.low;
    const win = this.win;
    const aside = this.aside;
    for (;;) {
      const b = win[1];
      const k = low[b];
      if (k > bestAt || k === Infinity) break;
      if (this.scanned[b] !== query) {
        // every index in the block is above best: none of them wins a tie
        if (k === bestAt && b << BLOCK_BITS > best) break;
        this.scan(b, now);
        this.scanned[b] = query;
        continue;
      }
      // The root block is exact: (k, i) is its minimum, and every other block's bound ranks after it.
      const i = this.lowAt[b];
      if (k === bestAt && i > best) break;
      const at = lookAt(this, this.byIndex[i], except, this.ends[i] !== null, k, now);
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
      key[i] = Infinity;
      this.scan(b, now);
    }
    for (let i = aside.pop(); i !== undefined; i = aside.pop()) this.setKey(i, this.asideKey.pop() as number);
    return best >= 0 ? this.byIndex[best] : undefined;
  }

  /**
   * Brings block b's stale keys (before now: time passed the boundary they were keyed by) up to
   * their replica's first boundary at or after now, and its bound to its minimum (lowest index on
   * ties), then replays its matches up the tree.
   */
  private scan(b: number, now: number): void {
    const key = this.key;
    const first = b << BLOCK_BITS;
    let m = Infinity;
    let at = first;
    for (let i = first; i < first + BLOCK; i++) {
      let k = key[i];
      if (k < now) {
        // A stale key is a cuttable run's: a run's end is never before now (it is now for a
        // replica forming its batch, whose boundaries all end by now: the walk stops at the last).
        const ends = this.ends[i] as Float64Array;
        const c = firstBoundary(ends, this.cursor[i], now);
        this.cursor[i] = c;
        k = ends[c];
        key[i] = k;
      }
      if (k < m) {
        m = k;
        at = i;
      }
    }
    this.low[b] = m;
    this.lowAt[b] = at;
    this.replay(b);
  }

  /** Sets replica i's key, lowering its block's bound (a raised key leaves the bound below it). */
  private setKey(i: number, k: number): void {
    this.key[i] = k;
    const b = i >> BLOCK_BITS;
    if (k < this.low[b]) {
      this.low[b] = k;
      this.replay(b);
    }
  }

  /** Replays block b's matches up to the root, after its bound changed. */
  private replay(b: number): void {
    const low = this.low;
    const win = this.win;
    for (let p = (low.length + b) >> 1; p >= 1; p >>= 1) {
      const x = win[2 * p];
      const y = win[2 * p + 1];
      // x's subtree holds the lower blocks: it wins ties
      const w = low[y] < low[x] ? y : x;
      // the same winner with the same bound: nothing above changes
      if (w === win[p] && w !== b) break;
      win[p] = w;
    }
  }

  /** An empty tree over `blocks` leaves: every leaf is its own winner, inner nodes the leftmost. */
  private static tree(blocks: number): Int32Array {
    const win = new Int32Array(2 * blocks);
    for (let b = 0; b < blocks; b++) win[blocks + b] = b;
    for (let p = blocks - 1; p >= 1; p--) win[p] = win[2 * p];
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
    const blocks = capacity >> BLOCK_BITS;
    const low = new Float64Array(blocks).fill(Infinity);
    low.set(this.low);
    const lowAt = new Int32Array(blocks);
    lowAt.set(this.lowAt);
    const scanned = new Float64Array(blocks).fill(-1);
    this.low = low;
    this.lowAt = lowAt;
    this.scanned = scanned;
    const win = LookBlocks.tree(blocks);
    for (let p = blocks - 1; p >= 1; p--) {
      const x = win[2 * p];
      const y = win[2 * p + 1];
      win[p] = low[y] < low[x] ? y : x;
    }
    this.win = win;
  }
}
