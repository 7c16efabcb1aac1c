import type { Request } from './request.js';
import { HASH_BLOCK_TOKENS, PrefixCache } from './PrefixCache.js';
import { KV_BLOCK_TOKENS } from '../gpu/memory.js';

/**
 * Admission keeps this fraction of KV blocks free for decode growth (vLLM's watermark, whose
 * default is 0.01): the default of `serving.kv_watermark`.
 */
export const KV_WATERMARK = 0.01;

/** What admitting a request means for KV memory (see `KvMemory.plan`). */
export interface KvPlan {
  /** Tokens admission adds to `used`: its own context plus the prefix entries it creates. */
  readonly need: number;
  /** Prompt tokens found resident (its prefill skips them; at most prefillTarget - 1). */
  readonly hitTokens: number;
  /** Trace KV blocks (`hash_ids`) found resident, leading run. */
  readonly hitBlocks: number;
  /** Tokens of its context held by prefix entries once admitted. */
  readonly sharedTokens: number;
  /** Whether the request uses the prefix cache at all. */
  readonly cached: boolean;
}

/**
 * The one owner of a replica's KV memory (as vLLM's KV cache manager): every token allocated,
 * freed or evicted goes through here, and the prefix cache's entries live inside it.
 *
 * Invariants (checked by `check`, asserted after every batch formation when
 * `SimulateOptions.checkInvariants` or CAPSIM_CHECK_INVARIANTS=1 is set):
 * - used = sum over running requests of their own KV (context - shared prefix tokens)
 *          + the tokens of every resident prefix entry;
 * - 0 <= used <= capacity;
 * - evictable = tokens of the resident entries no running request references.
 *
 * Admission pins the request's own resident prefix before evicting anything (vLLM touches the
 * computed blocks before allocating new ones), so the eviction it triggers never takes the prefix
 * it is about to reuse, and its need, computed once, stays right.
 */
export class KvMemory {
  /** KV tokens in use: running requests' own tokens plus resident prefix entries. */
  used = 0;
  /**
   * Tokens ever taken from free memory (admissions and decode growth, not the cached KV a
   * re-admitted request finds): the position of the free queue's front, counted from the start.
   */
  allocated = 0;
  /** Preempted requests whose KV may still be cached here (see `retain`), oldest first. */
  private retained: Request[] = [];
  private prefixes: PrefixCache;
  /**
   * The plan made last, for `planned` with `planTarget` context tokens while the prefix cache was
   * at `planVersion`: a plan depends on nothing else (the request's prompt, prefix and hash ids
   * are fixed before it is first queued), so it is returned again while all three are unchanged
   * (a replica's wake plans the head of its queue, and the batch formation that admits it next).
   */
  private lastPlan: KvPlan | null = null;
  private planned: Request | null = null;
  private planTarget = 0;
  private planVersion = 0;

  constructor(
    /** KV capacity of the replica, tokens. */
    readonly capacity: number,
    /** Keep shared prefixes resident (`cache.prefix`). */
    private readonly prefixCache: boolean,
    /** Fraction of capacity admission leaves free (`serving.kv_watermark`). */
    private readonly watermark: number = KV_WATERMARK,
    /** Tokens per trace KV block (`traffic.trace.block_tokens`). */
    private readonly blockTokens: number = HASH_BLOCK_TOKENS,
  ) {
    this.prefixes = new PrefixCache(blockTokens);
    this.admitLimit = capacity * (1 - watermark);
  }

  /**
   * Admission stops at this many tokens (the watermark keeps room for decode growth). A field set
   * once: a getter computing it was a call returning a new heap number at every batch formation.
   */
  readonly admitLimit: number;

  /** Tokens of resident prefix entries that no running request references. */
  get evictable(): number {
    return this.prefixes.evictable;
  }

  /** Whether a request's prompt has a prefix the prefix cache can hold. */
  private cacheable(r: Request): boolean {
    return this.prefixCache && r.prefillTarget > 1 && (r.prefixTokens > 0 || r.hashIds !== null);
  }

  /**
   * What admitting the request now would take and reuse. Changes nothing. The same plan as the last
   * one when it was for this request with the same context and no prefix entry was made or removed
   * since (see `lastPlan`).
   */
  plan(r: Request): KvPlan {
    const version = this.prefixes.version;
    if (r === this.planned && r.prefillTarget === this.planTarget && version === this.planVersion) return this.lastPlan as KvPlan;
    const plan = this.makePlan(r);
    this.lastPlan = plan;
    this.planned = r;
    this.planTarget = r.prefillTarget;
    this.planVersion = version;
    return plan;
  }

  private makePlan(r: Request): KvPlan {
    if (!this.cacheable(r)) return { need: r.prefillTarget, hitTokens: 0, hitBlocks: 0, sharedTokens: 0, cached: false };
    const p = this.prefixes.plan(r);
    return {
      need: r.prefillTarget - p.sharedTokens + p.createdTokens,
      hitTokens: p.hitTokens,
      hitBlocks: p.hitBlocks,
      sharedTokens: p.sharedTokens,
      cached: true,
    };
  }

  /** Prompt tokens of the request resident in the prefix cache now (its reuse if admitted now). Changes nothing. */
  residentPrefix(r: Request): number {
    return this.cacheable(r) ? this.prefixes.resident(r) : 0;
  }

  /**
   * Whether the request could be admitted under `limit` once every evictable entry other than its
   * own prefix were evicted.
   */
  couldFit(r: Request, plan: KvPlan, limit: number): boolean {
    // Fits without evicting: then also with (limit + evictable - own >= limit, own <= evictable,
    // in floating point too: the integer used + need + evictable <= limit + evictable rounds
    // to at most fl(limit + evictable)), and pinnable's pin and unpin are skipped.
    if (this.used + plan.need <= limit) return true;
    const own = plan.cached ? this.prefixes.pinnable(r) : 0;
    return this.used + plan.need <= limit + this.prefixes.evictable - own;
  }

  /**
   * Makes room for the request under `limit`: pins its resident prefix, evicts unreferenced
   * entries least recently used first until it fits, unpins. Its plan is unchanged by this.
   * When it cannot fit even with every other entry evicted, nothing is evicted (as vLLM checks
   * the free blocks, cached ones included, before it allocates): a failed attempt changes nothing.
   * Returns whether it now fits.
   */
  makeRoom(r: Request, plan: KvPlan, limit: number): boolean {
    if (this.used + plan.need <= limit) return true;
    if (!this.couldFit(r, plan, limit)) return false;
    if (plan.cached) this.prefixes.pin(r);
    this.evictFor(plan.need, limit);
    if (plan.cached) this.prefixes.unpin(r);
    return this.used + plan.need <= limit;
  }

  /** Takes the request's KV per its plan (made just before, with no change to memory since). */
  admit(r: Request, plan: KvPlan): void {
    r.kvTokens = r.prefillTarget;
    this.used += plan.need;
    const own = this.reclaim(r);
    this.allocated += plan.need - own;
    if (own > r.prefilled) r.prefilled = own;
    if (!plan.cached) return;
    this.prefixes.admit(r);
    r.sharedKv = plan.sharedTokens;
    r.prefilled = plan.hitTokens;
    r.prefixHitTokens += plan.hitTokens;
    r.prefixHitBlocks += plan.hitBlocks;
  }

  /** Decode growth: `tokens` more tokens of the running sequences' own context. */
  grow(tokens: number): void {
    this.used += tokens;
    this.allocated += tokens;
  }

  /**
   * A running request is preempted (call before `release`): with prefix caching its KV blocks
   * stay cached in the free queue, as vLLM's V1 KV cache manager keeps them (`free` appends a
   * request's blocks to the free queue tail first, behind the blocks already free, and new blocks
   * are taken from the front; vllm/v1/core/kv_cache_manager.py). Its blocks are reused only once
   * the allocations after now exceed the free memory now; `reclaim` finds what is left.
   */
  retain(r: Request): void {
    if (!this.prefixCache) return;
    this.retained = this.retained.filter((q) => q.retainedIn === this && this.allocated - q.retainedAt < q.prefillTarget);
    r.retainedIn = this;
    r.retainedAt = this.allocated + (this.capacity - this.used);
    this.retained.push(r);
  }

  /**
   * Tokens of a preempted request's own context still cached here when it is re-admitted (0 if
   * none): its blocks are reused from the tail, so what is left is a prefix, a whole number of
   * blocks, at most all but the last token (vLLM recomputes at least one: get_computed_blocks).
   * Those tokens are not taken from free memory, so requests preempted after it (behind it in
   * the free queue) move up by as much.
   */
  private reclaim(r: Request): number {
    const here = r.retainedIn === this;
    // Admitted anywhere, its earlier context is recomputed or found now: nothing to find later.
    r.retainedIn = null;
    if (!here) return 0;
    const context = r.prefillTarget;
    const reused = Math.min(context, Math.max(0, this.allocated - r.retainedAt));
    const kept = Math.floor(Math.min(context - reused, context - 1) / KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS;
    if (kept <= 0) return 0;
    for (const q of this.retained) if (q.retainedIn === this && q.retainedAt > r.retainedAt) q.retainedAt -= kept;
    return kept;
  }

  /** Frees a request's own KV and drops its prefix references (the entries stay resident). */
  release(r: Request): void {
    this.used -= r.kvTokens - r.sharedKv;
    if (r.sharedKv > 0) this.prefixes.release(r);
    r.kvTokens = 0;
    r.sharedKv = 0;
  }

  /**
   * Frees a request that completed. A session turn's whole context (prompt and the output computed
   * into KV: all but the last token, which only the next turn's prefill computes) stays resident as
   * its session's entry for the next turn (vLLM keeps a finished request's blocks in its prefix
   * cache), replacing the session's shorter entry; room is made by evicting least recently used
   * unreferenced entries, and when there is none the context is not kept.
   */
  finish(r: Request): void {
    const s = r.session;
    if (!this.prefixCache || s === null) {
      this.release(r);
      return;
    }
    const context = r.kvTokens;
    this.release(r);
    this.used -= this.prefixes.drop(s.key);
    this.evictFor(context, this.capacity);
    if (this.used + context > this.capacity) return;
    this.prefixes.put(s.key, context);
    this.used += context;
  }

  /** Frees unreferenced resident prefixes (least recently used first) until `needed` fits under `limit`. */
  evictFor(needed: number, limit: number): void {
    while (this.used + needed > limit && this.prefixes.evictable > 0) this.used -= this.prefixes.evictOne();
  }

  /** Everything lost at once (the replica failed): empty memory, empty prefix cache. */
  clear(): void {
    for (const q of this.retained) if (q.retainedIn === this) q.retainedIn = null;
    this.retained = [];
    this.used = 0;
    this.prefixes = new PrefixCache(this.blockTokens);
    this.planned = null;
    this.lastPlan = null;
  }

  /**
   * The invariants, given each running request's own KV tokens (context - shared prefix tokens)
   * as of now. Returns a description of the first one broken, or null.
   */
  check(ownTokens: Iterable<number>): string | null {
    let own = 0;
    for (const t of ownTokens) {
      if (t < 0) return `a running request holds ${t} own KV tokens`;
      own += t;
    }
    const resident = this.prefixes.residentTokens();
    if (this.used !== own + resident.total) {
      return `used ${this.used} != running requests' own KV ${own} + resident prefixes ${resident.total}`;
    }
    if (this.prefixes.evictable !== resident.unreferenced) {
      return `evictable ${this.prefixes.evictable} != unreferenced resident prefixes ${resident.unreferenced}`;
    }
    if (this.used < 0 || this.used > this.capacity) return `used ${this.used} outside 0..${this.capacity}`;
    return null;
  }
}
