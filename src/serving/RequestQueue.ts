import type { Request } from './request.js';

/**
 * One FIFO level: a ring buffer (O(1) push, shift and unshift). Its array is the capacity, a power
 * of two, and only grows (doubling): a replica's queue sees every request routed to it, and a
 * queue that compacted or re-grew its array as it drained would reallocate every few requests.
 * Empty until the first push (a pool of 100,000 replicas builds no arrays for idle ones).
 */
class Fifo {
  private items: (Request | undefined)[] = [];
  /** Slot of the oldest request. */
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(request: Request): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = request;
    this.count++;
  }

  unshift(request: Request): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = request;
    this.count++;
  }

  peek(): Request | undefined {
    return this.count > 0 ? this.items[this.head] : undefined;
  }

  shift(): Request | undefined {
    if (this.count === 0) return undefined;
    const request = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return request;
  }

  /** Twice the capacity (at least 8), the requests moved to slots 0..count-1 in order. */
  private grow(): void {
    const old = this.items;
    const mask = old.length - 1;
    const next: (Request | undefined)[] = [];
    for (let i = 0; i < this.count; i++) next.push(old[(this.head + i) & mask]);
    const capacity = Math.max(8, 2 * old.length);
    while (next.length < capacity) next.push(undefined);
    this.items = next;
    this.head = 0;
  }
}

/**
 * Batch requests running at once from one queue: the default of `serving.batch_slots`. Each
 * running batch sequence lengthens every iteration (its decode step and KV reads) and takes a
 * batch slot, so a small bound keeps interactive latency where it was without batch work.
 */
export const BATCH_SLOTS = 2;

/** Running on a replica now: admitted, and not finished, preempted, evacuated or dropped. */
function running(r: Request): boolean {
  return r.onReplica;
}

/**
 * The waiting requests of a replica (or of a pool's shared queue): two FIFO levels, interactive
 * and batch (`priority: batch`). `peek` and `shift` serve the interactive level first, so at
 * every batch formation a batch request is admitted only when no interactive request is waiting:
 * batch work runs on the capacity interactive traffic leaves idle. Within a level, order is FCFS.
 * Batch admission is further paced (see `batchRoom`): one batch prompt in prefill at a time and
 * at most `batchSlots` batch requests running, because once admitted a batch sequence shares
 * every iteration with the interactive ones (its prefill chunks and decode steps lengthen them).
 *
 * Also keeps, for the interactive level, the sum of the prompt tokens still to prefill: what the
 * overflow rule (levers/overflow.ts) reads to estimate the wait before a new request's first token.
 */
export class RequestQueue {
  private readonly interactive = new Fifo();
  private readonly batch = new Fifo();
  /** Prefill tokens (prefillTarget) of the waiting interactive requests. */
  private interactivePrefill = 0;
  /** The batch request most recently taken from this queue: until it decodes, no other is. */
  private lastBatch: Request | null = null;
  /** Batch requests taken from this queue and maybe still running (pruned when full). */
  private readonly batchTaken: Request[] = [];

  /** @param batchSlots most batch requests running from this queue at once */
  constructor(private readonly batchSlots: number = BATCH_SLOTS) {}

  get length(): number {
    return this.interactive.length + this.batch.length;
  }

  /** Interactive requests waiting. */
  get interactiveLength(): number {
    return this.interactive.length;
  }

  /** Prompt tokens the waiting interactive requests still have to prefill. */
  get interactivePrefillTokens(): number {
    return this.interactivePrefill;
  }

  push(request: Request): void {
    if (request.batch) this.batch.push(request);
    else {
      this.interactive.push(request);
      this.interactivePrefill += request.prefillTarget;
    }
  }

  /** Puts a request back at the front of its level (a preempted request resumes before newer ones). */
  unshift(request: Request): void {
    if (request === this.lastBatch) this.lastBatch = null;
    if (request.batch) {
      const i = this.batchTaken.indexOf(request);
      if (i >= 0) this.batchTaken.splice(i, 1);
      this.batch.unshift(request);
    } else {
      this.interactive.unshift(request);
      this.interactivePrefill += request.prefillTarget;
    }
  }

  /** The next request to admit: the oldest interactive one, else the oldest batch one. */
  peek(): Request | undefined {
    return this.interactive.peek() ?? (this.batch.length > 0 && this.batchRoom() ? this.batch.peek() : undefined);
  }

  /**
   * Whether a batch request may be admitted now: the last one taken has finished its prefill (it
   * has its first token, has finished, or was dropped at admission), so batch prompts are
   * prefilled one at a time per queue; and fewer than `batchSlots` batch requests are running.
   */
  private batchRoom(): boolean {
    const last = this.lastBatch;
    // Still in its first prefill: no first token yet (a static batch sets it at batch start).
    if (last !== null && Number.isNaN(last.firstTokenAt) && running(last)) return false;
    const taken = this.batchTaken;
    if (taken.length < this.batchSlots) return true;
    let kept = 0;
    for (const r of taken) if (running(r)) taken[kept++] = r;
    taken.length = kept;
    return kept < this.batchSlots;
  }

  /** The oldest waiting interactive request, if any. */
  peekInteractive(): Request | undefined {
    return this.interactive.peek();
  }

  /**
   * Empties the queue, both levels, whatever the batch slots say: for a replica that drains or
   * is lost, whose waiting requests go elsewhere. Interactive first, each level in FCFS order.
   */
  takeAll(): Request[] {
    const out: Request[] = [];
    for (let r = this.interactive.shift(); r !== undefined; r = this.interactive.shift()) out.push(r);
    for (let r = this.batch.shift(); r !== undefined; r = this.batch.shift()) out.push(r);
    this.interactivePrefill = 0;
    this.lastBatch = null;
    this.batchTaken.length = 0;
    return out;
  }

  shift(): Request | undefined {
    const request = this.interactive.shift();
    if (request !== undefined) {
      this.interactivePrefill -= request.prefillTarget;
      return request;
    }
    if (this.batch.length === 0 || !this.batchRoom()) return undefined;
    const batch = this.batch.shift() as Request;
    this.lastBatch = batch;
    this.batchTaken.push(batch);
    return batch;
  }
}
