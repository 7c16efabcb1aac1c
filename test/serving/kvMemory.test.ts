import { describe, expect, it } from 'vitest';
import { KvMemory, KV_WATERMARK } from '../../src/serving/KvMemory.js';
import { newRequest, type Request } from '../../src/serving/request.js';

/**
 * KvMemory on tiny cases, every number worked by hand. Class prefixes: one entry per class of
 * `prefixTokens`; a request's own KV is its context less the prefix tokens the entry holds.
 */
const req = (id: number, cls: number, prompt: number, prefix: number, output = 10): Request => newRequest(id, cls, 0, prompt, output, prefix, null);

function own(rs: Request[]): number[] {
  return rs.map((r) => r.kvTokens - r.sharedKv);
}

describe('KvMemory', () => {
  it('admit, release and evict keep used = own KV + resident entries', () => {
    const kv = new KvMemory(1000, true);
    const a = req(1, 0, 300, 100);
    const plan = kv.plan(a);
    // first of its class: creates the 100-token entry, needs 200 own + 100 entry
    expect(plan).toEqual({ need: 300, hitTokens: 0, hitBlocks: 0, sharedTokens: 100, cached: true });
    kv.admit(a, plan);
    expect([kv.used, kv.evictable, a.kvTokens, a.sharedKv]).toEqual([300, 0, 300, 100]);
    expect(kv.check(own([a]))).toBeNull();

    const b = req(2, 0, 250, 100);
    const pb = kv.plan(b);
    // the entry is resident: it reuses 100 tokens and adds only its own 150
    expect(pb).toEqual({ need: 150, hitTokens: 100, hitBlocks: 0, sharedTokens: 100, cached: true });
    kv.admit(b, pb);
    expect(b.prefilled).toBe(100);
    expect(kv.used).toBe(450);
    expect(kv.check(own([a, b]))).toBeNull();

    kv.release(a);
    kv.release(b);
    // the entry stays resident, unreferenced
    expect([kv.used, kv.evictable]).toEqual([100, 100]);
    expect(kv.check([])).toBeNull();
    kv.evictFor(950, 1000);
    expect([kv.used, kv.evictable]).toEqual([0, 0]);
    expect(kv.check([])).toBeNull();
  });

  it("making room pins the request's own resident prefix: the other entry is evicted, its need stays right", () => {
    const kv = new KvMemory(1000, true);
    // class 0's entry (400) is the least recently used, class 1's (300) the most
    for (const [id, cls, prefix] of [[1, 0, 400], [2, 1, 300]]) {
      const r = req(id, cls, prefix + 50, prefix);
      kv.admit(r, kv.plan(r));
      kv.release(r);
    }
    expect([kv.used, kv.evictable]).toEqual([700, 700]);
    const busy = req(3, 2, 200, 0);
    kv.admit(busy, kv.plan(busy));
    expect(kv.used).toBe(900);

    // a class-0 request reusing the 400-token entry needs 100 own tokens
    const r = req(4, 0, 500, 400);
    const plan = kv.plan(r);
    expect(plan.need).toBe(100);
    const limit = 1000 * (1 - KV_WATERMARK); // 990
    // 900 + 100 > 990: room is needed; LRU order alone would evict its own entry first
    expect(kv.couldFit(r, plan, limit)).toBe(true);
    expect(kv.makeRoom(r, plan, limit)).toBe(true);
    // class 1's entry went, class 0's stayed: 900 - 300 = 600
    expect([kv.used, kv.evictable]).toEqual([600, 400]);
    expect(kv.plan(r)).toEqual(plan);
    kv.admit(r, plan);
    expect([kv.used, kv.evictable, r.prefilled]).toEqual([700, 0, 400]);
    expect(kv.check(own([busy, r]))).toBeNull();
  });

  it('its own prefix does not count as room: a request that fits only by evicting it waits', () => {
    const kv = new KvMemory(1000, true);
    const first = req(1, 0, 450, 400);
    kv.admit(first, kv.plan(first));
    kv.release(first);
    const busy = req(2, 1, 500, 0);
    kv.admit(busy, kv.plan(busy));
    expect([kv.used, kv.evictable]).toEqual([900, 400]);
    const r = req(3, 0, 500, 400);
    const plan = kv.plan(r);
    expect(plan.need).toBe(100);
    // the only evictable tokens are its own prefix: 900 + 100 > 990 with nothing else to evict
    expect(kv.couldFit(r, plan, 990)).toBe(false);
    expect(kv.makeRoom(r, plan, 990)).toBe(false);
    expect([kv.used, kv.evictable]).toEqual([900, 400]);
    expect(kv.check(own([busy]))).toBeNull();
  });

  it('check names the broken invariant', () => {
    const kv = new KvMemory(100, false);
    const r = req(1, 0, 80, 0);
    kv.admit(r, kv.plan(r));
    expect(kv.check([80])).toBeNull();
    expect(kv.check([70])).toMatch(/used 80 != running requests' own KV 70/);
    kv.grow(30);
    expect(kv.check([110])).toMatch(/used 110 outside 0..100/);
  });
});

describe('KvMemory: a failed attempt to make room evicts nothing', () => {
  it('not enough evictable tokens: the other entry stays resident', () => {
    const kv = new KvMemory(1000, true);
    const other = req(1, 1, 150, 100);
    kv.admit(other, kv.plan(other));
    kv.release(other);
    const busy = req(2, 2, 800, 0);
    kv.admit(busy, kv.plan(busy));
    expect([kv.used, kv.evictable]).toEqual([900, 100]);
    const r = req(3, 0, 300, 0);
    // 900 + 300 > 990 even with the 100-token entry evicted: nothing happens
    expect(kv.makeRoom(r, kv.plan(r), 990)).toBe(false);
    expect([kv.used, kv.evictable]).toEqual([900, 100]);
  });
});
