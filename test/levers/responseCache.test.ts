import { describe, expect, it } from 'vitest';
import { run, sum, workload } from './helpers.js';
import { stream } from '../../src/random/streams.js';
import { zipfPmf, zipfSampler } from '../../src/levers/zipf.js';

const gpuTokens = (ended: ReturnType<typeof run>['ended']) =>
  sum(ended.filter((e) => e.outcome === 'gpu').map((e) => e.request.promptTokens + e.request.outputTokens));

describe('response cache, fixed hit_rate', () => {
  // 100k requests: 28 req/s for about an hour on 6 replicas.
  const doc = workload({ duration: 3600, traffic: { rate: 28 }, fleet: { gpus: 6 }, serving: { max_queue_time: '1h' } });
  const without = run(doc);
  const withCache = run({ ...doc, cache: { response: { hit_rate: 0.3, latency: '5ms', price_per_hour: 2, price_per_lookup: 0.00001 } } });

  it('answers 0.3 of 100k requests (within 0.01) at the cache latency, and cuts GPU tokens by the same share', () => {
    const n = withCache.summary.requests;
    expect(n).toBeGreaterThan(95_000);
    const hitFraction = withCache.summary.cache_hits / n;
    expect(Math.abs(hitFraction - 0.3)).toBeLessThan(0.01);
    // Same arrivals and token counts with and without the cache (the cache has its own stream).
    expect(without.summary.requests).toBe(n);
    const cut = 1 - gpuTokens(withCache.ended) / gpuTokens(without.ended);
    expect(Math.abs(cut - hitFraction)).toBeLessThan(0.01);
    const hits = withCache.ended.filter((e) => e.outcome === 'cache');
    expect(hits.length).toBe(withCache.summary.cache_hits);
    for (const { request: r } of hits.slice(0, 1000)) expect(r.finishedAt - r.arrivedAt).toBeCloseTo(0.005, 12);
  });

  it('bills cache_cost = hourly price x hours + lookups x price per lookup', () => {
    const [row] = withCache.hourly;
    expect(row.cache_cost).toBeCloseTo(2 + row.arrivals * 0.00001, 6);
  });
});

/**
 * The LRU hit count of a request stream, computed from scratch: an array in recency order
 * (most recent last), searched linearly. O(capacity) per request: slow, obviously right.
 */
function naiveLruHits(ids: readonly number[], times: readonly number[], capacity: number, ttlS: number): boolean[] {
  const keys: number[] = [];
  const storedAt: number[] = [];
  return ids.map((id, i) => {
    const at = keys.indexOf(id);
    if (at >= 0) {
      const stored = storedAt[at];
      keys.splice(at, 1);
      storedAt.splice(at, 1);
      if (times[i] - stored <= ttlS) {
        keys.push(id);
        storedAt.push(stored);
        return true;
      }
    } else if (keys.length >= capacity) {
      keys.shift();
      storedAt.shift();
    }
    keys.push(id);
    storedAt.push(times[i]);
    return false;
  });
}

/**
 * Che's approximation of the LRU hit rate under the independent reference model (Che, Tung, Wang
 * 2002; Fricker, Robert, Roberts 2012 show it is accurate for Zipf popularity): with the
 * characteristic time T solving sum_i (1 - exp(-p_i T)) = C, hit rate = sum_i p_i (1 - exp(-p_i T)).
 */
function cheHitRate(p: Float64Array, capacity: number): number {
  let lo = 0;
  let hi = 1;
  const filled = (t: number) => p.reduce((s, pi) => s + (1 - Math.exp(-pi * t)), 0);
  while (filled(hi) < capacity) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (filled(mid) < capacity) lo = mid;
    else hi = mid;
  }
  return p.reduce((s, pi) => s + pi * (1 - Math.exp(-pi * lo)), 0);
}

describe('response cache, popularity model (Zipf prompts, LRU, TTL)', () => {
  const distinct = 5000;
  const zipf = 0.9;
  const capacity = 400;

  it.each([
    ['no TTL', Infinity],
    ['ttl 10 min', 600],
  ])('hit count equals an independent LRU computation over the same request stream (%s)', (_label, ttlS) => {
    const cache = { response: { distinct, zipf, capacity, ...(ttlS === Infinity ? {} : { ttl: ttlS }), latency: '5ms' } };
    const result = run(workload({ duration: '2h', traffic: { rate: 5 }, cache }));
    // The same prompt ids the run drew: the cache's stream, one Zipf draw per arrival in order.
    const prompt = zipfSampler(stream(11, 'cache'), distinct, zipf);
    const ids = result.ended.map(() => prompt());
    const times = result.ended.map((e) => e.request.arrivedAt);
    const expected = naiveLruHits(ids, times, capacity, ttlS);
    const expectedHits = expected.filter(Boolean).length;
    expect(result.summary.cache_hits).toBe(expectedHits);
    expect(expectedHits).toBeGreaterThan(1000);
    // And which requests hit: exactly those the naive LRU says.
    expect(result.ended.map((e) => e.outcome === 'cache')).toEqual(expected);
    // The TTL case really expires answers: fewer hits than without it on the same stream.
    if (ttlS !== Infinity) expect(expectedHits).toBeLessThan(naiveLruHits(ids, times, capacity, Infinity).filter(Boolean).length);
  });

  it("hit rate without TTL is within 0.01 of Che's approximation (an analytic reference)", () => {
    const result = run(workload({ duration: '2h', traffic: { rate: 10 }, cache: { response: { distinct, zipf, capacity } } }));
    // Skip warm-up: compare the second hour only.
    const [, second] = result.hourly;
    expect(Math.abs(second.cache_hits / second.arrivals - cheHitRate(zipfPmf(distinct, zipf), capacity))).toBeLessThan(0.01);
  });

  it('the Zipf sampler draws rank k with probability (k+1)^-s / H (frequencies within 4 standard errors)', () => {
    const n = 50;
    const s = 1.1;
    const draws = 200_000;
    const rank = zipfSampler(stream(3, 'zipf-test'), n, s);
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) counts[rank()]++;
    const p = zipfPmf(n, s);
    counts.forEach((c, k) => {
      const se = Math.sqrt((p[k] * (1 - p[k])) / draws);
      expect(Math.abs(c / draws - p[k])).toBeLessThan(4 * se);
    });
  });

  it('a bigger cache hits more; no capacity means every repeat hits', () => {
    const rate = (capacityEntries: number | undefined) =>
      run(workload({ duration: '1h', traffic: { rate: 5 }, cache: { response: { distinct: 2000, zipf: 1, ...(capacityEntries ? { capacity: capacityEntries } : {}) } } })).summary;
    const small = rate(50);
    const large = rate(500);
    const unbounded = rate(undefined);
    expect(small.cache_hits).toBeLessThan(large.cache_hits);
    expect(large.cache_hits).toBeLessThan(unbounded.cache_hits);
  });
});
