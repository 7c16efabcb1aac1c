import { describe, expect, it } from 'vitest';
import { PrefixCache } from '../../src/serving/PrefixCache.js';
import { KvMemory } from '../../src/serving/KvMemory.js';
import { newRequest, type Request } from '../../src/serving/request.js';

/** PrefixCache on tiny hand-worked cases: trace blocks (`hash_ids`) and class prefixes. */
const traced = (id: number, prompt: number, hashIds: number[]): Request => newRequest(id, 0, 0, prompt, 5, 0, hashIds);

describe('PrefixCache', () => {
  it('trace blocks of 16 tokens (traffic.trace.block_tokens): a 40-token prompt is 16 + 16 + 8', () => {
    const cache = new PrefixCache(16);
    const a = traced(0, 40, [7, 8, 9]);
    // empty cache: every block is created, nothing reused
    expect(cache.plan(a)).toEqual({ hitTokens: 0, hitBlocks: 0, sharedTokens: 40, createdTokens: 40 });
    cache.admit(a);
    // b shares the first two blocks (16 + 16 = 32 tokens reused) and creates its own 8-token third
    const b = traced(1, 40, [7, 8, 10]);
    expect(cache.plan(b)).toEqual({ hitTokens: 32, hitBlocks: 2, sharedTokens: 40, createdTokens: 8 });
    // a different first block breaks the leading run: nothing is reused even though 8 is resident
    const c = traced(2, 40, [6, 8, 9]);
    expect(cache.plan(c)).toEqual({ hitTokens: 0, hitBlocks: 0, sharedTokens: 40, createdTokens: 16 });
  });

  it('the default block size (512, Mooncake) makes the same 40-token prompt a single block', () => {
    const cache = new PrefixCache();
    cache.admit(traced(0, 40, [7, 8, 9]));
    // block 7 covers all 40 tokens; ids 8 and 9 lie past the prompt. Reuse is capped at prompt - 1
    // (one token is always computed, as in vLLM): 39.
    expect(cache.plan(traced(1, 40, [7, 8, 10]))).toEqual({ hitTokens: 39, hitBlocks: 1, sharedTokens: 40, createdTokens: 0 });
  });

  it('evicts the least recently used unreferenced entry first, and never a referenced one', () => {
    const cache = new PrefixCache(16);
    const a = traced(0, 16, [1]);
    const b = traced(1, 16, [2]);
    const c = traced(2, 16, [3]);
    for (const r of [a, b, c]) cache.admit(r);
    // use order 1, 2, 3; a touch of 1 (re-admission) makes it the most recent: 2, 3, 1
    const a2 = traced(3, 16, [1]);
    cache.admit(a2);
    for (const r of [a, b, c, a2]) cache.release(r);
    expect(cache.evictable).toBe(48);
    const hold = traced(4, 16, [3]);
    cache.admit(hold); // 3 is referenced again: not evictable
    expect(cache.evictable).toBe(32);
    expect(cache.evictOne()).toBe(16); // entry 2 (least recent unreferenced)
    expect(cache.plan(traced(5, 17, [2, 99])).hitBlocks).toBe(0);
    expect(cache.evictOne()).toBe(16); // entry 1
    expect(cache.evictOne()).toBe(0); // only 3 is left, referenced
    expect(cache.residentTokens()).toEqual({ total: 16, unreferenced: 0 });
  });

  it('class prefixes: one entry per class, reused whole by the next request of the class', () => {
    const cache = new PrefixCache();
    const first = newRequest(0, 2, 0, 500, 5, 200, null);
    expect(cache.plan(first)).toEqual({ hitTokens: 0, hitBlocks: 0, sharedTokens: 200, createdTokens: 200 });
    cache.admit(first);
    expect(cache.plan(newRequest(1, 2, 0, 300, 5, 200, null))).toEqual({ hitTokens: 200, hitBlocks: 0, sharedTokens: 200, createdTokens: 0 });
    // another class has its own entry
    expect(cache.plan(newRequest(2, 3, 0, 300, 5, 200, null)).createdTokens).toBe(200);
  });

  it('KvMemory passes its block size to its prefix cache (and keeps it after a failure clears it)', () => {
    // capacity 1000, blocks of 16: admitting a (40 tokens, 3 entries) uses 40; b reuses 32 and
    // adds its 8-token block: need 8.
    const kv = new KvMemory(1000, true, 0.01, 16);
    const a = traced(0, 40, [7, 8, 9]);
    kv.admit(a, kv.plan(a));
    expect(kv.used).toBe(40);
    expect(kv.plan(traced(1, 40, [7, 8, 10]))).toMatchObject({ need: 8, hitTokens: 32, hitBlocks: 2 });
    kv.clear();
    const c = traced(2, 40, [7, 8, 9]);
    kv.admit(c, kv.plan(c));
    expect(kv.plan(traced(3, 40, [7, 8, 10]))).toMatchObject({ need: 8, hitTokens: 32, hitBlocks: 2 });
  });

  it('KvMemory admission limit follows serving.kv_watermark: capacity x (1 - watermark)', () => {
    expect(new KvMemory(1000, false).admitLimit).toBe(990); // default 0.01
    expect(new KvMemory(1000, false, 0.25).admitLimit).toBe(750);
    expect(new KvMemory(1000, false, 0).admitLimit).toBe(1000);
  });
});
