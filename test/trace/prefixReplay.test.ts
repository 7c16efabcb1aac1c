import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';

const trace = resolve(__dirname, '../../data/reference/traces/mooncake/conversation_trace.jsonl');

/**
 * Reference: the trace's own prefix reuse — the fraction of all prompt blocks that are a leading
 * run of blocks already seen earlier in the file (data/reference/traces/mooncake/README.md gives 0.366),
 * computed here directly from the file.
 */
function prefixReuse(): { reuse: number; blocks: number } {
  const seen = new Set<number>();
  let blocks = 0;
  let reused = 0;
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const ids: number[] = JSON.parse(line).hash_ids;
    blocks += ids.length;
    let leading = true;
    for (const id of ids) {
      if (leading && seen.has(id)) reused++;
      else leading = false;
    }
    for (const id of ids) seen.add(id);
  }
  return { reuse: reused / blocks, blocks };
}

describe('Mooncake hash_ids feed the prefix cache', () => {
  it('one replica with an unbounded cache serves the trace own reuse fraction of blocks (within 0.01)', () => {
    const expected = prefixReuse();
    const scenario = resolveWorkload({
      name: 'mooncake',
      traffic: { arrival: 'trace', trace: { file: trace, format: 'mooncake' } },
      classes: [{ name: 'conv' }],
      model: 'llama-3.1-8b',
      // an inline GPU with memory enough to keep every block of the trace resident
      gpu: { memory_gb: 200000, bf16_tflops: 989, bandwidth_tbps: 3.35, tdp_w: 700, price_per_hour: 1 },
      fleet: { gpus: 1 },
      serving: { max_queue_time: '100h' },
      cache: { prefix: true },
    });
    const run = simulate(scenario);
    expect(run.summary.requests).toBe(12031);
    expect(run.summary.dropped).toBe(0);
    const served = run.summary.prefix_hit_blocks / expected.blocks;
    expect(expected.reuse).toBeCloseTo(0.366, 3);
    expect(Math.abs(served - expected.reuse)).toBeLessThan(0.01);
  });
});
