import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';

/**
 * KV memory: a saturated replica with little memory for its KV cache (llama-2-7b, 512 KiB per
 * token, on a 24 GB L4: about 10k tokens of KV) preempts under decode growth; the same traffic
 * on an 80 GB H100 (about 110k tokens) never does. Every request still completes.
 */
describe('KV-cache memory pressure', () => {
  const run = (gpu: string) =>
    simulate(
      resolveWorkload({
        name: 'kv',
        seed: 2,
        duration: '15m',
        traffic: { rate: 2 },
        classes: [{ name: 'long', prompt_tokens: { dist: 'uniform', min: 500, max: 1500 }, output_tokens: { dist: 'uniform', min: 500, max: 1500 } }],
        model: 'llama-2-7b',
        gpu,
        fleet: { gpus: 1 },
        serving: { max_batch_size: 256, max_queue_time: '10h' },
      }),
    );

  it('preempts under pressure, and not without it', () => {
    const small = run('l4');
    const large = run('h100-sxm');
    expect(small.summary.preemptions).toBeGreaterThan(0);
    expect(large.summary.preemptions).toBe(0);
    for (const r of [small, large]) expect(r.summary.completed).toBe(r.summary.requests);
  });
});
