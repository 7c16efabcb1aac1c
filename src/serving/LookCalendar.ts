import type { Simulation } from '../engine/Simulation.js';
import type { LookIndex, Looker } from './LookIndex.js';
import { firstBoundary, lookAt } from './lookAt.js';
import { SlotSet } from './SlotSet.js';

/** Keys a day of the ring holds on average (the width of a day follows the keys' spread). */
const KEYS_PER_DAY = 8;
/** Queries between two checks of the day width. */
const ADAPT_QUERIES = 1024;
/** Days are int32 counted from the ring's origin: capped here, and the origin moved past DAY_LIMIT. */
const DAY_CAP = 1 << 30;
const DAY_LIMIT = 1 << 29;

/**
 * LookIndex as a calendar queue, for pools of several hundred replicas and more (lookIndex).
 *
 * Idle replicas and keys as LookIndex describes them. Keys sit in a calendar queue (Brown 1988,
 * "Calendar queues: a fast O(1) priority queue implementation for the simulation event set
 * problem"): a ring of buckets, one per "day" of a fixed width, each an unsorted doubly linked list
 * of the replicas whose key falls in it. Every key is at or after the last query's time, so the
 * stale keys at a query are all in the days from the last query's to now's: `best` visits those
 * buckets only, brings each stale key up to its replica's first boundary at or after now and moves
 * it to its new day (O(1)), then takes the lowest (key, index) of the first day from now's that
 * holds one, usually once. So a query costs O(1) per stale key (the boundaries time passed since
 * the last query: about n x the time between queries / the iteration time, the same at any fleet
 * size for a given load per replica) plus the days passed and a day's keys, and nothing for the
 * keys still good, at any fleet size (LookBlocks scans whole blocks of replicas by index, and meets
 * a stale key in nearly every block at every query). The day width follows the keys' spread (the
 * mean distance a stale key moves, about an iteration time) so that a day holds about KEYS_PER_DAY
 * keys and the ring spans about two iteration times (keys beyond share buckets with nearer days and
 * are skipped by their day). Replicas report every change of their run (`changed`): O(1).
 */
export class LookCalendar<R extends Looker> implements LookIndex<R> {
  private readonly idle = new SlotSet();
  /** The key of each replica by index, Infinity when it has none (idle, not ready, not accepting). */
  private key = new Float64Array(16).fill(Infinity);
  private ready = new Uint8Array(16);
  /**
   * By index: the boundaries of a cuttable run (null: the key is the run's end, exact), and the
   * first of them at or after the time the key was last brought up to date (the key).
   */
  private readonly ends: (Float64Array | null)[] = [];
  private cursor = new Int32Array(16);
  private readonly byIndex: R[] = [];
  /** By index, for a replica with a key: its day, and its neighbours in its day's bucket (-1: none; -2 - b: first of bucket b). */
  private day = new Int32Array(16);
  private next = new Int32Array(16);
  private prev = new Int32Array(16);
  /** The ring: the first replica of each bucket (-1: empty); day d is bucket d & mask. */
  private first = new Int32Array(16).fill(-1);
  private mask = 15;
  private width = 1e-3;
  private perSecond = 1 / this.width;
  /** Day 0 starts here; `swept`: the day of the last query (no key is in an earlier one), at `sweptAt`. */
  private origin = 0;
  private swept = 0;
  private sweptAt = 0;
  private keyed = 0;
  private queries = 0;
  /** Since the last width check: how far swept keys moved, in total, and how many. */
  private moved = 0;
  private moves = 0;
  /** Entries hidden during a query (not winning), restored at its end. */
  private readonly aside: number[] = [];
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
    this.admits = false;
    if (++this.queries % ADAPT_QUERIES === 0 || this.keyed > 4 * KEYS_PER_DAY * (this.mask + 1)) this.adapt();
    let d = this.dayOf(now);
    if (d > DAY_LIMIT) {
      this.rebuild(this.width);
      d = this.dayOf(now);
    }
    this.sweep(now, d);
    let best = this.idle.first();
    let bestAt = best >= 0 ? now : Infinity;
    const key = this.key;
    const aside = this.aside;
    for (;;) {
      const i = this.front(d);
      if (i < 0) break;
      const k = key[i];
      if (k > bestAt || (k === bestAt && i > best)) break;
      const at = lookAt(this, this.byIndex[i], except, this.ends[i] !== null, k, now);
      if (at === k) {
        // nothing left can beat (k, i): every other key ranks after it and is a lower bound
        best = i;
        break;
      }
      if (at < bestAt || (at === bestAt && i < best)) {
        best = i;
        bestAt = at;
      }
      // set aside while the next is found
      d = this.day[i];
      this.unlink(i);
      aside.push(i);
    }
    for (let i = aside.pop(); i !== undefined; i = aside.pop()) this.link(i);
    return best >= 0 ? this.byIndex[best] : undefined;
  }

  /**
   * Brings every stale key (before now) up to its replica's first boundary at or after now: they
   * are in the days from the last query's to now's (`d`), all of whose buckets are visited (each
   * once when more days than buckets passed). A stale key is a cuttable run's: a run's end is
   * never before now (it is now for a replica forming its batch, whose boundaries all end by now:
   * the walk stops at the last).
   */
  private sweep(now: number, d: number): void {
    const key = this.key;
    const next = this.next;
    const first = this.first;
    const mask = this.mask;
    const passed = Math.min(d - this.swept, mask);
    let moved = this.moved;
    let moves = this.moves;
    for (let b = d - passed; b <= d; b++) {
      let i = first[b & mask];
      while (i >= 0) {
        const after = next[i];
        const k = key[i];
        if (k < now) {
          const ends = this.ends[i] as Float64Array;
          const c = firstBoundary(ends, this.cursor[i] + 1, now);
          this.cursor[i] = c;
          const to = ends[c];
          moved += to - k;
          moves++;
          this.unlink(i);
          key[i] = to;
          this.link(i);
        }
        i = after;
      }
    }
    this.moved = moved;
    this.moves = moves;
    this.swept = d;
    this.sweptAt = now;
  }

  /**
   * The entry of lowest (key, index) in the first day from `d` on that has one (all keys are at
   * or after the last sweep, so its day is the earliest); -1 when none.
   */
  private front(d: number): number {
    const key = this.key;
    const day = this.day;
    const next = this.next;
    const first = this.first;
    const mask = this.mask;
    for (const last = d + mask; d <= last; d++) {
      let best = -1;
      let bestKey = Infinity;
      for (let i = first[d & mask]; i >= 0; i = next[i]) {
        if (day[i] !== d) continue; // a later day's, in the same bucket
        const k = key[i];
        if (k < bestKey || (k === bestKey && i < best)) {
          best = i;
          bestKey = k;
        }
      }
      if (best >= 0) return best;
    }
    // Nothing within a turn of the ring: the lowest of all (keys far ahead, or none).
    let best = -1;
    let bestKey = Infinity;
    for (let b = 0; b <= mask; b++) {
      for (let i = first[b]; i >= 0; i = next[i]) {
        const k = key[i];
        if (k < bestKey || (k === bestKey && i < best)) {
          best = i;
          bestKey = k;
        }
      }
    }
    return best;
  }

  /** Sets replica i's key: moves it to its day's bucket (out of the ring for Infinity). */
  private setKey(i: number, k: number): void {
    const key = this.key;
    if (key[i] === k) return;
    if (key[i] !== Infinity) this.unlink(i);
    key[i] = k;
    if (k !== Infinity) this.link(i);
  }

  /** The day (bucket number since the ring's origin) of time t, capped at DAY_CAP. */
  private dayOf(t: number): number {
    return Math.min((t - this.origin) * this.perSecond, DAY_CAP) | 0;
  }

  /** Puts replica i (with a finite key, not in the ring) at the head of its day's bucket. */
  private link(i: number): void {
    const d = this.dayOf(this.key[i]);
    this.day[i] = d;
    const b = d & this.mask;
    const h = this.first[b];
    this.next[i] = h;
    this.prev[i] = -2 - b;
    if (h >= 0) this.prev[h] = i;
    this.first[b] = i;
    this.keyed++;
  }

  /** Takes replica i out of its bucket. */
  private unlink(i: number): void {
    const p = this.prev[i];
    const n = this.next[i];
    if (p >= 0) this.next[p] = n;
    else this.first[-2 - p] = n;
    if (n >= 0) this.prev[n] = p;
    this.keyed--;
  }

  /**
   * Every ADAPT_QUERIES queries (or when the ring is crowded): the day width follows the keys'
   * spread so that a day holds about KEYS_PER_DAY keys, and the ring spans about two spreads.
   */
  private adapt(): void {
    const keyed = Math.max(1, this.keyed);
    const buckets = Math.max(16, 2 ** Math.ceil(Math.log2((2 * keyed) / KEYS_PER_DAY)));
    let width = this.width;
    if (this.moves >= 16) {
      const spread = this.moved / this.moves;
      if (spread > 0 && spread < Infinity) width = (KEYS_PER_DAY * spread) / keyed;
    }
    this.moved = 0;
    this.moves = 0;
    if (buckets !== this.mask + 1 || width > 2 * this.width || width < 0.5 * this.width) this.rebuild(width, buckets);
  }

  /** A new ring of `buckets` days of `width` seconds from the last query's time, every key relinked. */
  private rebuild(width: number, buckets = this.mask + 1): void {
    const members: number[] = [];
    for (let b = 0; b <= this.mask; b++) for (let i = this.first[b]; i >= 0; i = this.next[i]) members.push(i);
    this.first = new Int32Array(buckets).fill(-1);
    this.mask = buckets - 1;
    this.width = width;
    this.perSecond = 1 / width;
    this.origin = this.sweptAt;
    this.swept = 0;
    this.keyed = 0;
    for (const i of members) this.link(i);
  }

  private grow(needed: number): void {
    let capacity = this.key.length;
    while (capacity < needed) capacity *= 2;
    const key = new Float64Array(capacity).fill(Infinity);
    key.set(this.key);
    this.key = key;
    const ready = new Uint8Array(capacity);
    ready.set(this.ready);
    this.ready = ready;
    const int32 = (from: Int32Array) => {
      const to = new Int32Array(capacity);
      to.set(from);
      return to;
    };
    this.cursor = int32(this.cursor);
    this.day = int32(this.day);
    this.next = int32(this.next);
    this.prev = int32(this.prev);
  }
}
