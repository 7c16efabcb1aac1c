/**
 * Shared prefixes resident in one replica's KV memory (`cache.prefix`), one entry per class
 * (its `shared_prefix_tokens`, e.g. a system prompt).
 *
 * An entry is created when the first request of the class is admitted (its prefix is computed
 * by that request's prefill and then kept), referenced by every running request of the class, and
 * evicted least-recently-used first — only when no running request references it and memory is
 * needed. A later request of the class skips the prefill of the resident prefix (but at least one
 * prompt token is always computed, as in vLLM). The entry's tokens count once in KV memory.
 */
export class PrefixCache {
  /** classIndex -> entry, in least-recently-used-first order (Map keeps insertion order). */
  private readonly entries = new Map<number, { tokens: number; refs: number }>();
  /** Tokens held by entries no running request references. */
  evictable = 0;

  /** Prompt tokens a request of this class would find resident. */
  hitTokens(classIndex: number, prefillTarget: number): number {
    const e = this.entries.get(classIndex);
    return e === undefined ? 0 : Math.min(e.tokens, prefillTarget - 1);
  }

  /** References the class's entry, creating it with `tokens` when absent (and marking it most recently used). */
  acquire(classIndex: number, tokens: number): void {
    let e = this.entries.get(classIndex);
    if (e === undefined) e = { tokens, refs: 0 };
    else {
      this.entries.delete(classIndex);
      if (e.refs === 0) this.evictable -= e.tokens;
    }
    e.refs++;
    this.entries.set(classIndex, e);
  }

  release(classIndex: number): void {
    const e = this.entries.get(classIndex);
    if (e === undefined) return;
    e.refs--;
    if (e.refs === 0) this.evictable += e.tokens;
  }

  /** Drops the least recently used unreferenced entry; returns the tokens it freed. */
  evictOne(): number {
    for (const [key, e] of this.entries) {
      if (e.refs === 0) {
        this.entries.delete(key);
        this.evictable -= e.tokens;
        return e.tokens;
      }
    }
    return 0;
  }
}
