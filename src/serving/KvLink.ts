import { Samples } from '../metrics/Samples.js';

/**
 * The links that carry KV caches from a disaggregated pool's prefill replicas to its decode pool.
 *
 * Link model: each prefill replica has one link of `bandwidth` bytes per second (its NIC), and
 * the transfers leaving that replica use it one at a time, first come first served. A transfer
 * starts when its prefill ends or when the one before it on the link has finished sending,
 * whichever is later; it sends for size / bandwidth, and arrives `latency` after it has finished
 * sending (the latency is per transfer and does not hold the link: a connection's setup and the
 * decode side picking it up). So at low load a transfer takes exactly
 *
 *   latency + size / bandwidth,   size = prompt tokens x KV bytes per token
 *
 * (gpu/memory.ts `kvBytesPerToken`: 2 x layers x KV heads x head dim x bytes per KV element, one
 * copy of each head whatever the two roles' tensor-parallel degrees). The receiving side is not a
 * link: any number of transfers may arrive at the decode pool at once.
 *
 * The prefill replica frees the request's KV when its prefill ends (the KV is taken to be staged
 * in the transfer's buffers), and a transfer under way completes even if its prefill replica is
 * lost meanwhile.
 */
export class KvLink {
  /** Per prefill replica (slot index): when its link has finished sending what it was given. */
  private readonly freeAt: number[] = [];
  /** Transfers sent, and their bytes. */
  transfers = 0;
  bytes = 0;
  /** Per transfer: time waiting for the link, and from prefill end to arrival, milliseconds. */
  readonly waitMs = new Samples();
  readonly totalMs = new Samples();

  constructor(
    readonly bandwidthBytesPerS: number,
    readonly latencyS: number,
    /** KV bytes per token of the pool's model. */
    readonly bytesPerToken: number,
  ) {}

  /** Sends `tokens` tokens of KV from prefill replica `replica` at `now`; returns the arrival time. */
  send(replica: number, tokens: number, now: number): number {
    const bytes = tokens * this.bytesPerToken;
    const start = Math.max(now, this.freeAt[replica] ?? 0);
    const sent = start + bytes / this.bandwidthBytesPerS;
    this.freeAt[replica] = sent;
    const arrival = sent + this.latencyS;
    this.transfers++;
    this.bytes += bytes;
    this.waitMs.push((start - now) * 1000);
    this.totalMs.push((arrival - now) * 1000);
    return arrival;
  }
}
