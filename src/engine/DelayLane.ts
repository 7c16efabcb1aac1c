/**
 * Events that all come a fixed `delayS` after they are scheduled, with one priority and one
 * action taking an item (a class's front-end time before its requests reach the engine: one event
 * per request). Their times are then non-decreasing in scheduling order, so they wait in a FIFO
 * beside the simulation's heap instead of in it: `Simulation.step` runs the lane's head when it
 * comes first in the (time, priority, seq) order. Each event takes its sequence number when it is
 * scheduled, as `schedule` would give it, so the order is exactly the one `schedule` gives; no
 * event object, closure or heap push and pop per event.
 *
 * Built by `Simulation.lane`. Its events cannot be cancelled.
 */
export class DelayLane<T> {
  /** Ring buffer of the waiting events (capacity a power of two, grown by doubling). */
  private times = new Float64Array(16);
  private seqs = new Float64Array(16);
  private items: (T | undefined)[] = new Array<T | undefined>(16).fill(undefined);
  private head = 0;
  /** Events waiting. */
  size = 0;

  /** @internal Simulation.lane builds it; `schedule` takes sequence numbers from `nextSeq`. */
  constructor(
    readonly delayS: number,
    readonly priority: number,
    private readonly action: (item: T) => void,
    private readonly now: () => number,
    private readonly nextSeq: () => number,
  ) {
    if (!(delayS >= 0) || delayS === Infinity) throw new RangeError(`Negative or non-finite delay ${delayS}`);
  }

  /** Runs `action(item)` `delayS` seconds from now (the time `Simulation.schedule` would give). */
  schedule(item: T): void {
    if (this.size === this.times.length) this.grow();
    const slot = (this.head + this.size) & (this.times.length - 1);
    this.times[slot] = this.now() + this.delayS;
    this.seqs[slot] = this.nextSeq();
    this.items[slot] = item;
    this.size++;
  }

  /** Time of the earliest waiting event (call when size > 0). */
  headTime(): number {
    return this.times[this.head];
  }

  /** Sequence number of the earliest waiting event (call when size > 0). */
  headSeq(): number {
    return this.seqs[this.head];
  }

  /** Takes the earliest waiting event off and runs its action (Simulation.step, clock already set). */
  runHead(): void {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.times.length - 1);
    this.size--;
    this.action(item);
  }

  private grow(): void {
    const capacity = this.times.length;
    const mask = capacity - 1;
    const times = new Float64Array(2 * capacity);
    const seqs = new Float64Array(2 * capacity);
    const items = new Array<T | undefined>(2 * capacity).fill(undefined);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) & mask;
      times[i] = this.times[from];
      seqs[i] = this.seqs[from];
      items[i] = this.items[from];
    }
    this.times = times;
    this.seqs = seqs;
    this.items = items;
    this.head = 0;
  }
}
