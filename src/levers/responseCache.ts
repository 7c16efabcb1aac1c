import type { ResponseCacheSpec } from '../workload/scenario.js';
import type { Uniform } from '../random/streams.js';
import { zipfSampler } from './zipf.js';

/**
 * The exact-answer response cache in front of the fleet (`cache.response`). One lookup per
 * arrival, in arrival order, drawing only from its own stream (`cache`), so switching the cache
 * on never shifts arrivals, token counts or routing.
 *
 * - Fixed model (`hit_rate`): each lookup hits with that probability, independently.
 * - Popularity model (`distinct`, `zipf`, `capacity`, `ttl`): each request asks one of
 *   `distinct` prompts, drawn by Zipf's law with exponent `zipf` (rank 1 the most popular),
 *   independently of the past (the independent reference model). The cache holds at most
 *   `capacity` answers (unbounded when absent), evicting the least recently used; an answer older
 *   than `ttl` (counted from when it was stored; a hit does not refresh it) is stale, so the
 *   lookup misses and the answer is stored again. A miss stores its answer at the lookup (not when
 *   the backend finishes it): a repeat that arrives while the first is still being generated hits.
 *
 * O(1) per lookup for the fixed model; O(log distinct) for the popularity model (the Zipf draw),
 * the LRU being a Map in recency order.
 */
export class ResponseCache {
  private readonly draw: Uniform;
  private readonly hitRate: number | null;
  private readonly prompt: (() => number) | null;
  private readonly capacity: number;
  private readonly ttlS: number;
  /** prompt id -> time its answer was stored; iteration order is least recently used first. */
  private readonly entries = new Map<number, number>();

  constructor(spec: ResponseCacheSpec, u: Uniform) {
    this.draw = u;
    this.hitRate = spec.hitRate;
    this.prompt = spec.hitRate === null ? zipfSampler(u, spec.distinct ?? 1, spec.zipf ?? 1) : null;
    this.capacity = spec.capacity ?? Infinity;
    this.ttlS = spec.ttlS ?? Infinity;
  }

  /** Answers entries currently held (popularity model). */
  get size(): number {
    return this.entries.size;
  }

  /** Looks up the request arriving at `nowS`: true when the cache answers it. */
  lookup(nowS: number): boolean {
    if (this.hitRate !== null) return this.draw() < this.hitRate;
    const id = (this.prompt as () => number)();
    const storedAt = this.entries.get(id);
    if (storedAt !== undefined) {
      this.entries.delete(id);
      if (nowS - storedAt <= this.ttlS) {
        this.entries.set(id, storedAt); // most recently used
        return true;
      }
    } else if (this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value as number);
    }
    this.entries.set(id, nowS);
    return false;
  }
}
