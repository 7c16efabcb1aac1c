import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { captureIo } from './captureIo.js';

describe('capsim validate', () => {
  it('prints the resolved workload as readable YAML with units in the keys', async () => {
    const io = captureIo();
    expect(await main(['validate', 'workloads/chatbot.yaml'], io)).toBe(0);
    expect(io.stderr()).toBe('');
    const text = io.stdout();
    expect(text.split('\n')[0]).toBe('# workloads/chatbot.yaml: valid. Resolved with every default filled in.');
    const shown = parse(text);
    expect(shown.duration_s).toBe(86_400);
    expect(shown.traffic.rate_per_s).toBe(20);
    expect(shown.classes[0].slo).toEqual({ ttft_s: 1, tpot_s: 0.08, e2e_s: 20 });
    expect(shown.classes[0].prompt_tokens).toMatchObject({ dist: 'lognormal', median: 900, p99: 6000 });
    expect(shown.pools[0].gpu).toMatchObject({ name: 'h100-sxm', memory_gb: 80, tdp_w: 700 });
    expect(shown.pools[0].model).toMatchObject({ name: 'llama-3.1-8b', layers: 32 });
    expect(shown.serving.max_queue_time_s).toBe(60);
  });

  it('prints JSON with --json, applying --set and --seed', async () => {
    const io = captureIo();
    const code = await main(['validate', 'workloads/chatbot.yaml', '--json', '--set', 'fleet.gpus=4', '--seed', '9'], io);
    expect(code).toBe(0);
    const shown = JSON.parse(io.stdout());
    expect(shown.seed).toBe(9);
    expect(shown.pools[0].gpus).toBe(4);
    expect(shown.classes[1].output_tokens).toEqual({ dist: 'uniform', min: 100, max: 400 });
    expect(shown.classes[0].prompt_tokens.mu).toBeCloseTo(Math.log(900), 12);
  });

  it('prints an uncapped max as .inf in YAML and null in JSON', async () => {
    const text = captureIo();
    await main(['validate', 'workloads/chatbot.yaml', '--set', 'classes[0].output_tokens=50'], text);
    expect(text.stdout()).toContain('max: .inf');
    const json = captureIo();
    await main(['validate', 'workloads/chatbot.yaml', '--json', '--set', 'classes[0].output_tokens=50'], json);
    expect(JSON.parse(json.stdout()).classes[0].output_tokens).toEqual({ dist: 'fixed', value: 50, max: null });
  });

  it('exits 2 for a missing file, naming it', async () => {
    const io = captureIo();
    expect(await main(['validate', 'no/such/workload.yaml'], io)).toBe(2);
    expect(io.stderr()).toBe('capsim: no/such/workload.yaml: cannot read the workload file: no such file\n');
  });

  it('exits 2 without a file argument', async () => {
    const io = captureIo();
    expect(await main(['validate'], io)).toBe(2);
    expect(io.stderr()).toContain('missing required argument');
  });
});
