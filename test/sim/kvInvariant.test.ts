import { expectSameSummary } from '../helpers/sameSummary.js';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadWorkload, resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import { kvCapacityTokens } from '../../src/gpu/memory.js';
import type { Scenario } from '../../src/workload/scenario.js';

/**
 * KV memory's invariants (issue 13 item 1, issue 17 item 1), asserted by the simulator itself
 * after every batch formation (`checkInvariants`): used = running requests' own KV + resident
 * prefix entries, 0 <= used <= capacity, evictable = unreferenced entries. The run throws at the
 * first batch that breaks one. And no request whose prompt + output exceed a replica's whole KV
 * capacity is ever served.
 */
const trace = resolve(__dirname, '../../data/reference/traces/mooncake/conversation_trace.jsonl');

function mooncakeOnL4(gpus: number, extra: Record<string, unknown> = {}): Scenario {
  return resolveWorkload({
    name: 'mooncake-l4',
    traffic: { arrival: 'trace', trace: { file: trace, format: 'mooncake' } },
    classes: [{ name: 'conv' }],
    model: 'llama-3.1-8b',
    gpu: 'l4',
    fleet: { gpus },
    serving: { max_queue_time: '1h' },
    cache: { prefix: true },
    ...extra,
  });
}

function checked(scenario: Scenario, fastForward = true) {
  const pool = scenario.pools[0];
  const capacity = kvCapacityTokens(pool.model, pool.gpu, pool.gpusPerReplica, scenario.serving.gpuMemoryUtilization, null, { batchTokens: scenario.serving.maxBatchTokens, batchSeqs: scenario.serving.maxBatchSize });
  let servedTooLarge = 0;
  let served = 0;
  const run = simulate(scenario, {
    fastForward,
    checkInvariants: true,
    onRequestEnd: (r, outcome) => {
      if (outcome !== 'gpu') return;
      served++;
      if (r.promptTokens + r.outputTokens > capacity) servedTooLarge++;
    },
  });
  return { run, servedTooLarge, served, capacity };
}

describe('KV memory invariants over the Mooncake conversation replay (prefix cache, L4)', () => {
  // The reproduction: on 2 and 4 x L4 the used counter went tens of thousands of tokens
  // below zero and 5 and 20 requests larger than a replica's KV memory were "served".
  it.each([2, 4])('%i x L4: invariants hold after every batch; nothing larger than KV memory served', (gpus) => {
    const { run, servedTooLarge, served } = checked(mooncakeOnL4(gpus));
    expect(servedTooLarge).toBe(0);
    expect(served).toBeGreaterThan(0);
    expect(run.summary.completed + run.summary.dropped).toBe(run.summary.requests);
    expect(run.summary.prefix_hit_blocks).toBeGreaterThan(0);
  });

  it('one event per iteration (the reference path) too, and it agrees with the fast path', () => {
    const scenario = mooncakeOnL4(2, { duration: '20m' });
    const fast = checked(scenario, true);
    const slow = checked(scenario, false);
    expect(slow.servedTooLarge).toBe(0);
    expectSameSummary(fast.run.summary, slow.run.summary);
  });
});

describe('KV memory invariants over every bundled workload (first 2 hours)', () => {
  const root = resolve(__dirname, '../../workloads');
  const files = [
    ...readdirSync(root).filter((f) => f.endsWith('.yaml')).map((f) => join(root, f)),
    ...['levers', 'templates'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(root, d, f))),
  ];
  it.each(files)('%s', (file) => {
    const scenario = loadWorkload(file, { set: ['duration=2h'] });
    expect(() => simulate(scenario, { checkInvariants: true })).not.toThrow();
  });

  it('with the prefix cache on and memory pressure (chatbot on 1 x L4, llama-2-7b)', () => {
    const scenario = loadWorkload(null, { set: ['duration=1h', 'fleet.gpus=1', 'gpu=l4', 'model=llama-2-7b', 'cache.prefix=true', 'serving.max_batch_size=256', 'traffic.rate=3'] });
    const { run } = checked(scenario);
    expect(run.summary.preemptions).toBeGreaterThan(0);
  });
});
