import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';

/**
 * A draining replica that preempts (KV memory full under decode growth) puts the request back in
 * its own queue (per-replica-queue routers). The request was started there, and is served there
 * (see ContinuousReplica.startRun): a draining replica admits nothing new but finishes what it
 * started. Before, it admitted nothing at all, so the request waited in the queue of a replica that
 * then stopped, until the run's end dropped it.
 *
 * Reference: with max_queue_time longer than the run and every request small enough to fit a
 * replica alone, no request may be dropped. l4 + llama-2-7b (about 10k tokens of KV,
 * kvPressure.test.ts) at 0.5 req/s for an hour on 2 replicas preempts all the time, so the one
 * drained at 1:00 (schedule 2 -> 1) preempts while draining (before the fix: 1 request dropped
 * with least_loaded and with round_robin).
 */
describe('a draining replica that preempts', () => {
  const run = (router: string, fleet: Record<string, unknown>) =>
    simulate(
      resolveWorkload({
        name: 'drain-preempt',
        seed: 5,
        duration: '3h',
        // 0.5 req/s in hour 0 (the profile's mean is `rate`), none after: the backlog is served
        traffic: { rate: 0.5 / 24, daily_profile: [1, ...Array(23).fill(0)] },
        classes: [{ name: 'long', prompt_tokens: { dist: 'uniform', min: 500, max: 1500 }, output_tokens: { dist: 'uniform', min: 500, max: 1500 } }],
        model: 'llama-2-7b',
        gpu: 'l4',
        fleet,
        serving: { router, max_batch_size: 256, max_queue_time: '10h' },
      }),
    );

  it.each(['least_loaded', 'round_robin', 'shared_queue'])('scale-in at 1:00: every request completes (%s)', (router) => {
    const r = run(router, { autoscale: { schedule: [2, 1, ...Array(22).fill(1)], provisioning: '2m' } });
    expect(r.summary.preemptions).toBeGreaterThan(0);
    expect(r.summary.dropped).toBe(0);
    expect(r.summary.completed).toBe(r.summary.requests);
  });
});
