import type { SimEvent } from '../engine/EventQueue.js';
import { PRIORITY, type Replica, type ReplicaHost } from './Replica.js';
import { Phase, type Request } from './request.js';
import type { RequestQueue } from './RequestQueue.js';
import { CompletionHeap } from './CompletionHeap.js';
import { SpeculativeDecoder } from './SpeculativeDecoder.js';
import { KV_WATERMARK, KvMemory } from './KvMemory.js';
import type { LookIndex, Looker } from './LookIndex.js';

export { KV_WATERMARK } from './KvMemory.js';

/**
 * Most prompt tokens of a batch-class request (`priority: batch`) computed in one iteration: a
 * long batch prompt is prefilled in small chunks, so it never fills an iteration that a new
 * interactive request would then wait behind. The default of `serving.batch_prefill_chunk`.
 */
export const BATCH_PREFILL_CHUNK = 512;

/**
 * Iteration-level (continuous) batching, as in vLLM with chunked prefill (Sarathi-Serve).
 *
 * At every iteration boundary the batch is formed again: every decoding sequence contributes one
 * token, partly prefilled sequences continue their prompt, then waiting requests are admitted
 * first-come first-served while `max_batch_size`, the `max_batch_tokens` budget and KV memory
 * allow; a long prompt is chunked across iterations. When decode growth would overflow KV memory,
 * the newest sequence is preempted and later recomputed (vLLM's recompute policy).
 *
 * Fast path: when an iteration has no prefill, nothing can join before a sequence completes, so
 * the run of k identical-shape decode iterations up to the first completion (or KV exhaustion) is
 * one event. Its end time is the same left-to-right sum of step times the one-event-per-iteration
 * path computes, so both paths give the same floating-point results. A request that arrives during
 * a run and could be admitted cuts the run at the next iteration boundary.
 *
 * No per-sequence work per iteration: the replica counts decode steps (`step`); a decoding
 * sequence's `generated` and `kvTokens` are brought up to date from that counter only when they
 * are read (`sync`), the KV sums are kept incrementally, and completions come off a heap keyed by
 * the step at which each sequence finishes.
 *
 * With `serving.speculative` (SpeculativeDecoder), a decode step emits a drawn number of tokens
 * per sequence instead of one: `step` still counts decode iterations, each sequence's tokens by
 * step are drawn when it starts decoding, and the batch's KV growth per step is read from the
 * decoder's ring (one read per iteration); decoding sequences reserve k + 1 KV slots and
 * k + 1 tokens of the iteration budget each.
 *
 * KV memory has one owner, `KvMemory` (allocation, release, prefix-cache eviction, pinning); with
 * `cache.prefix`, shared prefixes stay resident there (see PrefixCache) and later requests skip
 * their prefill. A request whose prompt + output exceed the replica's whole KV capacity could
 * never finish on it and is dropped when it reaches the head of the queue.
 */
export class ContinuousReplica implements Replica, Looker {
  /** Running requests in admission order; finished ones are removed lazily (`onReplica` false). */
  private running: Request[] = [];
  private runningCount = 0;
  /** Running requests still in prefill, in admission order. */
  private prefilling: Request[] = [];
  /** Decode steps this replica has run (one per decode iteration). */
  private step = 0;
  private readonly completions = new CompletionHeap();
  private readonly kv: KvMemory;
  /** Sum of the decoding sequences' context lengths, and their count. */
  private decodeKv = 0;
  private decodeSeqs = 0;
  private event: SimEvent | null = null;
  /** The run-boundary event that last ran, scheduled again (`Simulation.again`) for the next run. */
  private spent: SimEvent | null = null;
  /** false once draining or lost: admits nothing new. */
  accepting = true;
  /** Speculative decoding's draws and step time, or null. */
  private readonly spec: SpeculativeDecoder | null;
  /** Most prompt tokens of a batch-class request per iteration (`serving.batch_prefill_chunk`). */
  private readonly batchChunk: number;

  // The run in flight: `iterations` iterations starting at `runStart`.
  private runStart = 0;
  private iterations = 0;
  private runSteady = false;
  /** false while a prefill-only iteration runs (`serving.scheduler: prefill_first`): decodes wait. */
  private runDecodes = true;
  /** Prompt tokens and prefill-attention pairs of the current run (k = 1 when there are any). */
  private runPrefillTokens = 0;
  private runPrefillAttention = 0;
  /**
   * End time of each iteration of the current run (its first `iterations` entries). Allocated at
   * the first run of several iterations (NO_ENDS until then, never written): a pool of 100,000
   * replicas, most never busy, builds without 100,000 typed arrays.
   */
  private runEnds: Float64Array<ArrayBuffer> = NO_ENDS;
  /**
   * KV held (used - evictable) when the current steady run (k > 1, no speculative decoding) was
   * planned, and its decoding sequences: iteration j holds runHeld + runSeqs j tokens. Its
   * KV-seconds are summed when it ends, over the iterations that ran (runKvSeconds).
   */
  private runHeld = 0;
  private runSeqs = 0;
  /**
   * The first accounting cut (ReplicaHost.workCutAfter: an hour boundary or the horizon) after
   * the start of the run last reported, asked again only once a run ends past it (reportWork).
   */
  private cutS = -Infinity;
  /**
   * The current run's prompt chunks: `chunks` of them, the i-th of `chunkSize[i]` tokens for
   * `prefilling[i]` (batch formation takes the prefilling requests in order, then appends the ones
   * it admits to both), so no second list of requests is written (a store, and a write barrier,
   * per chunk).
   */
  private readonly chunkSize: number[] = [];
  private chunks = 0;
  /** StepModel.decodeStep's output for the run being planned. */
  private readonly decodeStepParts = new Float64Array(3);
  /** A shared queue's index of when its replicas next look at the head; told of every run change. */
  private readonly looks: LookIndex<ContinuousReplica> | null;

  constructor(
    readonly index: number,
    readonly queue: RequestQueue,
    private readonly host: ReplicaHost,
    private readonly ownsQueue: boolean,
  ) {
    const setup = host.speculative;
    this.spec = setup ? new SpeculativeDecoder(setup, setup.streamFor(index)) : null;
    this.kv = new KvMemory(host.kvCapacityTokens, host.prefixCache, host.serving.kvWatermark ?? KV_WATERMARK, host.hashBlockTokens);
    this.batchChunk = host.serving.batchPrefillChunk ?? BATCH_PREFILL_CHUNK;
    this.looks = ownsQueue ? null : (host.looks ?? null);
  }

  load(): number {
    return (this.ownsQueue ? this.queue.length : 0) + this.runningCount;
  }

  residentPrefix(r: Request): number {
    return this.kv.residentPrefix(r);
  }

  /**
   * New work may be in the queue: an idle replica starts; a steady run that can take the head is
   * cut at its first iteration boundary at or after now. `admits`: the caller has just found
   * `canAdmit()` true (LookIndex.best, for a shared queue), so it is not asked again.
   */
  wake(admits = false): void {
    const sim = this.host.sim;
    if (!this.accepting) return;
    if (this.event === null) {
      this.iterations = 0;
      this.runStart = sim.now;
      this.event = this.schedule(sim.now);
      this.looks?.changed(this);
      return;
    }
    if (!this.runSteady || this.iterations <= 1 || !(admits || this.canAdmit())) return;
    // Cut the steady run at the first iteration boundary at or after now.
    const lo = this.firstEndFrom(sim.now);
    if (lo + 1 < this.iterations) {
      this.iterations = lo + 1;
      sim.retime(this.event, this.runEnds[lo]);
      this.looks?.changed(this, lo);
    }
  }

  /**
   * The first iteration of the run in flight that ends at or after `t` (boundaries were recorded
   * when the run was planned: binary search, no step times computed again).
   */
  private firstEndFrom(t: number): number {
    const ends = this.runEnds;
    let lo = 0;
    let hi = this.iterations - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] >= t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** LookIndex: when the run in flight ends; NaN with none (idle, or forming its batch). */
  runEnd(): number {
    return this.event === null ? NaN : this.event.time;
  }

  /**
   * LookIndex: the run's iteration boundaries when the run in flight is a steady run of several
   * iterations (a wake cuts it at the first at or after now, when canAdmit), else null.
   */
  cuttableEnds(): Float64Array | null {
    return this.event !== null && this.runSteady && this.iterations > 1 ? this.runEnds : null;
  }

  /** Whether the next batch formation would admit (or drop) the head of the queue. */
  canAdmit(): boolean {
    const head = this.queue.peek();
    if (head === undefined || !this.accepting || this.runningCount >= this.host.serving.maxBatchSize) return false;
    if (this.tooLarge(head)) return true;
    const plan = this.kv.plan(head);
    return this.kv.couldFit(head, plan, this.kv.admitLimit) && (!this.arrivedComputed(head) || this.decodeRoom(plan.need));
  }

  /**
   * Its whole context must fit in this replica's KV memory for it to finish here: prompt + output
   * (a prefill replica holds the prompt only). Larger, it is dropped when it reaches the head.
   */
  private tooLarge(r: Request): boolean {
    return r.promptTokens + (this.host.role === 'prefill' ? 0 : r.outputTokens) > this.kv.capacity;
  }

  /** A decode replica's request whose KV arrived computed (not one it preempted to recompute). */
  private arrivedComputed(r: Request): boolean {
    return this.host.role === 'decode' && r.prefilled === r.prefillTarget;
  }

  /**
   * A request joining the decode batch at once also grows by a token this iteration: there must
   * be room for its context and for one more token of every decoding sequence, itself included.
   */
  private decodeRoom(need: number): boolean {
    const lookahead = this.spec !== null ? this.spec.lookahead : 1;
    return this.kv.used + need + (this.decodeSeqs + 1) * lookahead <= this.kv.capacity;
  }

  /** Schedules the next run boundary, reusing the one that last ran when there is one. */
  private schedule(time: number): SimEvent {
    const spent = this.spent;
    if (spent === null) return this.host.sim.at(time, this.boundary, PRIORITY.boundary);
    this.spent = null;
    return this.host.sim.again(spent, time);
  }

  private readonly boundary = (): void => {
    this.spent = this.event;
    this.event = null;
    // The head before this boundary: finishing the run may also change it (a batch request's
    // prefill ending, or one finishing, lets the next batch request through a shared queue).
    const headBefore = this.ownsQueue ? undefined : this.queue.peek();
    if (this.iterations > 0) this.finishRun(this.host.sim.now);
    this.startRun(headBefore);
    this.looks?.changed(this);
  };

  /** Brings a decoding request's `generated` and `kvTokens` up to the replica's decode step. */
  private sync(r: Request): void {
    if (r.phase !== Phase.decode) return;
    const steps = this.unsynced(r);
    r.generated += steps;
    r.kvTokens += steps;
    r.syncedStep = this.step;
  }

  /** Tokens a decoding request has emitted since its last sync (one a step, or its speculative draws). */
  private unsynced(r: Request): number {
    if (this.spec === null) return this.step - r.syncedStep;
    return r.speculative === null ? 0 : this.spec.generatedAt(r, this.step) - r.generated;
  }

  /**
   * Applies the tokens of the run that ended at `now` (the current time, or the end of the last
   * iteration that finished before the replica was lost) and retires finished requests.
   */
  private finishRun(now: number): void {
    const host = this.host;
    const k = this.iterations;
    host.busy(this.index, this.runStart, now);
    this.reportWork(k, now);
    // serving.overhead.output_iterations: a token reaches the client that many iterations after
    // the one that computed it (the output path is pipelined behind the next step).
    const lagIterations = host.serving.overhead.outputIterations;
    const lag = lagIterations === 0 ? 0 : lagIterations * (k > 1 ? this.runEnds[k - 1] - this.runEnds[k - 2] : now - this.runStart);

    if (this.decodeSeqs > 0 && this.runDecodes) {
      let grown = this.decodeSeqs * k;
      if (this.spec !== null) {
        grown = 0;
        for (let j = 1; j <= k; j++) grown += this.spec.take(this.step + j);
      }
      this.step += k;
      this.kv.grow(grown);
      this.decodeKv += grown;
    }
    let prefillDone = false;
    const prefilling = this.prefilling;
    for (let i = 0; i < this.chunks; i++) {
      const r = prefilling[i];
      r.prefilled += this.chunkSize[i];
      if (r.prefilled === r.prefillTarget) {
        prefillDone = true;
        if (this.host.role === 'prefill') {
          // Disaggregated: the first token is out when the prompt is done; the rest is decoded
          // on a decode replica, after the KV transfer.
          r.generated += 1;
          if (Number.isNaN(r.firstTokenAt)) r.firstTokenAt = now + lag;
          if (r.generated >= r.outputTokens) this.complete(r, now + lag);
          else this.handOff(r);
          continue;
        }
        r.phase = Phase.decode;
        r.syncedStep = this.step;
        r.generated += 1;
        if (Number.isNaN(r.firstTokenAt)) r.firstTokenAt = now + lag;
        this.decodeSeqs++;
        this.decodeKv += r.kvTokens;
        if (r.generated >= r.outputTokens) this.complete(r, now + lag);
        else this.scheduleCompletion(r);
      }
    }
    this.chunks = 0;
    if (prefillDone) this.prunePrefilling();
    // Handed-over requests run on a decode replica next: they leave `running` now, not lazily
    // (their `onReplica` flag will be the decode replica's).
    if (prefillDone && this.host.role === 'prefill') this.running = this.running.filter((r) => r.onReplica);

    while (this.completions.peekKey() <= this.step) this.complete(this.completions.pop(), now + lag);
    if (this.running.length > 2 * this.runningCount + 64) this.running = this.running.filter((r) => r.onReplica);
  }

  /**
   * Removes from `prefilling`, in place and keeping their order, the requests whose prefill is
   * done or that left the replica (once per run that completed a prefill: no new array).
   */
  private prunePrefilling(): void {
    const list = this.prefilling;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (!r.onReplica || r.phase === Phase.decode) continue;
      if (kept !== i) list[kept] = r; // no store (and write barrier) for a request that stays put
      kept++;
    }
    while (list.length > kept) list.pop(); // (a store to length is a runtime call; pop is inlined)
  }

  /**
   * Reports the work of the run that just ended (k iterations, the batch unchanged): KV held by
   * the running sequences grows by one token per decoding sequence per iteration; resident
   * prefixes no sequence uses (evictable) are not counted as held. The KV-seconds of a run of
   * several iterations are summed iteration by iteration over its recorded ends (runKvSeconds).
   *
   * The accounting spreads what one report gives evenly over its interval when it splits it at an
   * hour boundary or the horizon (FleetWork.add): right for one iteration, not for a run whose KV
   * held and KV reads grow every iteration. A run of several iterations that crosses such a cut is
   * therefore reported in pieces (reportPieces): the iterations before the iteration that crosses
   * it, that iteration alone, the iterations after; so it is counted as the one-event-per-iteration
   * path counts it.
   */
  private reportWork(k: number, now: number): void {
    const n = this.runDecodes ? this.decodeSeqs : 0; // prefill_first: decodes waited
    if (k > 1 && now > this.cutS) {
      if (this.runStart >= this.cutS) this.cutS = this.host.workCutAfter(this.runStart);
      if (now > this.cutS) {
        this.reportPieces(k, n);
        return;
      }
    }
    this.reportIterations(0, k, n, now);
  }

  /**
   * Reports the k iterations of the current run (k > 1, so its ends are recorded; the last ends
   * now) in pieces, each accounting cut after `cutS` that an iteration crosses taking that
   * iteration alone, and keeps the first cut after the run's end in `cutS`.
   */
  private reportPieces(k: number, n: number): void {
    const ends = this.runEnds;
    let cut = this.cutS;
    let a = 0;
    while (a < k) {
      if (ends[k - 1] <= cut) {
        this.reportIterations(a, k, n, ends[k - 1]);
        break;
      }
      let j = a;
      while (ends[j] <= cut) j++;
      if (j > a) this.reportIterations(a, j, n, ends[j - 1]);
      this.reportIterations(j, j + 1, n, ends[j]);
      a = j + 1;
      cut = this.host.workCutAfter(ends[j]);
    }
    this.cutS = cut;
  }

  /**
   * Reports iterations a..b-1 of the current run, which end at `end`: their FLOPs, HBM bytes,
   * sequence-seconds and KV-seconds (a > 0 or b < the run's iterations only for a run of several,
   * which is a steady decode run: no prompt tokens).
   */
  private reportIterations(a: number, b: number, n: number, end: number): void {
    const start = a === 0 ? this.runStart : this.runEnds[a - 1];
    if (this.spec !== null && n > 0) {
      this.reportSpeculativeWork(a, b, n, start, end);
      return;
    }
    const k = b - a;
    const p = this.runPrefillTokens;
    const kv0 = this.kv.used - this.kv.evictable;
    // Iteration j reads decodeKv + n j KV tokens (exact: integers).
    const decodeKv = this.decodeKv + n * a;
    const decodeKvSum = k * decodeKv + (n * k * (k - 1)) / 2;
    const kvS = b === 1 ? kv0 * (end - start) : this.runKvSeconds(a, b);
    const work = this.host.work;
    this.host.ran(
      start,
      end,
      work.flops(k, p + n, n + (p > 0 ? 1 : 0), this.runPrefillAttention, decodeKvSum),
      work.bytes(k, p + n, decodeKvSum),
      this.runningCount * (end - start),
      kvS,
    );
  }

  /**
   * KV-seconds held over iterations a..b-1 of the current steady run: iteration j holds the KV
   * it was planned with plus a token per decoding sequence per earlier iteration. Summed here,
   * at the run's end, rather than while planning: a run cut short (wake) plans iterations that
   * never run, and the sum over those that did is the same, operation for operation.
   */
  private runKvSeconds(a: number, b: number): number {
    const ends = this.runEnds;
    const n = this.runSeqs;
    let kvS = 0;
    let prev = a === 0 ? this.runStart : ends[a - 1];
    let heldJ = this.runHeld + n * a; // held + n j, as a running sum (exact: integers)
    for (let j = a; j < b; j++) {
      const t = ends[j];
      kvS += heldJ * (t - prev);
      prev = t;
      heldJ += n;
    }
    return kvS;
  }

  /**
   * The work of iterations a..b-1 of a run of speculative iterations (over [start, end)), counted
   * as SpeculativeDecoder.iterationS prices it. With n decoding sequences holding D_j context
   * tokens at iteration j (D_0 the decode KV sum, D_(j+1) = D_j + the tokens the batch emitted at
   * step j, read from the ring before finishRun consumes it) and t draft tokens:
   *   verify: the target over P + n (t + 1) positions, n (+1 with a prefill) sampled tokens,
   *           A_P + t D_j + n t^2 / 2 attention pairs, D_j KV tokens read;
   *   drafts: t passes i of the draft model over n tokens reading D_j + i n KV tokens
   *           (method ngram: host-side, no GPU work).
   * KV held during iteration j: kv0 + D_j - D_0 (the emitted tokens are in the KV cache).
   */
  private reportSpeculativeWork(a: number, b: number, n: number, start: number, end: number): void {
    const spec = this.spec as SpeculativeDecoder;
    const k = b - a;
    const t = spec.lookahead - 1;
    const p = this.runPrefillTokens;
    const kv0 = this.kv.used - this.kv.evictable;
    let d = this.decodeKv;
    for (let j = 0; j < a; j++) d += spec.peek(this.step + j + 1);
    let decodeKvSum = 0;
    let kvS = 0;
    let prev = start;
    for (let j = a; j < b; j++) {
      decodeKvSum += d;
      const iterationEnd = j === b - 1 ? end : this.runEnds[j];
      kvS += (kv0 + d - this.decodeKv) * (iterationEnd - prev);
      prev = iterationEnd;
      d += spec.peek(this.step + j + 1);
    }
    const work = this.host.work;
    const attention = this.runPrefillAttention + t * decodeKvSum + (k * n * t * t) / 2;
    let flops = work.flops(k, p + n * (t + 1), n + (p > 0 ? 1 : 0), attention, decodeKvSum);
    let bytes = work.bytes(k, p + n * (t + 1), decodeKvSum);
    const draft = this.host.draftWork;
    if (draft !== null) {
      const draftKv = t * decodeKvSum + (k * n * t * (t - 1)) / 2;
      flops += draft.flops(k * t, n, n, 0, draftKv);
      bytes += draft.bytes(k * t, n, draftKv);
    }
    this.host.ran(start, end, flops, bytes, this.runningCount * (end - start), kvS);
  }

  /** Puts a request that just started decoding on the completion heap, at the step it finishes. */
  private scheduleCompletion(r: Request): void {
    if (this.spec !== null) this.completions.push(r, this.step + this.spec.plan(r, this.step));
    else this.completions.push(r, this.step + r.outputTokens - r.generated);
  }

  /**
   * A prefill replica's request leaves for the decode pool: its KV memory here is freed at once
   * (the KV is taken to be staged in the transfer's buffers; KvLink.ts holds the link model).
   */
  private handOff(r: Request): void {
    this.kv.release(r);
    r.onReplica = false;
    this.runningCount--;
    r.phase = Phase.transferring;
    this.host.handOff!(r, this);
  }

  /** `finishedAt` is when the last token reaches the client (now + the output lag). */
  private complete(r: Request, finishedAt: number): void {
    this.sync(r);
    r.finishedAt = finishedAt;
    this.release(r, true);
    r.phase = Phase.done;
    this.host.completed(r, this);
  }

  /**
   * Frees a request's KV memory (`completed`: a finished session turn's context may stay resident,
   * KvMemory.finish), takes it out of the decode sums and off the replica.
   */
  private release(r: Request, completed = false): void {
    if (r.phase === Phase.decode) {
      this.decodeSeqs--;
      this.decodeKv -= r.kvTokens;
      r.decodeEpoch++;
      // A decoding request has a completion entry until it completes (popped before complete):
      // released otherwise (preempted), that entry is now stale.
      if (!completed) this.completions.invalidate();
      this.spec?.cancel(r, this.step);
    }
    if (completed) this.kv.finish(r);
    else this.kv.release(r);
    r.onReplica = false;
    this.runningCount--;
  }

  /** Forms the next batch and schedules the end of its run, or goes idle. */
  private startRun(headBefore: Request | undefined): void {
    const host = this.host;
    const sim = host.sim;
    const serving = host.serving;
    const kv = this.kv;
    const capacity = kv.capacity;

    // Decode growth needs one KV slot per decoding sequence (k + 1 with speculative decoding):
    // preempt the newest until it fits.
    const lookahead = this.spec !== null ? this.spec.lookahead : 1;
    if (this.decodeSeqs > 0) kv.evictFor(this.decodeSeqs * lookahead, capacity);
    while (this.decodeSeqs > 0 && kv.used + this.decodeSeqs * lookahead > capacity) this.preemptNewest();

    // prefill_first: prompts get the whole token budget and, when any is prefilled, decodes sit out.
    const prefillFirst = serving.scheduler === 'prefill_first';
    let budget = serving.maxBatchTokens - (prefillFirst ? 0 : this.decodeSeqs * lookahead);
    let prefillTokens = 0;
    let prefillAttention = 0;
    let prefillOwnPairs = 0;
    // An indexed loop: `for...of` here allocated an iterator and its results at every boundary.
    const prefilling = this.prefilling;
    for (let i = 0; i < prefilling.length; i++) {
      if (budget <= 0) break;
      const r = prefilling[i];
      const chunk = Math.min(r.prefillTarget - r.prefilled, budget, r.batch ? this.batchChunk : Infinity);
      this.chunkSize[this.chunks++] = chunk; // for prefilling[chunks]
      prefillTokens += chunk;
      prefillAttention += chunk * (r.prefilled + chunk / 2);
      prefillOwnPairs += (chunk * chunk) / 2;
      budget -= chunk;
    }

    const limit = kv.admitLimit;
    // A draining replica admits nothing new, but its own queue then holds only the requests it
    // preempted (drain gave the pool the others): it serves them, as it finishes what it started.
    while ((this.accepting || this.ownsQueue) && budget > 0 && this.runningCount < serving.maxBatchSize) {
      const head = this.queue.peek();
      if (head === undefined) break;
      if (this.tooLarge(head)) {
        this.queue.shift();
        head.phase = Phase.dropped;
        host.dropped(head, this);
        continue;
      }
      // Memory first, then the queue-time limit: a request waits (and is dropped) only where it
      // could otherwise be admitted, so a steady decode run never hides a drop. The plan is made
      // once: making room pins the request's own resident prefix, so eviction leaves it valid.
      const plan = kv.plan(head);
      const computed = this.arrivedComputed(head);
      const fits = kv.makeRoom(head, plan, limit) && (!computed || this.decodeRoom(plan.need));
      if (!fits && this.runningCount > 0) {
        host.saturated(this.runningCount);
        break;
      }
      const firstAdmission = Number.isNaN(head.startedAt);
      this.queue.shift();
      if ((firstAdmission && sim.now - head.queuedAt > head.maxQueueS) || !fits /* alone on an empty replica and still too large */) {
        head.phase = Phase.dropped;
        host.dropped(head, this);
        continue;
      }
      if (firstAdmission) {
        head.startedAt = sim.now;
        host.admitted(head);
      }
      kv.admit(head, plan);
      head.onReplica = true;
      this.running.push(head);
      this.runningCount++;
      if (computed) {
        // Its KV arrived computed (disaggregated serving): no prefill work, it decodes from this
        // iteration on, taking one token of the budget (k + 1 with speculative decoding).
        head.phase = Phase.decode;
        head.decodeStartedAt = sim.now;
        head.syncedStep = this.step;
        this.decodeSeqs++;
        this.decodeKv += head.kvTokens;
        this.scheduleCompletion(head);
        budget -= this.spec !== null ? this.spec.lookahead : 1;
        continue;
      }
      head.phase = Phase.prefill;
      this.prefilling.push(head);
      const chunk = Math.min(head.prefillTarget - head.prefilled, budget, head.batch ? this.batchChunk : Infinity);
      this.chunkSize[this.chunks++] = chunk; // for prefilling[chunks], just pushed
      prefillTokens += chunk;
      prefillAttention += chunk * (head.prefilled + chunk / 2);
      prefillOwnPairs += (chunk * chunk) / 2;
      budget -= chunk;
    }

    if (this.runningCount >= serving.maxBatchSize && this.queue.length > 0) host.saturated(this.runningCount);
    // A shared queue still holds requests after this batch formation: whether its head changed
    // (taken, dropped, or a preempted request put back) or this replica could not take it, the
    // replica that can take it first must look (in the reference path all look at every boundary).
    if (!this.ownsQueue && this.queue.length > 0) host.queueChanged(this, this.queue.peek() !== headBefore);
    if (host.checkInvariants) this.checkKv();
    if (this.runningCount === 0) {
      this.iterations = 0;
      if (!this.accepting) host.drained(this);
      return; // idle until woken
    }

    const model = host.stepModel;
    this.runDecodes = !(prefillFirst && prefillTokens > 0);
    const n = this.runDecodes ? this.decodeSeqs : 0;
    this.runStart = sim.now;
    this.runSteady = prefillTokens === 0;
    this.runPrefillTokens = prefillTokens;
    this.runPrefillAttention = prefillAttention;
    let k = 1;
    let t = sim.now;
    if (this.spec !== null) {
      // Speculative: the run ends at the first completion, or before the iteration whose k + 1
      // lookahead slots per sequence would not fit (where the reference path preempts).
      const spec = this.spec;
      const remaining = this.runSteady && host.fastForward ? this.completions.peekKey() - this.step : 1;
      let runKv = this.decodeKv;
      let used = kv.used;
      k = 0;
      do {
        t += spec.iterationS(prefillTokens, prefillAttention, n, runKv, prefillOwnPairs);
        if (k >= this.runEnds.length) this.runEnds = growEnds(this.runEnds);
        this.runEnds[k++] = t;
        const grown = n > 0 ? spec.peek(this.step + k) : 0;
        runKv += grown;
        used += grown;
      } while (k < remaining && used + n * lookahead <= capacity);
    } else {
      if (this.runSteady && host.fastForward) {
        const remaining = this.completions.peekKey() - this.step;
        k = Math.max(1, Math.min(remaining, Math.floor((capacity - kv.used) / n)));
      }
      if (k === 1) t += model.iterationS(prefillTokens, prefillAttention, n, n > 0 ? this.decodeKv : 0, prefillOwnPairs);
      else {
        if (this.runEnds.length < k) this.runEnds = new Float64Array(Math.max(k, 2 * this.runEnds.length));
        const ends = this.runEnds;
        const decodeKv0 = this.decodeKv;
        // KV held while iteration j runs (reportWork): the batch's, growing a token per sequence.
        this.runHeld = kv.used - kv.evictable;
        this.runSeqs = n;
        if (model.decodeStep !== undefined) {
          // The same step times as iterationS, from the batch's constants (StepModel.decodeStep).
          const step = this.decodeStepParts;
          model.decodeStep(n, step);
          const perSeqs = step[0];
          const perKvToken = step[1];
          const base = step[2];
          // Iteration j reads decodeKv0 + n j KV tokens, kept as a running sum (exact: integers).
          let kvTokens = decodeKv0;
          for (let j = 0; j < k; j++) {
            t += perSeqs + perKvToken * kvTokens + base;
            ends[j] = t;
            kvTokens += n;
          }
        } else {
          for (let j = 0; j < k; j++) {
            t += model.iterationS(0, 0, n, decodeKv0 + n * j);
            ends[j] = t;
          }
        }
      }
    }
    this.iterations = k;
    this.event = this.schedule(t);
  }

  /** Throws when KV memory breaks its invariants (see KvMemory), after a batch formation. */
  private checkKv(): void {
    const own: number[] = [];
    for (const r of this.running) {
      if (!r.onReplica) continue;
      const kvTokens = r.phase === Phase.decode ? r.kvTokens + this.unsynced(r) : r.kvTokens;
      own.push(kvTokens - r.sharedKv);
    }
    if (own.length !== this.runningCount) throw new Error(`KV invariant: ${own.length} running requests, counted ${this.runningCount}`);
    const broken = this.kv.check(own);
    if (broken !== null) throw new Error(`KV invariant broken on replica ${this.index} at t=${this.host.sim.now}: ${broken}`);
  }

  /**
   * Stops taking new requests; running ones finish. Returns the requests still waiting in its own
   * queue, for the pool to route elsewhere. `host.drained` is called once nothing runs.
   *
   * A request it preempts while draining goes back to its own queue and is served here (startRun),
   * as an engine draining for a scale-in or a spot notice finishes every request it started (vLLM
   * puts a preempted request back in the engine's own waiting queue; its client's stream is bound
   * to that engine). With a shared queue it goes back to the pool's queue, for the others.
   */
  drain(): Request[] {
    this.accepting = false;
    this.looks?.changed(this);
    const waiting = this.ownsQueue ? this.queue.takeAll() : [];
    if (this.event === null) this.host.drained(this);
    return waiting;
  }

  /**
   * The replica is lost (failure, spot interruption): the run in flight is abandoned and every
   * request it held — running or waiting in its own queue — is returned to be served elsewhere.
   * Running requests lose their KV cache and will recompute prompt + generated tokens.
   */
  evacuate(): Request[] {
    const host = this.host;
    const now = host.sim.now;
    this.accepting = false;
    if (this.event !== null) {
      host.sim.cancel(this.event);
      this.event = null;
      if (this.iterations > 0) {
        // The iterations of a steady run that ended before now have emitted their tokens (on the
        // reference path each was its own boundary event, before this one: boundaries at the same
        // time come after it, PRIORITY): apply them; only the iteration in flight is lost.
        const done = this.iterationsEndedBefore(now);
        if (done > 0) {
          this.iterations = done;
          this.finishRun(this.runEnds[done - 1]);
          this.runStart = this.runEnds[done - 1];
        }
        host.busy(this.index, this.runStart, now);
      }
    }
    this.iterations = 0;
    this.chunks = 0;
    const out: Request[] = [];
    for (const r of this.running) {
      if (!r.onReplica) continue;
      this.sync(r);
      if (r.phase === Phase.decode) r.decodeEpoch++;
      r.onReplica = false;
      r.kvTokens = 0;
      r.sharedKv = 0;
      r.phase = Phase.queued;
      r.prefilled = 0;
      r.prefillTarget = r.promptTokens + r.generated;
      r.speculative = null;
      r.requeues++;
      out.push(r);
    }
    this.running = [];
    this.prefilling = [];
    this.runningCount = 0;
    this.completions.clear();
    this.spec?.reset();
    this.kv.clear();
    this.decodeKv = 0;
    this.decodeSeqs = 0;
    if (this.ownsQueue) out.push(...this.queue.takeAll());
    this.looks?.changed(this);
    return out;
  }

  /**
   * How many iterations of the run in flight ended strictly before `now`: none unless it is a
   * steady run of several (its last one ends at the run's event, which has not fired).
   */
  private iterationsEndedBefore(now: number): number {
    if (!this.runSteady) return 0;
    let done = 0;
    while (done < this.iterations - 1 && this.runEnds[done] < now) done++;
    return done;
  }

  /** Serving again after a repair (empty: its requests went elsewhere when it failed). */
  resume(): void {
    this.accepting = true;
    this.wake();
    this.looks?.changed(this);
  }

  private preemptNewest(): void {
    let r = this.running.pop() as Request;
    while (!r.onReplica) r = this.running.pop() as Request;
    this.sync(r);
    const wasPrefilling = r.phase !== Phase.decode;
    this.kv.retain(r);
    this.release(r);
    if (wasPrefilling) this.prefilling = this.prefilling.filter((p) => p !== r);
    r.phase = Phase.queued;
    r.prefilled = 0;
    r.prefillTarget = r.promptTokens + r.generated;
    r.preemptions++;
    this.host.preempted(r);
    this.queue.unshift(r);
  }
}

/** The run-ends buffer of a replica that has not run several iterations yet: empty, so never written. */
const NO_ENDS = new Float64Array(0);

/** A run-ends buffer twice as long (at least 64), keeping its entries. */
function growEnds(ends: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const next = new Float64Array(Math.max(64, 2 * ends.length));
  next.set(ends);
  return next;
}
