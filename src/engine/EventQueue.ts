/**
 * A binary min-heap of events keyed `(time, priority, seq)`.
 *
 * Same-time order is decided on purpose: lower `priority` first, then first-scheduled first
 * (`seq`, a counter owned by the simulation). O(log n) push, pop and `update`; cancelled events
 * are skipped lazily when they reach the top. The queue writes each event's position in the heap
 * on it (`index`, -1 once popped or removed), so that an event whose key changed can be moved in
 * place.
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

/** An event as the queue holds it: with its position in the heap. */
type Entry = SimEvent & { index: number };

export class EventQueue {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(event: SimEvent): void {
    const items = this.items;
    items.push(event as Entry);
    this.up(event as Entry, items.length - 1);
  }

  peek(): SimEvent | undefined {
    return this.items[0];
  }

  pop(): SimEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top !== undefined) top.index = -1;
    if (items.length === 0 || last === undefined) return top;
    this.down(last, 0);
    return top;
  }

  /**
   * Whether `event` is in the queue (pushed, not popped or removed yet; cancelled or not).
   */
  holds(event: SimEvent): boolean {
    const i = (event as Entry).index;
    return i >= 0 && this.items[i] === event;
  }

  /**
   * Takes an event of the queue out, wherever it is (the top: as `pop`); its index becomes -1.
   */
  remove(event: SimEvent): void {
    const e = event as Entry;
    const items = this.items;
    const i = e.index;
    e.index = -1;
    const last = items.pop() as Entry;
    if (last === e) return;
    items[i] = last;
    last.index = i;
    this.update(last);
  }

  /**
   * Moves an event of the queue whose key became larger (later) down to its new place: its
   * ancestors still come before it, so only its descendants are compared.
   */
  sink(event: SimEvent): void {
    const e = event as Entry;
    this.down(e, e.index);
  }

  /** Moves an event of the queue whose key (time, priority, seq) changed to its new place. */
  update(event: SimEvent): void {
    const e = event as Entry;
    const i = e.index;
    if (i > 0 && before(e, this.items[(i - 1) >> 1])) this.up(e, i);
    else this.down(e, i);
  }

  /** Puts `event` at slot `i` or above, moving the parents it comes before down. */
  private up(event: Entry, i: number): void {
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (!before(event, p)) break;
      items[i] = p;
      p.index = i;
      i = parent;
    }
    items[i] = event;
    event.index = i;
  }

  /** Puts `event` at slot `i` or below, moving the children that come before it up. */
  private down(event: Entry, i: number): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(items[right], items[left]) ? right : left;
      const c = items[child];
      if (!before(c, event)) break;
      items[i] = c;
      c.index = i;
      i = child;
    }
    items[i] = event;
    event.index = i;
  }
}
