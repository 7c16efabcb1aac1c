import type { Request } from './request.js';

/**
 * Tokens per KV block in Mooncake-style `hash_ids` (Mooncake's traces use 512-token blocks): the
 * default of `traffic.trace.block_tokens`.
 */
export const HASH_BLOCK_TOKENS = 512;

/**
 * Shared prompt prefixes resident in one replica's KV memory (`cache.prefix`).
 *
 * Three kinds of prefix: a class's `shared_prefix_tokens` (one entry per class, e.g. a system
 * prompt); a session's context (one entry per conversation, keyed by the session, holding its
 * earlier turns' prompts and outputs: the whole KV of its last finished turn, KvMemory.finish);
 * and, for requests replayed from a trace with `hash_ids`, the prompt's KV blocks (one entry per
 * block id). A request reuses the leading run of its prefix that is resident: that part
 * of its prefill is skipped (at least one prompt token is always computed, as in vLLM). At
 * admission the rest of its prefix becomes resident too — computed by its own prefill and then
 * kept — so a prefix is resident from its first request's admission (an approximation: a request
 * admitted in the same iteration as the first may reuse it a little early).
 *
 * Entries are referenced by the running requests that use them and evicted least-recently-used
 * first, only when unreferenced and memory is needed. Each entry's tokens count once in KV memory.
 */
export class PrefixCache {
  /** key -> entry; the recency order is the list below, not the Map's insertion order. */
  private readonly entries = new Map<number, Entry>();
  /**
   * The entries, least recently used first, as an intrusive doubly linked list: making an entry
   * most recently used is an unlink and an append (O(1)), where moving it to the back of a Map
   * (delete + set) left tombstones that made the Map grow and rehash on every admission.
   */
  private head: Entry | null = null;
  private tail: Entry | null = null;
  /** Tokens held by entries no running request references. */
  evictable = 0;
  /**
   * The key looked up last and its entry (undefined: absent), kept in step with `entries`: a
   * request's admission looks its class's prefix up several times (plan at the wake and at the
   * batch formation, pinnable, acquire, and release at its end), almost always the same key.
   */
  private lastKey = NaN;
  private lastEntry: Entry | undefined = undefined;
  /** Entries made or removed so far: what `version` reads. */
  private changes = 0;

  /** @param blockTokens tokens per trace KV block: what one `hash_ids` entry covers */
  constructor(private readonly blockTokens: number = HASH_BLOCK_TOKENS) {}

  /**
   * Counts the changes to the set of entries (one made or removed): `plan` depends on nothing else
   * of the cache (an entry's tokens never change), so KvMemory reuses a plan while it is unchanged.
   * Read-only: only the cache's own add and remove move it.
   */
  get version(): number {
    return this.changes;
  }

  /**
   * What admitting the request would mean: `hitTokens` of its prefill skipped (the leading
   * resident run, at most prefillTarget - 1) and `hitBlocks` of trace blocks found; `sharedTokens`
   * of its context held by the cache once admitted, of which `createdTokens` are new entries.
   */
  plan(r: Request): { hitTokens: number; hitBlocks: number; sharedTokens: number; createdTokens: number } {
    let hit = 0;
    let blocks = 0;
    let shared = 0;
    let created = 0;
    let leading = true;
    const ids = r.hashIds;
    if (ids !== null) {
      for (let i = 0; i < ids.length; i++) {
        const tokens = Math.min(this.blockTokens, r.promptTokens - i * this.blockTokens);
        if (tokens <= 0) break;
        const e = this.find(ids[i]);
        // An entry made by another request may be a longer last block: this request holds (and
        // reuses) only its own tokens of it.
        const held = e === undefined ? tokens : Math.min(e.tokens, tokens);
        shared += held;
        if (e === undefined) {
          created += tokens;
          leading = false;
        } else if (leading) {
          hit += held;
          blocks++;
        }
      }
    } else if (r.prefixTokens > 0) {
      const e = this.find(classKey(r));
      shared = Math.min(e?.tokens ?? r.prefixTokens, r.prefixTokens);
      if (e === undefined) created = shared;
      else hit = shared;
    }
    return { hitTokens: Math.min(hit, r.prefillTarget - 1), hitBlocks: blocks, sharedTokens: shared, createdTokens: created };
  }

  /**
   * Prompt tokens admitting the request now would skip: the leading resident run of its prefix, at
   * most prefillTarget - 1 (as `plan().hitTokens`). A lookup only: the LRU order and references are
   * untouched, and it stops at the first absent block (what a router asks of every replica).
   */
  resident(r: Request): number {
    let hit = 0;
    const ids = r.hashIds;
    if (ids !== null) {
      for (let i = 0; i < ids.length; i++) {
        const tokens = Math.min(this.blockTokens, r.promptTokens - i * this.blockTokens);
        if (tokens <= 0) break;
        const e = this.find(ids[i]);
        if (e === undefined) break;
        hit += Math.min(e.tokens, tokens);
      }
    } else if (r.prefixTokens > 0) {
      const e = this.find(classKey(r));
      if (e !== undefined) hit = Math.min(e.tokens, r.prefixTokens);
    }
    return Math.min(hit, r.prefillTarget - 1);
  }

  /** References every entry of the request's prefix, creating the absent ones (most recently used). */
  admit(r: Request): void {
    const ids = r.hashIds;
    if (ids !== null) {
      for (let i = 0; i < ids.length; i++) {
        const tokens = Math.min(this.blockTokens, r.promptTokens - i * this.blockTokens);
        if (tokens <= 0) break;
        this.acquire(ids[i], tokens);
      }
    } else if (r.prefixTokens > 0) {
      this.acquire(classKey(r), r.prefixTokens);
    }
  }

  /** Drops the request's references. */
  release(r: Request): void {
    const ids = r.hashIds;
    if (ids !== null) {
      for (let i = 0; i < ids.length && i * this.blockTokens < r.promptTokens; i++) this.unref(ids[i]);
    } else if (r.prefixTokens > 0) this.unref(classKey(r));
  }

  /**
   * References the request's resident entries without making them more recently used, so that
   * eviction cannot take them (admission pins before it evicts). Undone by `unpin`.
   */
  pin(r: Request): void {
    this.forResident(r, (e) => {
      if (e.refs === 0) this.evictable -= e.tokens;
      e.refs++;
    });
  }

  unpin(r: Request): void {
    this.forResident(r, (e) => {
      e.refs--;
      if (e.refs === 0) this.evictable += e.tokens;
    });
  }

  /** Tokens of the request's resident entries that are now evictable (what pinning would protect). */
  pinnable(r: Request): number {
    if (r.hashIds === null) {
      // One entry at most (its class's or session's prefix), pinned only if no one references it:
      // what pin and unpin below would find, without their walk (asked at every wake of a replica).
      if (r.prefixTokens <= 0) return 0;
      const e = this.find(classKey(r));
      return e !== undefined && e.refs === 0 ? e.tokens : 0;
    }
    const before = this.evictable;
    this.pin(r);
    const after = this.evictable;
    this.unpin(r);
    return before - after;
  }

  /** Tokens of all resident entries, and of those no running request references. O(entries). */
  residentTokens(): { total: number; unreferenced: number } {
    let total = 0;
    let unreferenced = 0;
    for (let e = this.head; e !== null; e = e.next) {
      total += e.tokens;
      if (e.refs === 0) unreferenced += e.tokens;
    }
    return { total, unreferenced };
  }

  private forResident(r: Request, f: (e: Entry) => void): void {
    const ids = r.hashIds;
    if (ids !== null) {
      for (let i = 0; i < ids.length && i * this.blockTokens < r.promptTokens; i++) {
        const e = this.find(ids[i]);
        if (e !== undefined) f(e);
      }
    } else if (r.prefixTokens > 0) {
      const e = this.find(classKey(r));
      if (e !== undefined) f(e);
    }
  }

  /** Drops the least recently used unreferenced entry; returns the tokens it freed. */
  evictOne(): number {
    for (let e = this.head; e !== null; e = e.next) {
      if (e.refs === 0) {
        this.remove(e);
        this.evictable -= e.tokens;
        return e.tokens;
      }
    }
    return 0;
  }

  /**
   * Removes the entry under `key` if no running request references it; returns the tokens freed
   * (0 when absent or referenced).
   */
  drop(key: number): number {
    const e = this.find(key);
    if (e === undefined || e.refs > 0) return 0;
    this.remove(e);
    this.evictable -= e.tokens;
    return e.tokens;
  }

  /** Makes `tokens` resident under `key` (absent before), unreferenced and most recently used. */
  put(key: number, tokens: number): void {
    const e = new Entry(key, tokens);
    this.add(e);
    this.append(e);
    this.evictable += tokens;
  }

  /** References the entry under `key` (created with `tokens` when absent) and makes it most recently used. */
  private acquire(key: number, tokens: number): void {
    let e = this.find(key);
    if (e === undefined) {
      e = new Entry(key, tokens);
      this.add(e);
    } else {
      if (e.refs === 0) this.evictable -= e.tokens;
      if (e === this.tail) {
        e.refs++;
        return;
      }
      this.unlink(e);
    }
    e.refs++;
    this.append(e);
  }

  /** The entry under `key`, or undefined. */
  private find(key: number): Entry | undefined {
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastEntry = this.entries.get(key);
    }
    return this.lastEntry;
  }

  /** Makes a new entry findable (not yet in the recency list). */
  private add(e: Entry): void {
    this.changes++;
    this.entries.set(e.key, e);
    if (e.key === this.lastKey) this.lastEntry = e;
  }

  /** Removes an entry from the map and the recency list. */
  private remove(e: Entry): void {
    this.changes++;
    this.entries.delete(e.key);
    if (e.key === this.lastKey) this.lastEntry = undefined;
    this.unlink(e);
  }

  /** Puts an unlinked entry at the most recently used end. */
  private append(e: Entry): void {
    e.prev = this.tail;
    e.next = null;
    if (this.tail === null) this.head = e;
    else this.tail.next = e;
    this.tail = e;
  }

  private unlink(e: Entry): void {
    if (e.prev === null) this.head = e.next;
    else e.prev.next = e.next;
    if (e.next === null) this.tail = e.prev;
    else e.next.prev = e.prev;
    e.prev = null;
    e.next = null;
  }

  private unref(key: number): void {
    const e = this.find(key);
    if (e === undefined) return;
    e.refs--;
    if (e.refs === 0) this.evictable += e.tokens;
  }
}

/** One resident prefix: its tokens, the running requests referencing it, and its place in the LRU list. */
class Entry {
  refs = 0;
  prev: Entry | null = null;
  next: Entry | null = null;
  constructor(
    readonly key: number,
    readonly tokens: number,
  ) {}
}

/** Class prefixes and session contexts use negative keys (`Request.prefixKey`); trace block ids are non-negative. */
function classKey(r: Request): number {
  return r.prefixKey;
}
