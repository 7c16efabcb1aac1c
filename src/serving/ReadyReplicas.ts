import type { Replica, ReplicaView } from './Replica.js';
import { SlotSet } from './SlotSet.js';

/**
 * A pool's ready replicas, in slot (index) order, kept up to date as replicas become ready and
 * leave service: a SlotSet of their indexes (the i-th one in O(log n), for round_robin and
 * random) and a doubly linked list in index order (every one in O(length), for prefix_affinity
 * and for waking a shared queue's replicas). A replica's place in the list is found from the
 * SlotSet (its predecessor is the member ranked just below it), so add and remove are O(log n):
 * a failure, a repair or a scale step costs the same at 10 replicas or 100,000.
 */
export class ReadyReplicas implements ReplicaView {
  private readonly set = new SlotSet();
  /** Replica index -> replica (indexes are slot indexes, dense from 0). */
  private readonly byIndex: Replica[] = [];
  /** Next and previous member in index order, -1 at the ends. */
  private next: Int32Array = new Int32Array(16);
  private prev: Int32Array = new Int32Array(16);
  private head = -1;
  private tail = -1;

  get length(): number {
    return this.set.size;
  }

  has(replica: Replica): boolean {
    return this.set.has(replica.index);
  }

  at(i: number): Replica | undefined {
    const index = this.set.select(i);
    return index < 0 ? undefined : this.byIndex[index];
  }

  /** The ready replica with the lowest index, or undefined. */
  first(): Replica | undefined {
    return this.head < 0 ? undefined : this.byIndex[this.head];
  }

  /** The ready replica with the highest index, or undefined. */
  last(): Replica | undefined {
    return this.tail < 0 ? undefined : this.byIndex[this.tail];
  }

  /** The ready replica after `replica` in index order, or undefined (replica must be ready). */
  after(replica: Replica): Replica | undefined {
    const n = this.next[replica.index];
    return n < 0 ? undefined : this.byIndex[n];
  }

  add(replica: Replica): void {
    const index = replica.index;
    if (this.set.has(index)) return;
    if (index >= this.next.length) this.grow(index + 1);
    this.byIndex[index] = replica;
    const rank = this.set.rank(index);
    const before = rank > 0 ? this.set.select(rank - 1) : -1;
    const after = before >= 0 ? this.next[before] : this.head;
    this.prev[index] = before;
    this.next[index] = after;
    if (before >= 0) this.next[before] = index;
    else this.head = index;
    if (after >= 0) this.prev[after] = index;
    else this.tail = index;
    this.set.add(index);
  }

  remove(replica: Replica): void {
    const index = replica.index;
    if (!this.set.has(index)) return;
    const before = this.prev[index];
    const after = this.next[index];
    if (before >= 0) this.next[before] = after;
    else this.head = after;
    if (after >= 0) this.prev[after] = before;
    else this.tail = before;
    this.set.remove(index);
  }

  [Symbol.iterator](): Iterator<Replica> {
    const byIndex = this.byIndex;
    const next = this.next;
    let i = this.head;
    return {
      next: (): IteratorResult<Replica> => {
        if (i < 0) return { done: true, value: undefined };
        const value = byIndex[i];
        i = next[i];
        return { done: false, value };
      },
    };
  }

  private grow(needed: number): void {
    let capacity = this.next.length;
    while (capacity < needed) capacity *= 2;
    const next = new Int32Array(capacity);
    const prev = new Int32Array(capacity);
    next.set(this.next);
    prev.set(this.prev);
    this.next = next;
    this.prev = prev;
  }
}
