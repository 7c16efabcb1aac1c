import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import { linearStepModel } from '../../src/gpu/linear.js';
import type { Arrival } from '../../src/traffic/requestSource.js';
import type { Request } from '../../src/serving/request.js';

/**
 * Disaggregated prefill/decode (issue 17 item 2), checked against the composition it claims:
 *
 *   TTFT = the prefill step                                   (serving.overhead is set to 0 here:
 *                                                              its per_request and output lag
 *                                                              would add to TTFT and E2E)
 *   E2E  = TTFT + transfer + the decode steps                 transfer = latency + size / bandwidth
 *   size = prompt tokens x KV bytes per token                 llama-3.1-8b, BF16 KV: 2 (K, V) x 32
 *                                                              layers x 8 KV heads x 128 head dim
 *                                                              x 2 bytes = 131,072 bytes (model card)
 *
 * Step times come from the workload's measured `perf` block (src/gpu/linear.ts: prefill-only
 * base + per_token x tokens, decode-only base + per_seq x seqs + per_kv_token x KV tokens), the
 * reference being "what one replica alone would take for this step". Times are compared exactly
 * (the same left-to-right sums in seconds), since nothing else runs at that load.
 */
const KV_BYTES_PER_TOKEN = 2 * 32 * 8 * 128 * 2;
const PERF = {
  prefill: { base: '20ms', per_token: '0.05ms' },
  decode: { base: '10ms', per_seq: '0.2ms', per_kv_token: '0.00002ms' },
};
const PERF_S = {
  prefill: { baseS: 0.02, perTokenS: 0.05e-3 },
  decode: { baseS: 0.01, perSeqS: 0.2e-3, perKvTokenS: 0.00002e-3 },
};

function disaggregatedDoc(extra: { bandwidth?: string; latency?: string; rate?: number; perf?: unknown; fleet?: unknown } = {}) {
  return {
    name: 'disagg',
    seed: 5,
    duration: '10m',
    traffic: { rate: extra.rate ?? 0.01 },
    classes: [{ name: 'chat', prompt_tokens: 2000, output_tokens: 50 }],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: extra.fleet ?? {
      disaggregation: {
        prefill: { gpus: 1 },
        decode: { gpus: 1 },
        kv_transfer: { bandwidth: extra.bandwidth ?? '50GB/s', latency: extra.latency ?? '1ms' },
      },
    },
    perf: extra.perf ?? PERF,
    serving: { overhead: { per_request: 0, per_iteration: 0, output_iterations: 0 } },
  };
}

/** Arrivals at fixed times, fixed lengths: far enough apart that each request is alone. */
function spaced(times: readonly number[], prompt: number, output: number) {
  let i = 0;
  return (): Arrival | null => (i < times.length ? { time: times[i++], classIndex: 0, promptTokens: prompt, outputTokens: output, hashIds: null } : null);
}

function served(doc: object, arrivals?: () => Arrival | null, fastForward = true) {
  const ended: Request[] = [];
  const run = simulate(resolveWorkload(doc), { fastForward, checkInvariants: true, arrivals, onRequestEnd: (r) => ended.push({ ...r }) });
  ended.sort((a, b) => a.id - b.id);
  return { run, ended };
}

describe('disaggregated serving: one prefill and one decode replica, fixed lengths, low load', () => {
  const model = linearStepModel(PERF_S);
  const prompt = 2000;
  const output = 50;
  const times = [1, 30, 61.5];

  it.each([true, false])('TTFT = prefill step, E2E = TTFT + transfer + decode steps, exactly (fastForward %s)', (fastForward) => {
    const { ended } = served(disaggregatedDoc(), spaced(times, prompt, output), fastForward);
    expect(ended.length).toBe(times.length);
    for (const r of ended) {
      const firstToken = r.arrivedAt + model.iterationS(prompt, 0, 0, 0);
      expect(r.firstTokenAt).toBe(firstToken);
      const arrivedKv = firstToken + (prompt * KV_BYTES_PER_TOKEN) / 50e9 + 0.001;
      expect(r.transferredAt).toBe(arrivedKv);
      expect(r.decodeStartedAt).toBe(arrivedKv);
      let t = arrivedKv;
      // output - 1 decode steps (the first token came from prefill), one sequence, context prompt + j
      for (let j = 0; j < output - 1; j++) t += model.iterationS(0, 0, 1, prompt + j);
      expect(r.finishedAt).toBe(t);
      expect(r.preemptions).toBe(0);
    }
  });

  it('the transfer time follows size / bandwidth (+ latency) at every size and bandwidth', () => {
    for (const [bandwidth, bytesPerS] of [['10GB/s', 10e9], ['400Gb/s', 50e9], ['200GB/s', 200e9]] as const) {
      for (const size of [500, 4000, 16000]) {
        const { ended, run } = served(disaggregatedDoc({ bandwidth, latency: '2ms' }), spaced([1, 40], size, 20));
        for (const r of ended) {
          const prefillEnd = r.arrivedAt + model.iterationS(Math.min(size, 8192), 0, 0, 0) + (size > 8192 ? model.iterationS(size - 8192, 0, 0, 0) : 0);
          expect(r.transferredAt - prefillEnd).toBeCloseTo(0.002 + (size * KV_BYTES_PER_TOKEN) / bytesPerS, 12);
        }
        const kv = run.summary.disaggregation!.kv_transfer;
        expect(kv.transfers).toBe(2);
        expect(kv.wait_ms.max).toBe(0);
        expect(kv.time_ms.max).toBeCloseTo((0.002 + (size * KV_BYTES_PER_TOKEN) / bytesPerS) * 1000, 3);
      }
    }
  });

  it('a one-token answer ends at prefill and crosses no link', () => {
    const { ended, run } = served(disaggregatedDoc(), spaced([1], prompt, 1));
    expect(ended[0].finishedAt).toBe(ended[0].firstTokenAt);
    expect(Number.isNaN(ended[0].transferredAt)).toBe(true);
    expect(run.summary.disaggregation!.kv_transfer.transfers).toBe(0);
  });

  it('transfers from one prefill replica queue FIFO on its link', () => {
    // Two prompts prefilled in the same iteration finish together; the second waits for the first's bytes.
    const { ended } = served(disaggregatedDoc({ bandwidth: '1GB/s', latency: '0ms' }), spaced([1, 1], 1000, 10));
    const sendS = (1000 * KV_BYTES_PER_TOKEN) / 1e9;
    expect(ended[0].firstTokenAt).toBe(ended[1].firstTokenAt);
    expect(ended[0].transferredAt - ended[0].firstTokenAt).toBeCloseTo(sendS, 12);
    expect(ended[1].transferredAt - ended[1].firstTokenAt).toBeCloseTo(2 * sendS, 12);
  });
});

describe('disaggregated serving removes prefill-decode interference', () => {
  // Long prompts at high load; the decode step is a constant 10 ms (per_seq and per_kv_token 0),
  // so the decode-only step time is known exactly. Aggregated, prompts are chunked into the same
  // iterations as decodes (max(20 ms, 10 ms) + 0.02 ms x chunk tokens) and stretch every token.
  const perf = { prefill: { base: '20ms', per_token: '0.02ms' }, decode: { base: '10ms', per_seq: '0ms', per_kv_token: '0ms' } };
  const heavy = (fleet: unknown) => ({
    ...disaggregatedDoc({ perf, fleet, rate: 5 }),
    duration: '5m',
    classes: [{ name: 'chat', prompt_tokens: 6000, output_tokens: 100 }],
  });

  it('decode replicas run every token at the decode-only step; aggregated replicas do not', () => {
    const output = 100;
    const dis = served(heavy({ disaggregation: { prefill: { gpus: 1 }, decode: { gpus: 1 } } }));
    expect(dis.ended.length).toBeGreaterThan(1000);
    for (const r of dis.ended) {
      // On the decode replica: output - 1 steps of exactly 10 ms each (relative 1e-9: the sums of 99 steps).
      expect((r.finishedAt - r.decodeStartedAt) / (output - 1)).toBeCloseTo(0.01, 9);
    }
    const kvMaxS = dis.run.summary.disaggregation!.kv_transfer.time_ms.max! / 1000;
    const tpotP99 = dis.run.summary.latency.tpot_ms.p99!;
    // The client's TPOT (e2e - ttft) / (output - 1) adds the transfer and the wait for the decode
    // replica's next iteration boundary (< one step), spread over the output tokens.
    expect(tpotP99).toBeLessThanOrEqual((0.01 + (kvMaxS + 0.01) / (output - 1)) * 1000 * 1.005);
    expect(dis.run.summary.dropped).toBe(0);

    const agg = served(heavy({ gpus: 2 }));
    expect(agg.run.summary.latency.tpot_ms.p99!).toBeGreaterThan(2 * 10);
  });
});

describe('disaggregated serving: billing, columns, determinism', () => {
  it('bills and reports each role; aggregated runs leave the role columns empty', () => {
    const doc = disaggregatedDoc({ rate: 2, fleet: { disaggregation: { prefill: { gpus: 2 }, decode: { gpus: 4, gpus_per_replica: 2, gpu: 'h200' } } } });
    const { run } = served(doc);
    const h = run.hourly[0];
    // 10 minutes of a 1-hour row: GPUs averaged over the row's seconds in the horizon.
    expect(h.prefill_gpus).toBe(2);
    expect(h.decode_gpus).toBe(4);
    expect(h.gpus).toBe(6);
    const scenario = resolveWorkload(doc);
    const d = scenario.pools[0].disaggregation!;
    const hours = 600 / 3600;
    expect(h.prefill_gpu_cost).toBeCloseTo(2 * d.prefill.gpu.pricePerHour * hours, 5);
    expect(h.decode_gpu_cost).toBeCloseTo(4 * d.decode.gpu.pricePerHour * hours, 5);
    expect(h.gpu_cost).toBeCloseTo(h.prefill_gpu_cost! + h.decode_gpu_cost!, 5);
    const s = run.summary.disaggregation!;
    expect(s.prefill.gpus).toBe(2);
    expect(s.decode.gpus).toBe(4);
    expect(s.prefill.gpu_cost + s.decode.gpu_cost).toBeCloseTo(run.summary.cost_breakdown.gpu_cost, 5);

    const agg = served(disaggregatedDoc({ rate: 2, fleet: { gpus: 2 } })).run;
    expect(agg.hourly[0].prefill_gpus).toBeNull();
    expect(agg.hourly[0].decode_gpu_cost).toBeNull();
    expect(agg.summary.disaggregation).toBeUndefined();
  });

  it('each role is failed on its own: failures counted by role, nothing lost', () => {
    const doc = {
      ...disaggregatedDoc({ rate: 3, fleet: { failures: { mtbf: '1h', repair: '2m' }, disaggregation: { prefill: { gpus: 2 }, decode: { gpus: 2 } } } }),
      duration: '2h',
    };
    const { run } = served(doc);
    const s = run.summary;
    expect(s.disaggregation!.prefill.failures + s.disaggregation!.decode.failures).toBe(s.failures);
    expect(s.disaggregation!.prefill.failures).toBeGreaterThan(0);
    expect(s.disaggregation!.decode.failures).toBeGreaterThan(0);
    expect(s.completed + s.dropped).toBe(s.requests);
  });

  it('each role is autoscaled on its own: a starved decode role grows, the prefill role stays', () => {
    // Decode is the bottleneck (a 60 ms step per sequence at 8 sequences: 0.01 + 8 x 0.0063),
    // prefill is light: the decode role's queue_time (KV arrival to decode admission) drives it.
    const perf = { prefill: { base: '5ms', per_token: '0.005ms' }, decode: { base: '10ms', per_seq: '6.3ms', per_kv_token: '0ms' } };
    const doc = {
      ...disaggregatedDoc({
        rate: 6,
        perf,
        fleet: {
          disaggregation: {
            prefill: { gpus: 1 },
            decode: { gpus: 1, autoscale: { min: 1, max: 6, target: '500ms', provisioning: '1m', cooldown: '5m' } },
          },
        },
      }),
      duration: '1h',
      classes: [{ name: 'chat', prompt_tokens: 1000, output_tokens: 200 }],
      serving: { max_batch_size: 8 },
    };
    const { run } = served(doc);
    const h = run.hourly[0];
    expect(h.prefill_gpus).toBe(1);
    expect(h.decode_gpus!).toBeGreaterThan(1.5);
    expect(run.summary.disaggregation!.decode.gpus).toBeGreaterThan(1.5);
  });

  it('same workload and seed: identical results', () => {
    const doc = disaggregatedDoc({ rate: 4, perf: undefined });
    const a = served({ ...doc, perf: undefined });
    const b = served({ ...doc, perf: undefined });
    expect(JSON.stringify(a.run.summary)).toBe(JSON.stringify(b.run.summary));
    expect(JSON.stringify(a.run.hourly)).toBe(JSON.stringify(b.run.hourly));
  });
});
