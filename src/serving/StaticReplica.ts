import type { SimEvent } from '../engine/EventQueue.js';
import { PRIORITY, type Replica, type ReplicaHost } from './Replica.js';
import { Phase, type Request } from './request.js';
import type { RequestQueue } from './RequestQueue.js';

/**
 * Request-level (static) batching, as in a plain `generate()` server: collect up to
 * `max_batch_size` requests, or whatever has come when `batch_window` has passed since the
 * oldest waiting request arrived, then run the batch to completion — prefill in iterations of at
 * most `max_batch_tokens` tokens, then decode with every slot in the batch until its longest
 * output is done (finished sequences stay as padding). Each request's tokens stream out as they
 * are produced: its first token at the end of the prefill, its last at the end of its own decode
 * iteration. KV memory for a request's whole length (prompt + output) is reserved at admission.
 * A batch is one event: its step times are summed in a loop, never scheduled one by one.
 */
export class StaticReplica implements Replica {
  private event: SimEvent | null = null;
  private running = false;
  private batch: Request[] = [];
  private batchStart = 0;
  /** Work of the batch in flight: FLOPs, HBM bytes, KV tokens reserved. */
  private batchFlops = 0;
  private batchBytes = 0;
  private batchKv = 0;
  accepting = true;

  constructor(
    readonly index: number,
    readonly queue: RequestQueue,
    private readonly host: ReplicaHost,
    private readonly ownsQueue: boolean,
  ) {}

  load(): number {
    return (this.ownsQueue ? this.queue.length : 0) + this.batch.length;
  }

  /** Static batching keeps no prefix cache. */
  residentPrefix(): number {
    return 0;
  }

  wake(): void {
    if (this.running || !this.accepting) return;
    const sim = this.host.sim;
    const head = this.queue.peek();
    if (head === undefined) return;
    const startAt =
      this.queue.length >= this.host.serving.maxBatchSize
        ? sim.now
        : Math.max(sim.now, head.queuedAt + this.host.serving.batchWindowS);
    if (this.event !== null) {
      if (this.event.time <= startAt) return;
      sim.cancel(this.event);
    }
    this.event = sim.at(startAt, this.start, PRIORITY.boundary);
  }

  private readonly start = (): void => {
    this.event = null;
    const host = this.host;
    const sim = host.sim;
    const { maxBatchSize, maxBatchTokens } = host.serving;
    const capacity = host.kvCapacityTokens;

    let reserved = 0;
    const batch: Request[] = [];
    while (batch.length < maxBatchSize) {
      const head = this.queue.peek();
      if (head === undefined) break;
      const need = head.promptTokens + head.outputTokens;
      if (reserved + need > capacity && batch.length > 0) break;
      this.queue.shift();
      if (sim.now - head.queuedAt > head.maxQueueS || need > capacity) {
        head.phase = Phase.dropped;
        host.dropped(head, this);
        continue;
      }
      head.startedAt = sim.now;
      head.onReplica = true;
      head.phase = Phase.prefill;
      host.admitted(head);
      head.kvTokens = need;
      reserved += need;
      batch.push(head);
    }
    if (batch.length === 0) {
      this.wake();
      return;
    }

    // Prefill: the prompts in order, cut into iterations of at most maxBatchTokens tokens.
    const model = host.stepModel;
    const work = host.work;
    let flops = 0;
    let bytes = 0;
    let t = sim.now;
    let iterationTokens = 0;
    let iterationAttention = 0;
    let iterationOwnPairs = 0;
    let contextTokens = 0;
    for (const r of batch) {
      let done = 0;
      while (done < r.promptTokens) {
        const chunk = Math.min(r.promptTokens - done, maxBatchTokens - iterationTokens);
        iterationTokens += chunk;
        iterationAttention += chunk * (done + chunk / 2);
        iterationOwnPairs += (chunk * chunk) / 2;
        done += chunk;
        if (iterationTokens === maxBatchTokens) {
          t += model.iterationS(iterationTokens, iterationAttention, 0, 0, iterationOwnPairs);
          flops += work.flops(1, iterationTokens, 1, iterationAttention, 0);
          bytes += work.bytes(1, iterationTokens, 0);
          iterationTokens = 0;
          iterationAttention = 0;
          iterationOwnPairs = 0;
        }
      }
      contextTokens += r.promptTokens + 1;
    }
    if (iterationTokens > 0) {
      t += model.iterationS(iterationTokens, iterationAttention, 0, 0, iterationOwnPairs);
      flops += work.flops(1, iterationTokens, 1, iterationAttention, 0);
      bytes += work.bytes(1, iterationTokens, 0);
    }

    // Decode: every slot steps until the longest output is done.
    const n = batch.length;
    const byOutput = [...batch].sort((a, b) => a.outputTokens - b.outputTokens || a.id - b.id);
    let next = 0;
    let decoded = 1; // tokens produced per sequence; the prefill produced the first
    for (const r of byOutput) r.firstTokenAt = t;
    while (next < n) {
      while (next < n && byOutput[next].outputTokens <= decoded) byOutput[next++].finishedAt = t;
      if (next === n) break;
      t += model.iterationS(0, 0, n, contextTokens + n * (decoded - 1));
      flops += work.flops(1, n, n, 0, contextTokens + n * (decoded - 1));
      bytes += work.bytes(1, n, contextTokens + n * (decoded - 1));
      decoded++;
    }

    this.batch = batch;
    this.batchStart = sim.now;
    this.batchFlops = flops;
    this.batchBytes = bytes;
    this.batchKv = reserved;
    this.running = true;
    this.event = sim.at(t, this.finish, PRIORITY.boundary);
  };

  private readonly finish = (): void => {
    this.event = null;
    this.running = false;
    const host = this.host;
    const now = host.sim.now;
    host.busy(this.index, this.batchStart, now);
    const span = now - this.batchStart;
    host.ran(this.batchStart, now, this.batchFlops, this.batchBytes, this.batch.length * span, this.batchKv * span);
    for (const r of this.batch) {
      r.generated = r.outputTokens;
      r.kvTokens = 0;
      r.onReplica = false;
      r.phase = Phase.done;
      host.completed(r, this);
    }
    this.batch = [];
    if (this.accepting) this.wake();
    else host.drained(this);
  };

  drain(): Request[] {
    this.accepting = false;
    const waiting = this.ownsQueue ? this.queue.takeAll() : [];
    if (this.event !== null && !this.running) {
      this.host.sim.cancel(this.event);
      this.event = null;
    }
    if (!this.running) this.host.drained(this);
    return waiting;
  }

  evacuate(): Request[] {
    const host = this.host;
    this.accepting = false;
    if (this.event !== null) {
      host.sim.cancel(this.event);
      this.event = null;
    }
    const out: Request[] = [];
    if (this.running) {
      host.busy(this.index, this.batchStart, host.sim.now);
      for (const r of this.batch) {
        r.firstTokenAt = NaN;
        r.finishedAt = NaN;
        r.kvTokens = 0;
        r.onReplica = false;
        r.phase = Phase.queued;
        r.requeues++;
        out.push(r);
      }
    }
    this.batch = [];
    this.running = false;
    if (this.ownsQueue) out.push(...this.queue.takeAll());
    return out;
  }

  resume(): void {
    this.accepting = true;
    this.wake();
  }
}
