/**
 * A binary min-heap of events keyed `(time, priority, seq)`.
 *
 * Same-time order is decided on purpose: lower `priority` first, then first-scheduled first
 * (`seq`, a counter owned by the simulation). O(log n) push and pop; cancelled events are
 * skipped lazily when they reach the top.
 */
export interface SimEvent {
  readonly time: number;
  readonly priority: number;
  readonly seq: number;
  readonly action: () => void;
  cancelled: boolean;
}

/** Whether `a` runs before `b`: earlier time, then lower priority, then scheduled first. */
export function before(a: SimEvent, b: SimEvent): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}

export class EventQueue {
  private readonly items: SimEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  push(event: SimEvent): void {
    const items = this.items;
    let i = items.length;
    items.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = event;
  }

  peek(): SimEvent | undefined {
    return this.items[0];
  }

  pop(): SimEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(items[right], items[left]) ? right : left;
      if (!before(items[child], last)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = last;
    return top;
  }
}
