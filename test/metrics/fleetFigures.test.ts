import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import { kvCapacityTokens } from '../../src/gpu/memory.js';
import { iterationWork } from '../../src/gpu/iterationWork.js';

/**
 * kv_utilization, batch_size_mean, mfu and mbu against hand-computed cases.
 *
 * A toy dense model small enough to count by hand: 2 layers, hidden 4, 2 heads of dim 2 (q dim 4),
 * 1 KV head (kv dim 2), MLP 8, vocabulary 10, BF16. Per layer: attention 4 x (2x4 + 2x2) = 48
 * weights, gated MLP 3 x 4 x 8 = 96; with the tied 10 x 4 embedding, params = 2 x 144 + 40 = 328.
 *   FLOPs per token (linear layers) = 2 x 2 x 144 = 576; LM head per sampled token = 2 x 40 = 80;
 *   attention per token pair or KV token read = 4 x 4 x 2 = 32.
 *   Weight bytes per iteration = (288 + 40) x 2 = 656; activation bytes per token
 *   = 2 layers x 2 bytes x (7x4 + 2x(4+2) + 3x8) = 256; KV bytes per token = 2 x 2 x 1 x 2 x 2 = 16.
 */
const model = { name: 'toy', params: 328, layers: 2, hidden_size: 4, attention_heads: 2, kv_heads: 1, head_dim: 2, mlp_size: 8, vocab_size: 10 };

/** serving.overhead with no host time: E2E is the iterations alone. */
const NO_HOST_TIME = { per_request: 0, per_iteration: 0, output_iterations: 0 };

/**
 * The toy model alone on one toy GPU (1.194 GB, peaks 2.4e-7 TFLOP/s and 6.8e-8 TB/s), replaying
 * a trace with columns t (seconds), prompt and output; every iteration exactly 1 s (a perf block
 * with equal bases and no per-token terms).
 */
function toyScenario(name: string, duration: string, trace: string, serving: Record<string, unknown>) {
  return resolveWorkload({
    name,
    duration,
    traffic: { arrival: 'trace', trace: { file: trace, format: 'csv', columns: { time: 't', time_unit: 's', prompt: 'prompt', output: 'output' } } },
    classes: [{ name: 'c' }],
    model,
    gpu: { memory_gb: 1.194, bf16_tflops: 2.4e-7, bandwidth_tbps: 6.8e-8, tdp_w: 700, idle_w: 100, price_per_hour: 1 },
    fleet: { gpus: 1 },
    perf: { prefill: { base: '1s', per_token: 0 }, decode: { base: '1s', per_seq: 0, per_kv_token: 0 } },
    serving,
  });
}

describe('iterationWork: FLOPs and bytes of an iteration', () => {
  it('counts the toy model by hand', () => {
    const s = resolveWorkload({ name: 't', duration: '1h', traffic: { rate: 1 }, classes: [{ name: 'c', prompt_tokens: 10, output_tokens: 10 }], model, gpu: 'h100-sxm', fleet: { gpus: 1 } });
    const w = iterationWork(s.pools[0].model, s.pools[0].gpu, 1);
    // 3 tokens, 1 sample, 5 prefill pairs, 7 KV tokens read: 576x3 + 80 + 32x12
    expect(w.flops(1, 3, 1, 5, 7)).toBe(2192);
    // 656 + (256 + 16) x 3 + 16 x 7
    expect(w.bytes(1, 3, 7)).toBe(1584);
    // k iterations repeat the per-iteration part; the KV part is a total over the iterations
    expect(w.flops(4, 2, 2, 0, 100)).toBe(4 * (576 * 2 + 160) + 3200);
    expect(w.bytes(4, 2, 100)).toBe(4 * (656 + 272 * 2) + 1600);
  });
});

describe('fleet figures of a run, by hand', () => {
  // Three requests alone on one replica (arrivals 1200 s apart, each done in 1000 s), every
  // iteration exactly 1 s (a perf block with equal bases and no per-token terms); host overheads
  // off, so that E2E is the iterations alone.
  const P = 2000;
  const O = 1000;
  const dir = mkdtempSync(join(tmpdir(), 'capsim-fleet-'));
  const trace = join(dir, 'three.csv');
  writeFileSync(trace, `t,prompt,output\n0,${P},${O}\n1200,${P},${O}\n2400,${P},${O}\n`);
  const scenario = toyScenario('fleet-figures', '1h', trace, { max_queue_time: '1h', overhead: NO_HOST_TIME });
  const run = simulate(scenario);
  const row = run.hourly[0];
  // the pool's capacity: the activation reserve at the workload's engine limits (gpu/memory.ts)
  const capacity = kvCapacityTokens(scenario.pools[0].model, scenario.pools[0].gpu, 1, scenario.serving.gpuMemoryUtilization, null, { batchTokens: scenario.serving.maxBatchTokens, batchSeqs: scenario.serving.maxBatchSize });

  it('each request runs one prefill and O - 1 decode iterations of 1 s', () => {
    expect(run.summary.completed).toBe(3);
    expect(run.summary.latency.e2e_ms.max).toBeCloseTo(O * 1000, 3);
  });

  it('batch_size_mean: 3 requests x O s running / 3600 ready replica-seconds', () => {
    expect(row.batch_size_mean).toBeCloseTo((3 * O) / 3600, 4);
  });

  it('kv_utilization: KV held P during prefill, P + j during decode iteration j, over capacity x 3600 s', () => {
    // memory 1.194 GB x 0.9 less 1 GiB reserve and activations: about 20k tokens of 16 bytes
    expect(capacity).toBeGreaterThan(P + O);
    expect(capacity).toBeLessThan(40_000);
    const perRequest = P * 1 + (O - 1) * P + ((O - 1) * (O - 2)) / 2; // token-seconds
    const expected = (3 * perRequest) / (capacity * 3600);
    expect(expected).toBeGreaterThan(0.01);
    expect(row.kv_utilization).toBeCloseTo(expected, 6);
  });

  it('mfu and mbu: FLOPs and bytes of the iterations run / (3600 GPU-seconds x peak)', () => {
    // prefill: P tokens, 1 sample, P^2/2 attention pairs; decode j = 0..O-2: 1 token, 1 sample, P + j KV tokens
    const decodeKv = (O - 1) * P + ((O - 1) * (O - 2)) / 2;
    const flops = 576 * P + 80 + 32 * (P * P) / 2 + (O - 1) * (576 + 80) + 32 * decodeKv;
    const bytes = 656 + 272 * P + (O - 1) * (656 + 272) + 16 * decodeKv;
    const mfu = (3 * flops) / (3600 * 2.4e-7 * 1e12);
    const mbu = (3 * bytes) / (3600 * 6.8e-8 * 1e12);
    expect(mfu).toBeGreaterThan(0.1);
    expect(mbu).toBeGreaterThan(0.1);
    expect(row.mfu).toBeCloseTo(mfu, 6);
    expect(row.mbu).toBeCloseTo(mbu, 6);
    expect(run.summary.fleet.mfu).toBeCloseTo(mfu, 6);
  });

  it('gpu_utilization stays the busy share: 3 x O s of 3600 s', () => {
    expect(row.gpu_utilization).toBeCloseTo((3 * O) / 3600, 6);
  });
});

describe('batch_size_mean is Little\'s law on the replicas', () => {
  it('equals the sum of the requests\' time on a replica over ready replica-seconds', () => {
    // L = sum of residence times / T: a sequence runs from admission (startedAt) to its last token.
    // Host overheads off: with an output lag, finishedAt (the client's time) comes one iteration
    // after the replica has retired the sequence.
    let residence = 0;
    const H = 1800;
    const run = simulate(
      resolveWorkload({
        name: 'little', seed: 3, duration: '30m', traffic: { rate: 4 },
        classes: [{ name: 'c', prompt_tokens: { dist: 'uniform', min: 100, max: 900 }, output_tokens: { dist: 'uniform', min: 20, max: 300 } }],
        model: 'llama-3.1-8b', gpu: 'l4', fleet: { gpus: 3 },
        serving: { max_queue_time: '1h', overhead: { per_request: 0, per_iteration: 0, output_iterations: 0 } },
      }),
      { onRequestEnd: (r, outcome) => { if (outcome === 'gpu') residence += Math.max(0, Math.min(r.finishedAt, H) - r.startedAt); } },
    );
    expect(run.summary.preemptions).toBe(0);
    const expected = residence / (3 * H);
    expect(expected).toBeGreaterThan(1);
    // 4 decimals kept in the output
    expect(run.summary.fleet.batch_size_mean).toBeCloseTo(expected, 3);
  });
});

describe('fleet figures with speculative decoding, by hand', () => {
  // The three-request case above with serving.speculative, k = 3 and acceptance 1: every decode
  // step of a sequence verifies k + 1 = 4 positions and emits 4 tokens, so O - 1 = 1000 tokens
  // after the first take S = 250 steps, and step j (j = 0..S-1) reads D_j = P + 4j KV tokens.
  // The work of step j, as the step model prices it (SpeculativeDecoder.iterationS):
  //   verify: the target over 1 + k positions, 1 sampled token, k x D_j + k^2 / 2 attention pairs
  //           for the extra positions, D_j KV tokens read by the decode token;
  //   drafts: method draft, k passes i = 0..k-1 of the draft model over 1 token reading D_j + i
  //           KV tokens; method ngram, none (host side).
  // KV held during step j: P + 4j; each step lasts 1 s (the perf block) + the drafts.
  const P = 2000;
  const k = 3;
  const S = 250;
  const dir = mkdtempSync(join(tmpdir(), 'capsim-fleet-spec-'));
  const trace = join(dir, 'three.csv');
  writeFileSync(trace, `t,prompt,output\n0,${P},${1 + (k + 1) * S}\n1200,${P},${1 + (k + 1) * S}\n2400,${P},${1 + (k + 1) * S}\n`);
  const draftModel = { name: 'toy-draft', params: 184, layers: 1, hidden_size: 4, attention_heads: 2, kv_heads: 1, head_dim: 2, mlp_size: 8, vocab_size: 10 };
  // The draft passes are slow on this toy GPU (their KV reads at 68 kB/s: a request takes about
  // 1,370 s), so the draft case sends two requests 1,800 s apart: still alone, done within the hour.
  const twoTrace = join(dir, 'two.csv');
  writeFileSync(twoTrace, `t,prompt,output\n0,${P},${1 + (k + 1) * S}\n1800,${P},${1 + (k + 1) * S}\n`);
  const scenarioWith = (speculative: Record<string, unknown>, file = trace) =>
    toyScenario('fleet-figures-spec', '1h', file, { max_queue_time: '1h', max_batch_size: 64, speculative: { tokens: k, acceptance: 1, ...speculative } });
  const D = (j: number) => P + (k + 1) * j;

  it('ngram: mfu and mbu count the verify pass over k + 1 positions; kv_utilization the k + 1 tokens a step', () => {
    const scenario = scenarioWith({ method: 'ngram' });
    const run = simulate(scenario);
    const row = run.hourly[0];
    expect(run.summary.completed).toBe(3);
    const w = iterationWork(scenario.pools[0].model, scenario.pools[0].gpu, 1);
    let flops = w.flops(1, P, 1, (P * P) / 2, 0);
    let bytes = w.bytes(1, P, 0);
    let kvS = P * 1;
    for (let j = 0; j < S; j++) {
      flops += w.flops(1, 1 + k, 1, k * D(j) + (k * k) / 2, D(j));
      bytes += w.bytes(1, 1 + k, D(j));
      kvS += D(j) * (1 + k * 0.0001);
    }
    // the pool's capacity: the activation reserve at the workload's engine limits (gpu/memory.ts)
    const capacity = kvCapacityTokens(scenario.pools[0].model, scenario.pools[0].gpu, 1, scenario.serving.gpuMemoryUtilization, null, { batchTokens: scenario.serving.maxBatchTokens, batchSeqs: scenario.serving.maxBatchSize });
    expect(row.mfu).toBeGreaterThan(0.1);
    expect(row.mfu).toBeCloseTo((3 * flops) / (3600 * 2.4e-7 * 1e12), 6);
    expect(row.mbu).toBeCloseTo((3 * bytes) / (3600 * 6.8e-8 * 1e12), 6);
    expect(row.kv_utilization).toBeCloseTo((3 * kvS) / (capacity * 3600), 6);
    // The fast path (one event per steady run) counts what the reference path counts per iteration.
    const reference = simulate(scenario, { fastForward: false }).hourly[0];
    expect([reference.mfu, reference.mbu, reference.kv_utilization]).toEqual([row.mfu, row.mbu, row.kv_utilization]);
  });

  it('draft: mfu and mbu add the draft model\'s k passes per step', () => {
    const scenario = scenarioWith({ method: 'draft', draft_model: draftModel }, twoTrace);
    const run = simulate(scenario);
    const row = run.hourly[0];
    expect(run.summary.completed).toBe(2);
    expect(run.summary.latency.e2e_ms.max).toBeLessThan(1800 * 1000);
    const w = iterationWork(scenario.pools[0].model, scenario.pools[0].gpu, 1);
    const wd = iterationWork(scenario.serving.speculative!.draftModel!, scenario.pools[0].gpu, 1);
    let flops = w.flops(1, P, 1, (P * P) / 2, 0);
    let bytes = w.bytes(1, P, 0);
    for (let j = 0; j < S; j++) {
      flops += w.flops(1, 1 + k, 1, k * D(j) + (k * k) / 2, D(j));
      bytes += w.bytes(1, 1 + k, D(j));
      for (let i = 0; i < k; i++) {
        flops += wd.flops(1, 1, 1, 0, D(j) + i);
        bytes += wd.bytes(1, 1, D(j) + i);
      }
    }
    expect(row.mfu).toBeCloseTo((2 * flops) / (3600 * 2.4e-7 * 1e12), 6);
    expect(row.mbu).toBeCloseTo((2 * bytes) / (3600 * 6.8e-8 * 1e12), 6);
  });
});

describe('a decode run that crosses an hour boundary or the horizon, by hand', () => {
  // One request alone on the toy replica above, arriving at 3000.5 s (a trace's times count from
  // its first row: a first request of Q = 10 prompt tokens and 1 output token, done in its
  // prefill [0, 1), fixes the origin and adds its prefill to hour 0). The main request's prefill is the
  // iteration [3000.5, 3001.5), decode iteration j = 0..O-2 is [3001.5 + j, 3002.5 + j) and holds
  // P + j KV tokens (every iteration 1 s, host overheads off). On the fast path the O - 1 decode
  // iterations are one steady run, which crosses 3600 s inside iteration J = 598 ([3599.5, 3600.5)).
  // Reference: the one-event-per-iteration path, where each iteration is counted on its own and the
  // one crossing the cut is split in proportion to its time (half each side here). Formula, hour 0:
  //   KV-seconds = Q + P x 1 + sum_{j<J} (P + j) + (P + J) / 2,  kv_utilization = that / (capacity x 3600);
  //   FLOPs = the prefills + sum_{j<J} decode_j + decode_J / 2 (bytes likewise), mfu = / (3600 x peak).
  // Spreading the run's average evenly instead (what the fast path did) counts 598.5 (P + 499)
  // KV-seconds for the run in hour 0, about 120,000 more (8.7%): 1.7e-3 of kv_utilization.
  // Tolerance: 6 decimals, the rows' rounding.
  const P = 2000;
  const O = 1000;
  const J = 598;
  const Q = 10;
  const dir = mkdtempSync(join(tmpdir(), 'capsim-fleet-cut-'));
  const traceAt = (t: number) => {
    const file = join(dir, `at-${t}.csv`);
    writeFileSync(file, `t,prompt,output\n0,${Q},1\n${t},${P},${O}\n`);
    return file;
  };
  const scenarioFor = (duration: string, speculative?: Record<string, unknown>, trace = traceAt(3000.5)) =>
    toyScenario('fleet-figures-cut', duration, trace, { max_queue_time: '1h', overhead: NO_HOST_TIME, ...(speculative ? { speculative } : {}) });
  const decodeFlops = (j: number) => 576 + 80 + 32 * (P + j);
  const decodeBytes = (j: number) => 656 + 272 + 16 * (P + j);
  const sum = (from: number, to: number, f: (j: number) => number) => {
    let s = 0;
    for (let j = from; j < to; j++) s += f(j);
    return s;
  };
  const prefillFlops = (p: number) => 576 * p + 80 + 32 * (p * p) / 2;
  const prefillBytes = (p: number) => 656 + 272 * p;
  const hour0 = {
    kvS: Q + P + sum(0, J, (j) => P + j) + (P + J) / 2,
    flops: prefillFlops(Q) + prefillFlops(P) + sum(0, J, decodeFlops) + decodeFlops(J) / 2,
    bytes: prefillBytes(Q) + prefillBytes(P) + sum(0, J, decodeBytes) + decodeBytes(J) / 2,
  };
  const hour1 = {
    kvS: (P + J) / 2 + sum(J + 1, O - 1, (j) => P + j),
    flops: decodeFlops(J) / 2 + sum(J + 1, O - 1, decodeFlops),
    bytes: decodeBytes(J) / 2 + sum(J + 1, O - 1, decodeBytes),
  };
  const expectHour = (row: { kv_utilization: number | null; mfu: number | null; mbu: number | null }, capacity: number, h: typeof hour0) => {
    expect(row.kv_utilization).toBeCloseTo(h.kvS / (capacity * 3600), 6);
    expect(row.mfu).toBeCloseTo(h.flops / (3600 * 2.4e-7 * 1e12), 6);
    expect(row.mbu).toBeCloseTo(h.bytes / (3600 * 6.8e-8 * 1e12), 6);
  };

  it.each([true, false])('the horizon (duration 1h), fast path %s', (fastForward) => {
    const scenario = scenarioFor('1h');
    const capacity = kvCapacityTokens(scenario.pools[0].model, scenario.pools[0].gpu, 1, scenario.serving.gpuMemoryUtilization, null, { batchTokens: scenario.serving.maxBatchTokens, batchSeqs: scenario.serving.maxBatchSize });
    const run = simulate(scenario, { fastForward });
    expect(run.summary.completed).toBe(2);
    // the spread average would be this far off: the case can tell the two apart
    expect((Q + P + 598.5 * (P + 499) - hour0.kvS) / (capacity * 3600)).toBeGreaterThan(1e-3);
    expectHour(run.hourly[0], capacity, hour0);
  });

  it.each([true, false])('an hour boundary (duration 2h), fast path %s', (fastForward) => {
    const scenario = scenarioFor('2h');
    const capacity = kvCapacityTokens(scenario.pools[0].model, scenario.pools[0].gpu, 1, scenario.serving.gpuMemoryUtilization, null, { batchTokens: scenario.serving.maxBatchTokens, batchSeqs: scenario.serving.maxBatchSize });
    const run = simulate(scenario, { fastForward });
    expectHour(run.hourly[0], capacity, hour0);
    expectHour(run.hourly[1], capacity, hour1);
  });

  it('speculative decoding (ngram, k = 3, acceptance 1): the fast path counts the crossing run as the reference does', () => {
    // The same request with 4 tokens a step, arriving at 3500.5 s: its 250-step run [3501.5,
    // 3751.5) crosses 3600 s in step 98. Reference: the one-event-per-iteration path; the hours'
    // rows equal to their rounding (6 decimals).
    const scenario = scenarioFor('2h', { tokens: 3, acceptance: 1, method: 'ngram' }, traceAt(3500.5));
    const fast = simulate(scenario).hourly;
    const reference = simulate(scenario, { fastForward: false }).hourly;
    expect(fast[0].kv_utilization).toBeGreaterThan(0.001);
    for (const h of [0, 1]) {
      for (const key of ['kv_utilization', 'mfu', 'mbu'] as const) expect(fast[h][key]).toBeCloseTo(reference[h][key]!, 6);
    }
  });
});
