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
  private readonly keys: number[] = [];
  private readonly items: Request[] = [];
  private readonly epochs: number[] = [];
  /** Entries made stale (`invalidate`) and not dropped yet; at least the true count. */
  private stale = 0;

  get size(): number {
    return this.keys.length;
  }

  push(r: Request, finishStep: number): void {
    const keys = this.keys;
    let i = keys.length;
    keys.push(finishStep);
    this.items.push(r);
    this.epochs.push(r.decodeEpoch);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= finishStep) break;
      this.move(parent, i);
      i = parent;
    }
    this.keys[i] = finishStep;
    this.items[i] = r;
    this.epochs[i] = r.decodeEpoch;
  }

  /** The earliest finish step of a live entry, or Infinity. */
  peekKey(): number {
    this.dropStale();
    return this.keys.length > 0 ? this.keys[0] : Infinity;
  }

  /** Removes and returns the earliest live entry's request (call after `peekKey`). */
  pop(): Request {
    const top = this.items[0];
    const lastKey = this.keys.pop() as number;
    const lastItem = this.items.pop() as Request;
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
      this.items[i] = lastItem;
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
    this.items.length = 0;
    this.epochs.length = 0;
  }

  private dropStale(): void {
    while (this.stale > 0 && this.keys.length > 0 && this.epochs[0] !== this.items[0].decodeEpoch) {
      this.pop();
      this.stale--;
    }
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from];
    this.items[to] = this.items[from];
    this.epochs[to] = this.epochs[from];
  }
}
