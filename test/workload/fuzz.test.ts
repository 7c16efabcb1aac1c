/**
 * Seeded fuzzing of the workload loader: thousands of mutated documents must each either resolve
 * or fail with an InputError, never with anything else (a TypeError would be a crash for a user).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadWorkload, resolveWorkload } from '../../src/workload/load.js';

const dir = mkdtempSync(join(tmpdir(), 'capsim-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'trace.csv'), 'TIMESTAMP,ContextTokens,GeneratedTokens\n0,10,5\n');
writeFileSync(join(dir, 'lengths.csv'), 'prompt\n100\n200\n');
const workloadFile = join(dir, 'w.yaml');

const profile = [0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.2, 1.4, 1.5, 1.5, 1.4, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.5];

const SEEDS: readonly unknown[] = [
  {
    name: 'full',
    seed: 3,
    duration: '2h',
    traffic: { rate: 20, arrival: 'gamma', burstiness: 2, daily_profile: profile },
    classes: [
      {
        name: 'chat',
        weight: 0.8,
        prompt_tokens: { dist: 'lognormal', median: 900, p99: 6000, max: 32000 },
        output_tokens: { dist: 'normal', mean: 200, sd: 50 },
        shared_prefix_tokens: 600,
        slo: { ttft: '1s', tpot: '80ms', e2e: '20s' },
        retrieval: { latency: '40ms', added_tokens: 1500, cost_per_query: 0.00005 },
        prompt_compression: 0.3,
      },
      { name: 'nightly', priority: 'batch', deadline: '12h', prompt_tokens: 3000, output_tokens: { dist: 'uniform', min: 100, max: 400 } },
    ],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: {
      gpus: 8,
      gpus_per_replica: 2,
      pricing: { reserved: { gpus: 4, price_per_hour: 2.1 }, spot: { price_per_hour: 1.6, interruptions_per_hour: 0.02, notice: '2m' } },
      billing: 'per_hour',
      autoscale: { min: 2, max: 32, metric: 'queue_time', target: '500ms', provisioning: '3m', cooldown: '10m' },
      failures: { mtbf: '2000h', repair: '1h' },
      spares: 1,
    },
    serving: { batching: 'static', max_batch_size: 64, max_batch_tokens: 4096, batch_window: '20ms', router: 'shared_queue', max_queue_time: '60s', gpu_memory_utilization: 0.85 },
    perf: { prefill: { base: '5ms', per_token: '0.05ms' }, decode: { base: '8ms', per_seq: '0.05ms', per_kv_token: '0.00002ms' } },
    cache: { response: { distinct: 10000, zipf: 1.1, capacity: 1000, ttl: '1h', latency: '5ms', price_per_hour: 0.5, price_per_lookup: 0.000001 }, prefix: true },
    api: { name: 'gpt-4o-mini', ttft: '500ms', tokens_per_second: 90, use_for: 'overflow' },
    costs: { electricity_per_kwh: 0.12, pue: 1.3, hourly: { monitoring: 3 }, per_request: { logging: 0.00002 }, amortized: { fine_tuning: { cost: 20000, over: '180d' } } },
  },
  {
    traffic: { rate: 5 },
    classes: [
      { name: 'chat', prompt_tokens: { dist: 'empirical', file: 'lengths.csv', column: 'prompt' }, output_tokens: { dist: 'exponential', mean: 100 } },
      { name: 'hard', prompt_tokens: { dist: 'lognormal', mean: 2000, sd: 800 }, output_tokens: 300 },
      { name: 'rare', prompt_tokens: 10, output_tokens: 10 },
    ],
    pools: [
      { name: 'small', model: 'llama-3.2-3b', gpu: 'l4', gpus: 4, serves: ['chat'] },
      {
        name: 'large',
        model: { params: '70b', layers: 80, hidden_size: 8192, attention_heads: 64, kv_heads: 8, bytes_per_param: 1 },
        gpu: { memory_gb: 80, bf16_tflops: 989, bandwidth_tbps: 3.35, tdp_w: 700, price_per_hour: 4 },
        gpus: 4,
        gpus_per_replica: 2,
        pricing: 'spot',
        serves: ['hard'],
      },
    ],
    api: { input_per_million: 1, output_per_million: 4, use_for: ['rare'] },
  },
  {
    traffic: {
      trace: {
        file: 'trace.csv',
        format: 'csv',
        speedup: 2,
        loop: true,
        start: '1m',
        end: '1h',
        columns: { time: 'TIMESTAMP', time_unit: 'ms', prompt: 'ContextTokens', output: 'GeneratedTokens' },
        class_column: 'kind',
        class_map: { a: 'chat' },
      },
    },
    classes: [{ name: 'chat', slo: { ttft: 2 } }, { name: 'other' }],
    fleet: { gpus: 2, pricing: 3.5 },
    cache: { response: { hit_rate: 0.1 } },
  },
  {
    traffic: { rate: 1 },
    classes: [{ name: 'only', prompt_tokens: 10, output_tokens: 10 }],
    api: { name: 'claude-haiku-4.5', use_for: 'all' },
  },
];

const ODD_VALUES: readonly unknown[] = [
  -1, 0, 1, 2.5, 1e308, -1e308, 2 ** 53, 1e-300, Number.NaN, Number.POSITIVE_INFINITY,
  '', 'abc', 'NaN', 'Infinity', '-3s', '5 minutes', '1h', '8b', 'lognormal', 'chat', 'all', 'trace',
  null, true, false, [], {}, [1, 2], { x: 1 }, { dist: 'fixed', value: 3 }, [{ name: 'x' }], Array(24).fill(0),
];

const UNKNOWN_KEYS = ['trafic', 'clases', 'gpuss', 'dist', 'name', 'max', '__proto__', 'constructor', 'toString', '0', ''];

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];

/** Every [container, key] pair of the document, for picking a place to mutate. */
function places(value: unknown, out: [Record<string | number, unknown>, string | number][] = []) {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const k = Array.isArray(value) ? Number(key) : key;
      out.push([value as Record<string | number, unknown>, k]);
      places((value as Record<string, unknown>)[key], out);
    }
  }
  return out;
}

function mutate(doc: unknown, random: Random): unknown {
  const all = places(doc);
  if (all.length === 0) return pick(random, ODD_VALUES);
  const [container, key] = pick(random, all);
  const value = container[key];
  switch (Math.floor(random() * 9)) {
    case 0:
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete container[key];
      break;
    case 1:
      container[key] = pick(random, ODD_VALUES);
      break;
    case 2:
      container[key] = typeof value === 'number' ? String(value) : typeof value === 'string' ? Number(value) || value.length : value;
      break;
    case 3:
      container[key] = typeof value === 'number' ? -value : value;
      break;
    case 4:
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        (value as Record<string, unknown>)[pick(random, UNKNOWN_KEYS)] = pick(random, ODD_VALUES);
      } else container[key] = { value };
      break;
    case 5:
      if (Array.isArray(value) && value.length > 0) value.push(structuredClone(value[0]));
      else container[key] = [value];
      break;
    case 6:
      container[key] = { [pick(random, UNKNOWN_KEYS)]: value };
      break;
    case 7:
      container[key] = typeof value === 'number' ? value * pick(random, [1e6, 1e-6, 0.5, 3]) : value;
      break;
    default: {
      const [from, fromKey] = pick(random, all);
      container[key] = structuredClone(from[fromKey] ?? null);
    }
  }
  return doc;
}

function outcome(run: () => unknown): 'ok' | 'input-error' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof InputError) {
      for (const p of error.problems) expect(p.message.length).toBeGreaterThan(0);
      return 'input-error';
    }
    throw error;
  }
}

describe('fuzzed workloads', () => {
  it('each seed document is valid', () => {
    for (const seed of SEEDS) resolveWorkload(structuredClone(seed), { file: workloadFile });
  });

  it('3000 mutated documents resolve or fail with an InputError, quickly', () => {
    const random = seedrandom('capsim-workload-fuzz');
    const counts = { ok: 0, 'input-error': 0 };
    // CPU time of this process, not wall time: the bound catches a runaway loader, not a busy machine.
    const started = process.cpuUsage();
    for (let i = 0; i < 3000; i++) {
      let doc = structuredClone(pick(random, SEEDS));
      const mutations = 1 + Math.floor(random() * 4);
      for (let m = 0; m < mutations; m++) doc = mutate(doc, random);
      const snapshot = JSON.stringify(doc);
      try {
        counts[outcome(() => resolveWorkload(doc, { file: workloadFile }))]++;
      } catch (error) {
        throw new Error(`document ${i} crashed the loader: ${String(error)}\n${snapshot}`, { cause: error });
      }
    }
    const used = process.cpuUsage(started);
    const elapsedMs = (used.user + used.system) / 1000;
    expect(counts.ok).toBeGreaterThan(100);
    expect(counts['input-error']).toBeGreaterThan(1000);
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('300 mutated YAML texts load or fail with an InputError', () => {
    const random = seedrandom('capsim-yaml-fuzz');
    for (let i = 0; i < 300; i++) {
      let text = stringify(pick(random, SEEDS));
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * text.length);
        const op = Math.floor(random() * 4);
        if (op === 0) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8));
        else if (op === 1) text = text.slice(0, at) + pick(random, [':', '[', '{', '\t', '"', '- ', '\n  ', '&a ', '*a', '#', '}', '?']) + text.slice(at);
        else if (op === 2) text = text.slice(0, at) + text.slice(at).replace(/\n/, '\n ');
        else text = text.slice(0, at) + text.slice(at).replace(/[0-9]+/, String(pick(random, ['-1', '0', '1e999', '0x10', '.5', '1_000'])));
      }
      writeFileSync(workloadFile, text);
      const snapshot = text;
      try {
        outcome(() => loadWorkload(workloadFile));
      } catch (error) {
        throw new Error(`text ${i} crashed the loader: ${String(error)}\n${snapshot}`, { cause: error });
      }
    }
  });
});
