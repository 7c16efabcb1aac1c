/**
 * A set of slot indexes (0, 1, 2, ... in the order a pool adds its slots) that answers "how many
 * members are below i" and "which is the k-th smallest" in O(log n): a Fenwick (binary indexed)
 * tree of member counts over the indexes (Fenwick 1994, "A new data structure for cumulative
 * frequency tables"). A pool keeps one per replica state it must find members of (the spares, the
 * provisioning replicas) and one inside ReadyReplicas, so failing over, scaling and routing never
 * scan every slot.
 *
 * add, remove: O(log n); rank, select, first, last: O(log n); has, size: O(1). The index range
 * grows by doubling (rebuilt in O(n)), so adding slot after slot is O(log n) amortized.
 */
export class SlotSet {
  /** Fenwick tree, 1-based: tree[i] counts the members in (i - lowbit(i), i] (1-based positions). */
  private tree = new Int32Array(17);
  private member = new Uint8Array(16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(index: number): boolean {
    return index < this.member.length && this.member[index] === 1;
  }

  /** Adds a slot index (>= 0); no-op when present. */
  add(index: number): void {
    if (index >= this.member.length) this.grow(index + 1);
    if (this.member[index] === 1) return;
    this.member[index] = 1;
    this.count++;
    const tree = this.tree;
    for (let i = index + 1; i < tree.length; i += i & -i) tree[i]++;
  }

  /** Removes a slot index; no-op when absent. */
  remove(index: number): void {
    if (!this.has(index)) return;
    this.member[index] = 0;
    this.count--;
    const tree = this.tree;
    for (let i = index + 1; i < tree.length; i += i & -i) tree[i]--;
  }

  /** Members smaller than `index`. */
  rank(index: number): number {
    const tree = this.tree;
    let n = 0;
    for (let i = Math.min(index, this.member.length); i > 0; i -= i & -i) n += tree[i];
    return n;
  }

  /** The k-th smallest member (k = 0 the smallest), or -1 when k is out of range. */
  select(k: number): number {
    if (k < 0 || k >= this.count) return -1;
    const tree = this.tree;
    // Binary lifting: the largest position whose prefix count is <= k; the member is the next one.
    let pos = 0;
    let rest = k;
    for (let step = this.member.length; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < tree.length && tree[next] <= rest) {
        pos = next;
        rest -= tree[next];
      }
    }
    return pos; // 1-based position pos + 1 is index pos
  }

  /** The smallest member, or -1 when empty. */
  first(): number {
    return this.select(0);
  }

  /** The largest member, or -1 when empty. */
  last(): number {
    return this.select(this.count - 1);
  }

  /** Doubles the index range until it holds `needed` indexes, rebuilding the tree in O(n). */
  private grow(needed: number): void {
    let capacity = this.member.length;
    while (capacity < needed) capacity *= 2;
    const member = new Uint8Array(capacity);
    member.set(this.member);
    const tree = new Int32Array(capacity + 1);
    for (let i = 1; i <= capacity; i++) {
      tree[i] += member[i - 1];
      const parent = i + (i & -i);
      if (parent <= capacity) tree[parent] += tree[i];
    }
    this.member = member;
    this.tree = tree;
  }
}
