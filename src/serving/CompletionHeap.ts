import type { Request } from './request.js';

/**
 * The decoding sequences of one replica ordered by the decode step at which each completes, so a
 * run's length (iterations to the first completion) and the completions at its end cost
 * O(log n) instead of a pass over every running sequence. Entries of a sequence that left the
 * replica early (preempted, evacuated) are skipped lazily: each entry carries the sequence's
 * `decodeEpoch` at push time. The owner reports each entry it makes stale (`invalidate`), so that
 * the top is checked against its request only while a stale entry may be left: the check reads
 * the request object, a likely cache miss at every run boundary otherwise.
 */
export class CompletionHeap {
  // The heap, in heap order: each entry's key, its request's slot in `items`, its epoch. Only
  // small integers move when the heap is reordered: a request object is stored once per push
  // (a store of a young object into an old array is a write barrier's slow path).
  private readonly keys: number[] = [];
  private readonly slots: number[] = [];
  private readonly epochs: number[] = [];
  /** The entries' requests by slot (undefined in a free slot). */
  private readonly items: (Request | undefined)[] = [];
  /** Free slots of `items`. */
  private readonly free: number[] = [];
  /** Entries made stale (`invalidate`) and not dropped yet; at least the true count. */
  private stale = 0;

  get size(): number {
    return this.keys.length;
  }

  push(r: Request, finishStep: number): void {
    const keys = this.keys;
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.items.length;
    this.items[slot] = r;
    const epoch = r.decodeEpoch;
    let i = keys.length;
    keys.push(finishStep);
    this.slots.push(slot);
    this.epochs.push(epoch);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= finishStep) break;
      this.move(parent, i);
      i = parent;
    }
    this.keys[i] = finishStep;
    this.slots[i] = slot;
    this.epochs[i] = epoch;
  }

  /** The earliest finish step of a live entry, or Infinity. */
  peekKey(): number {
    this.dropStale();
    return this.keys.length > 0 ? this.keys[0] : Infinity;
  }

  /** Removes and returns the earliest live entry's request (call after `peekKey`). */
  pop(): Request {
    const topSlot = this.slots[0];
    const top = this.items[topSlot] as Request;
    this.items[topSlot] = undefined;
    this.free.push(topSlot);
    const lastKey = this.keys.pop() as number;
    const lastSlot = this.slots.pop() as number;
    const lastEpoch = this.epochs.pop() as number;
    const n = this.keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && this.keys[right] < this.keys[left] ? right : left;
        if (this.keys[child] >= lastKey) break;
        this.move(child, i);
        i = child;
      }
      this.keys[i] = lastKey;
      this.slots[i] = lastSlot;
      this.epochs[i] = lastEpoch;
    }
    return top;
  }

  /** A request with a live entry stopped decoding before its finish step (its `decodeEpoch` moved on). */
  invalidate(): void {
    this.stale++;
  }

  clear(): void {
    this.stale = 0;
    this.keys.length = 0;
    this.slots.length = 0;
    this.epochs.length = 0;
    this.items.length = 0;
    this.free.length = 0;
  }

  private dropStale(): void {
    while (this.stale > 0 && this.keys.length > 0 && this.epochs[0] !== (this.items[this.slots[0]] as Request).decodeEpoch) {
      this.pop();
      this.stale--;
    }
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from];
    this.slots[to] = this.slots[from];
    this.epochs[to] = this.epochs[from];
  }
}
