import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findApi, findGpu, findModel, pricingMultipliers } from '../../src/catalog/catalog.js';
import { InputError } from '../../src/errors.js';
import { DEFAULT_WORKLOAD_FILE, loadWorkload, resolveWorkload } from '../../src/workload/load.js';

const dir = mkdtempSync(join(tmpdir(), 'capsim-resolve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The smallest valid workload. */
const minimal = () => ({
  traffic: { rate: 10 },
  classes: [{ name: 'chat', prompt_tokens: 500, output_tokens: 100 }],
  fleet: { gpus: 2 },
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('defaults', () => {
  const s = resolveWorkload(minimal());

  it('fills in the top level, traffic and classes', () => {
    expect(s.name).toBe('workload');
    expect(s.seed).toBe(1);
    expect(s.durationS).toBe(86_400);
    expect(s.sourceFile).toBeNull();
    expect(s.traffic).toEqual({ ratePerS: 10, arrival: 'poisson', burstiness: 1, users: 0, thinkTime: null, dailyProfile: null, weeklyProfile: null, growth: null, trace: null });
    expect(s.classes[0]).toEqual({
      name: 'chat',
      weight: 1,
      promptTokens: { dist: 'fixed', value: 500, max: Number.POSITIVE_INFINITY },
      outputTokens: { dist: 'fixed', value: 100, max: Number.POSITIVE_INFINITY },
      sharedPrefixTokens: 0,
      slo: { ttftS: null, tpotS: null, e2eS: null },
      priority: 'interactive',
      deadlineS: null,
      retrieval: null,
      promptCompression: 0,
      compressionLatencyS: 0,
    });
  });

  it('makes one pool named default with the default model, GPU and on-demand price', () => {
    expect(s.pools).toHaveLength(1);
    const pool = s.pools[0];
    expect(pool.name).toBe('default');
    expect(pool.model).toEqual(findModel('llama-3.1-8b'));
    expect(pool.gpu).toEqual(findGpu('h100-sxm'));
    expect(pool.gpus).toBe(2);
    expect(pool.gpusPerReplica).toBe(1);
    expect(pool.replicas).toBe(2);
    expect(pool.serves).toEqual(['chat']);
    expect(pool.pricing).toEqual({
      reserved: null,
      onTop: { kind: 'on_demand', pricePerHour: findGpu('h100-sxm')!.pricePerHour },
      spot: null,
    });
    expect(pool.billing).toBe('per_second');
    expect(pool.autoscale).toBeNull();
    expect(pool.failures).toBeNull();
    expect(pool.spares).toBe(0);
  });

  it('fills in serving, cache, api and costs', () => {
    expect(s.serving).toEqual({
      batching: 'continuous',
      maxBatchSize: 256,
      maxBatchTokens: 8192,
      batchWindowS: 0.02,
      router: 'least_loaded',
      maxQueueTimeS: 60,
      gpuMemoryUtilization: 0.9,
      scheduler: 'chunked_prefill',
      // The host overheads fitted on the vLLM v0.15.1 H100 runs (docs/gpu-model.md "Host overheads").
      overhead: { perRequestS: 0.0104, perIterationS: 0.00048, outputIterations: 1 },
      speculative: null,
    });
    expect(s.perf).toBeNull();
    expect(s.cache).toEqual({ response: null, prefix: false });
    expect(s.api).toBeNull();
    expect(s.costs).toEqual({ electricityPerKwh: 0.12, pue: 1.3, hourly: {}, perRequest: {}, amortizedPerHour: {}, storage: null });
  });

  it('turns the host overheads off when a workload sets them to 0, and keeps the defaults of keys it leaves out', () => {
    const off = resolveWorkload({ ...minimal(), serving: { overhead: { per_request: 0, per_iteration: 0, output_iterations: 0 } } });
    expect(off.serving.overhead).toEqual({ perRequestS: 0, perIterationS: 0, outputIterations: 0 });
    const some = resolveWorkload({ ...minimal(), serving: { overhead: { per_request: '5ms' } } });
    expect(some.serving.overhead).toEqual({ perRequestS: 0.005, perIterationS: 0.00048, outputIterations: 1 });
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.classes[0].slo)).toBe(true);
    expect(Object.isFrozen(s.pools[0].pricing.onTop)).toBe(true);
    expect(() => {
      (s.serving as { maxBatchSize: number }).maxBatchSize = 1;
    }).toThrow(TypeError);
  });

  it('does not modify the document it was given', () => {
    const doc = minimal();
    const copy = structuredClone(doc);
    resolveWorkload(doc, { set: ['fleet.gpus=4', 'serving.router=random'] });
    expect(doc).toEqual(copy);
  });
});

describe('normalisation and conversions', () => {
  it('normalises class weights to sum 1 and the daily profile to mean 1', () => {
    const s = resolveWorkload({
      ...minimal(),
      traffic: { rate: 5, daily_profile: [...Array(12).fill(1), ...Array(12).fill(3)] },
      classes: [
        { name: 'a', weight: 3, prompt_tokens: 1, output_tokens: 1 },
        { name: 'b', prompt_tokens: 1, output_tokens: 1 },
      ],
    });
    expect(s.classes.map((c) => c.weight)).toEqual([0.75, 0.25]);
    expect(s.traffic.dailyProfile![0]).toBeCloseTo(0.5, 12);
    expect(s.traffic.dailyProfile![23]).toBeCloseTo(1.5, 12);
    expect(s.traffic.dailyProfile!.reduce((a, b) => a + b, 0) / 24).toBeCloseTo(1, 12);
  });

  it('converts durations to seconds everywhere', () => {
    const s = resolveWorkload({
      ...minimal(),
      duration: '2h',
      classes: [
        {
          name: 'chat',
          prompt_tokens: 1,
          output_tokens: 1,
          slo: { ttft: '500ms', tpot: 0.05, e2e: '1m' },
          retrieval: { latency: '40ms', added_tokens: 1500, cost_per_query: 0.00005 },
          prompt_compression: 0.3,
        },
        { name: 'nightly', prompt_tokens: 1, output_tokens: 1, priority: 'batch', deadline: '12h' },
      ],
      serving: { batch_window: '5ms', max_queue_time: '2m' },
    });
    expect(s.durationS).toBe(7200);
    expect(s.classes[0].slo).toEqual({ ttftS: 0.5, tpotS: 0.05, e2eS: 60 });
    expect(s.classes[0].retrieval).toEqual({ latencyS: 0.04, addedTokens: 1500, costPerQuery: 0.00005 });
    expect(s.classes[0].promptCompression).toBe(0.3);
    expect(s.classes[1].deadlineS).toBe(43_200);
    expect(s.serving.batchWindowS).toBeCloseTo(0.005, 15);
    expect(s.serving.maxQueueTimeS).toBe(120);
  });

  it('resolves every kind of token distribution', () => {
    const dists = [
      5,
      { dist: 'fixed', value: 7, max: 5 },
      { dist: 'uniform', min: 100, max: 400 },
      { dist: 'exponential', mean: 200, max: 1000 },
      { dist: 'normal', mean: 300, sd: 50 },
      { dist: 'lognormal', median: 900, p99: 6000 },
    ];
    const s = resolveWorkload({
      ...minimal(),
      classes: dists.map((d, i) => ({ name: `c${i}`, prompt_tokens: d, output_tokens: 1 })),
    });
    const inf = Number.POSITIVE_INFINITY;
    expect(s.classes.map((c) => c.promptTokens)).toEqual([
      { dist: 'fixed', value: 5, max: inf },
      { dist: 'fixed', value: 7, max: 5 },
      { dist: 'uniform', min: 100, max: 400 },
      { dist: 'exponential', mean: 200, max: 1000 },
      { dist: 'normal', mean: 300, sd: 50, max: inf },
      { dist: 'lognormal', mu: Math.log(900), sigma: expect.any(Number), max: inf },
    ]);
  });

  it('loads an empirical distribution from a trace column next to the workload', () => {
    writeFileSync(join(dir, 'lengths.csv'), 'id,prompt\n1,120\n2,340\n3,56\n');
    const s = resolveWorkload(
      { ...minimal(), classes: [{ name: 'chat', prompt_tokens: { dist: 'empirical', file: 'lengths.csv', column: 'prompt' }, output_tokens: 1 }] },
      { file: join(dir, 'w.yaml') },
    );
    expect(s.classes[0].promptTokens).toEqual({
      dist: 'empirical',
      file: join(dir, 'lengths.csv'),
      column: 'prompt',
      values: [120, 340, 56],
      max: Number.POSITIVE_INFINITY,
    });
  });

  it('reports a missing empirical column with the trace file and the key', () => {
    writeFileSync(join(dir, 'lengths2.csv'), 'id,prompt\n1,120\n');
    const error = (() => {
      try {
        resolveWorkload(
          { ...minimal(), classes: [{ name: 'chat', prompt_tokens: { dist: 'empirical', file: 'lengths2.csv', column: 'tokens' }, output_tokens: 1 }] },
          { file: join(dir, 'w.yaml') },
        );
      } catch (e) {
        return e as InputError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error.problems[0]).toMatchObject({ file: join(dir, 'lengths2.csv'), path: 'classes[0].prompt_tokens.file' });
    expect(error.problems[0].message).toContain('no column "tokens"');
  });

  it('converts amortized costs to USD per hour', () => {
    const s = resolveWorkload({
      ...minimal(),
      costs: { hourly: { monitoring: 3 }, per_request: { logging: 0.00002 }, amortized: { fine_tuning: { cost: 20_000, over: '180d' } } },
    });
    expect(s.costs.amortizedPerHour.fine_tuning).toBeCloseTo(20_000 / (180 * 24), 12);
    expect(s.costs.hourly).toEqual({ monitoring: 3 });
    expect(s.costs.perRequest).toEqual({ logging: 0.00002 });
  });

  it('accepts inline model and GPU specs, with parameter counts like 8b', () => {
    const s = resolveWorkload({
      ...minimal(),
      model: { name: 'my-8b', params: '8b', layers: 32, hidden_size: 4096, attention_heads: 32, kv_heads: 8 },
      gpu: { name: 'my-gpu', memory_gb: 80, bf16_tflops: 900, bandwidth_tbps: 3, tdp_w: 700, price_per_hour: 4 },
    });
    const { model, gpu } = s.pools[0];
    expect(model).toMatchObject({ name: 'my-8b', params: 8e9, activeParams: 8e9, headDim: 128, kvHeads: 8, bytesPerParam: 2, experts: 1 });
    expect(gpu).toMatchObject({ name: 'my-gpu', memoryGb: 80, idleW: 105, pricePerHour: 4, fp8Tflops: null, interconnectGbps: null });
  });
});

describe('pricing', () => {
  const price = findGpu('h100-sxm')!.pricePerHour;
  const pricingOf = (pricing: unknown, fleet: object = {}) =>
    resolveWorkload({ ...minimal(), fleet: { gpus: 8, pricing, ...fleet } }).pools[0].pricing;

  it('derives spot and reserved from the catalog multipliers', () => {
    expect(pricingOf('spot')).toEqual({
      reserved: null,
      onTop: { kind: 'spot', pricePerHour: price * pricingMultipliers.spot },
      spot: { pricePerHour: price * pricingMultipliers.spot, interruptionsPerHour: 0, noticeS: 120 },
    });
    expect(pricingOf('reserved')).toEqual({
      reserved: { gpus: 8, pricePerHour: price * pricingMultipliers.reserved },
      onTop: { kind: 'reserved', pricePerHour: price * pricingMultipliers.reserved },
      spot: null,
    });
  });

  it('takes a number as the price per GPU-hour', () => {
    expect(pricingOf(2.5)).toEqual({ reserved: null, onTop: { kind: 'custom', pricePerHour: 2.5 }, spot: null });
  });

  it('resolves a mix of a reserved base and spot on top', () => {
    expect(pricingOf({ reserved: { gpus: 4, price_per_hour: 2.1 }, spot: { price_per_hour: 1.6, interruptions_per_hour: 0.02, notice: '2m' } })).toEqual({
      reserved: { gpus: 4, pricePerHour: 2.1 },
      onTop: { kind: 'spot', pricePerHour: 1.6 },
      spot: { pricePerHour: 1.6, interruptionsPerHour: 0.02, noticeS: 120 },
    });
    expect(pricingOf({ reserved: { gpus: 4 } })).toEqual({
      reserved: { gpus: 4, pricePerHour: price * pricingMultipliers.reserved },
      onTop: { kind: 'on_demand', pricePerHour: price },
      spot: null,
    });
  });

  it('rejects on_demand and spot together, and an inline GPU without a price', () => {
    expect(problemsOf(() => pricingOf({ on_demand: {}, spot: {} }))).toEqual([
      'fleet.pricing: put either on_demand or spot on top of the reserved base, not both',
    ]);
    expect(
      problemsOf(() =>
        resolveWorkload({ ...minimal(), gpu: { memory_gb: 80, bf16_tflops: 900, bandwidth_tbps: 3, tdp_w: 700 } }),
      ),
    ).toEqual(["gpu.price_per_hour: is required: pricing: on_demand is derived from the GPU's on-demand price"]);
  });
});

describe('fleets, pools and the hosted API', () => {
  it('routes classes to pools', () => {
    const s = resolveWorkload({
      traffic: { rate: 10 },
      classes: [
        { name: 'chat', prompt_tokens: 100, output_tokens: 10 },
        { name: 'summarize', prompt_tokens: 3000, output_tokens: 200 },
      ],
      pools: [
        { name: 'small', model: 'llama-3.2-3b', gpu: 'l4', gpus: 4, serves: ['chat'] },
        { name: 'large', model: 'llama-3.1-70b', gpu: 'h100-sxm', gpus: 8, gpus_per_replica: 4, serves: ['summarize'] },
      ],
    });
    expect(s.pools.map((p) => [p.name, p.model.name, p.gpu.name, p.replicas, p.serves])).toEqual([
      ['small', 'llama-3.2-3b', 'l4', 4, ['chat']],
      ['large', 'llama-3.1-70b', 'h100-sxm', 2, ['summarize']],
    ]);
  });

  it('lets the API serve classes no pool serves, and reports unserved classes', () => {
    const classes = [
      { name: 'chat', prompt_tokens: 100, output_tokens: 10 },
      { name: 'rare', prompt_tokens: 100, output_tokens: 10 },
    ];
    const pools = [{ name: 'p', gpus: 1, serves: ['chat'] }];
    const s = resolveWorkload({ traffic: { rate: 1 }, classes, pools, api: { name: 'gpt-4o-mini', use_for: ['rare'] } });
    expect(s.api).toEqual({
      name: 'gpt-4o-mini',
      inputPerMillion: findApi('gpt-4o-mini')!.inputPerMillion,
      outputPerMillion: findApi('gpt-4o-mini')!.outputPerMillion,
      ttftS: 0.5,
      tokensPerSecond: 90,
      useFor: ['rare'],
      jitter: 0,
      rateLimit: null,
      overflowThreshold: 0.5,
    });
    expect(problemsOf(() => resolveWorkload({ traffic: { rate: 1 }, classes, pools }))).toEqual([
      "classes[1].name: class 'rare' is served by no pool; add it to a pool's serves or to api.use_for",
    ]);
  });

  it('needs no fleet when the API serves everything', () => {
    const s = resolveWorkload({
      traffic: { rate: 1 },
      classes: [{ name: 'chat', prompt_tokens: 100, output_tokens: 10 }],
      api: { input_per_million: 1, output_per_million: 2, use_for: 'all', ttft: '300ms' },
    });
    expect(s.pools).toEqual([]);
    expect(s.api).toMatchObject({ name: 'custom-api', inputPerMillion: 1, outputPerMillion: 2, ttftS: 0.3, useFor: 'all' });
  });

  it('rejects a class served by two pools', () => {
    expect(
      problemsOf(() =>
        resolveWorkload({
          traffic: { rate: 1 },
          classes: [{ name: 'chat', prompt_tokens: 100, output_tokens: 10 }],
          pools: [
            { name: 'a', gpus: 1, serves: ['chat'] },
            { name: 'b', gpus: 1, serves: ['chat'] },
          ],
        }),
      ),
    ).toEqual(["pools[1].serves[0]: class 'chat' is already served by pool 'a'; a class is served by one pool"]);
  });

  it('resolves autoscaling, failures and spares', () => {
    const pool = resolveWorkload({
      ...minimal(),
      fleet: {
        gpus_per_replica: 2,
        autoscale: { min: 2, max: 32, target: '500ms', provisioning: '3m', cooldown: '10m' },
        failures: { mtbf: '2000h', repair: '1h' },
        spares: 1,
        billing: 'per_hour',
      },
    }).pools[0];
    expect(pool.gpus).toBe(2);
    expect(pool.autoscale).toEqual({ schedule: null, min: 2, max: 32, metric: 'queue_time', target: 0.5, provisioningS: 180, cooldownS: 600 });
    expect(pool.failures).toEqual({ mtbfS: 2000 * 3600, repairS: 3600 });
    expect(pool.spares).toBe(1);
    expect(pool.billing).toBe('per_hour');
  });

  it('resolves an autoscaling schedule', () => {
    const schedule = Array.from({ length: 24 }, (_, h) => (h < 8 ? 2 : 6));
    const pool = resolveWorkload({ ...minimal(), fleet: { autoscale: { schedule, metric: 'utilization' } } }).pools[0];
    expect(pool.gpus).toBe(2);
    expect(pool.autoscale).toMatchObject({ schedule, min: 2, max: 6, metric: 'utilization', target: 0.7 });
  });
});

describe('traces', () => {
  const trace = join(dir, 'conv.csv');
  writeFileSync(trace, 'TIMESTAMP,ContextTokens,GeneratedTokens\n');
  const traced = (t: object, extra: object = {}) =>
    resolveWorkload(
      { traffic: { trace: { file: 'conv.csv', format: 'azure', ...t } }, classes: [{ name: 'chat' }], fleet: { gpus: 1 }, ...extra },
      { file: join(dir, 'w.yaml') },
    );

  it('replays a trace without token distributions, until it ends', () => {
    const s = traced({});
    expect(s.durationS).toBeNull();
    expect(s.traffic.arrival).toBe('trace');
    expect(s.traffic.trace).toEqual({
      file: trace,
      format: 'azure',
      speedup: 1,
      loop: false,
      startS: null,
      endS: null,
      columns: null,
      classColumn: null,
      classMap: null,
      defaultClass: 'chat',
    });
    expect(s.classes[0].promptTokens).toBeNull();
  });

  it('loops for 24 h by default, or for the given duration', () => {
    expect(traced({ loop: true }).durationS).toBe(86_400);
    expect(traced({}, { duration: '1h' }).durationS).toBe(3600);
  });

  it('maps a csv trace with a class column', () => {
    const s = resolveWorkload(
      {
        traffic: {
          trace: {
            file: 'conv.csv',
            format: 'csv',
            start: '1h',
            end: '2h',
            columns: { time: 'TIMESTAMP', time_unit: 'ms', prompt: 'ContextTokens', output: 'GeneratedTokens' },
            class_column: 'kind',
            class_map: { '0': 'chat', '1': 'code' },
          },
        },
        classes: [{ name: 'chat' }, { name: 'code' }],
        fleet: { gpus: 1 },
      },
      { file: join(dir, 'w.yaml') },
    );
    expect(s.traffic.trace).toMatchObject({
      startS: 3600,
      endS: 7200,
      columns: { time: 'TIMESTAMP', timeUnit: 'ms', prompt: 'ContextTokens', output: 'GeneratedTokens', class: null },
      classColumn: 'kind',
      classMap: { '0': 'chat', '1': 'code' },
      defaultClass: 'chat',
    });
  });

  it('needs the class of the rows when there are several classes', () => {
    expect(problemsOf(() => traced({}, { classes: [{ name: 'a' }, { name: 'b' }] }))).toEqual([
      "traffic.trace.class: is required: the workload has 2 classes; name the class of the trace's rows, or give class_column",
    ]);
  });
});

describe('loadWorkload', () => {
  it('loads the bundled default workload for null', () => {
    const s = loadWorkload(null);
    expect(s.name).toBe('chatbot');
    expect(s.sourceFile).toBe(DEFAULT_WORKLOAD_FILE);
    expect(s.classes.map((c) => c.name)).toEqual(['chat', 'summarize']);
    expect(s.pools[0].model.name).toBe('llama-3.1-8b');
  });

  it('overrides the file seed with the seed option', () => {
    expect(loadWorkload(null, { seed: 7 }).seed).toBe(7);
  });

  it('reads JSON workloads', () => {
    const file = join(dir, 'w.json');
    writeFileSync(file, JSON.stringify({ name: 'from-json', ...minimal() }, null, 2));
    expect(loadWorkload(file).name).toBe('from-json');
  });

  it('names the workload after its file when it has no name', () => {
    const file = join(dir, 'my-service.yaml');
    writeFileSync(file, 'traffic: {rate: 1}\nclasses: [{name: a, prompt_tokens: 1, output_tokens: 1}]\nfleet: {gpus: 1}\n');
    expect(loadWorkload(file).name).toBe('my-service');
  });

  it('reports a missing file', () => {
    const file = join(dir, 'nope.yaml');
    expect(() => loadWorkload(file)).toThrow(InputError);
    expect(problemsOf(() => loadWorkload(file))).toEqual([': cannot read the workload file: no such file']);
  });

  it('reports every problem of a document at once, in line order', () => {
    const file = join(dir, 'many.yaml');
    writeFileSync(file, 'traffic:\n  rate: -1\nclasses:\n  - name: a\n    prompt_tokens: 0\n    output_tokens: 1\nfleet:\n  gpus: 1.5\n');
    try {
      loadWorkload(file);
      throw new Error('expected an error');
    } catch (error) {
      expect((error as InputError).problems.map((p) => [p.line, p.path])).toEqual([
        [2, 'traffic.rate'],
        [5, 'classes[0].prompt_tokens'],
        [8, 'fleet.gpus'],
      ]);
    }
  });
});

describe('token counts from a trace with synthetic arrival times', () => {
  it('keeps the trace and needs a rate with arrival poisson', () => {
    writeFileSync(join(dir, 'lengths.vidur.csv'), 'num_prefill_tokens,num_decode_tokens\n100,10\n');
    const doc = (traffic: object) => ({
      traffic: { trace: { file: 'lengths.vidur.csv', format: 'vidur' }, arrival: 'poisson', ...traffic },
      classes: [{ name: 'chat' }],
      fleet: { gpus: 1 },
    });
    const s = resolveWorkload(doc({ rate: 3 }), { file: join(dir, 'w.yaml') });
    expect(s.traffic).toMatchObject({ arrival: 'poisson', ratePerS: 3, trace: { format: 'vidur' } });
    expect(s.durationS).toBe(86_400);
    expect(s.classes[0].promptTokens).toBeNull();
    expect(problemsOf(() => resolveWorkload(doc({}), { file: join(dir, 'w.yaml') }))).toEqual([
      'traffic.rate: is required: mean arrivals per second (e.g. rate: 20), or requests_per_day (e.g. requests_per_day: 300000), with arrival: poisson, the trace supplies only token counts',
    ]);
  });
});
