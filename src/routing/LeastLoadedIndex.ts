/**
 * The least-loaded router's bookkeeping: replicas keyed by (load, index) in a binary min-heap,
 * so picking the least-loaded replica is O(1) and a load change O(log replicas) — instead of a
 * pass over every replica per arrival. Ties go to the lowest index, exactly as a linear scan in
 * index order would choose. Loads change by the pool's notifications (a request routed to the
 * replica, a request completed or dropped there).
 */
export class LeastLoadedIndex {
  private readonly heap: number[] = [];
  /** Replica index -> position in `heap`, or -1 when absent. */
  private readonly position: number[] = [];
  private readonly load: number[] = [];

  get size(): number {
    return this.heap.length;
  }

  has(replica: number): boolean {
    return (this.position[replica] ?? -1) >= 0;
  }

  add(replica: number, load: number): void {
    this.load[replica] = load;
    this.position[replica] = this.heap.length;
    this.heap.push(replica);
    this.up(this.heap.length - 1);
  }

  remove(replica: number): void {
    const i = this.position[replica] ?? -1;
    if (i < 0) return;
    const last = this.heap.pop() as number;
    this.position[replica] = -1;
    if (i < this.heap.length) {
      this.heap[i] = last;
      this.position[last] = i;
      this.down(this.up(i));
    }
  }

  /** Adds `delta` to a replica's load (ignored when it is not in the index). */
  change(replica: number, delta: number): void {
    const i = this.position[replica] ?? -1;
    if (i < 0) return;
    this.load[replica] += delta;
    if (delta < 0) this.up(i);
    else this.down(i);
  }

  /** A replica's load (requests waiting in its queue plus running); undefined when absent. */
  loadOf(replica: number): number {
    return this.load[replica];
  }

  /** The replica with the least load (lowest index among equals). */
  min(): number {
    return this.heap[0];
  }

  private before(a: number, b: number): boolean {
    const la = this.load[a];
    const lb = this.load[b];
    return la < lb || (la === lb && a < b);
  }

  private up(i: number): number {
    const heap = this.heap;
    const x = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(x, heap[parent])) break;
      heap[i] = heap[parent];
      this.position[heap[i]] = i;
      i = parent;
    }
    heap[i] = x;
    this.position[x] = i;
    return i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const x = heap[i];
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(heap[right], heap[left]) ? right : left;
      if (!this.before(heap[child], x)) break;
      heap[i] = heap[child];
      this.position[heap[i]] = i;
      i = child;
    }
    heap[i] = x;
    this.position[x] = i;
  }
}
