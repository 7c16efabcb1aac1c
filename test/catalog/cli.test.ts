import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), errIsTty: false };
  const code = await main(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

describe('capsim catalog', () => {
  it('lists every GPU, model and API with dated, sourced prices', async () => {
    const r = await run('catalog');
    expect(r.code).toBe(0);
    for (const name of ['h100-sxm', 'mi300x', 'llama-3.1-405b', 'mixtral-8x7b', 'gpt-4.1-nano', 'gemini-2.5-flash-lite']) {
      expect(r.out).toContain(name);
    }
    expect(r.out).toContain('AWS p5.48xlarge');
    expect(r.out).toContain('2026-09-10');
    expect(r.out).toContain('GUESS');
    expect(r.out).toContain('Pricing multipliers');
    expect(r.out).toMatch(/h100-sxm .* yes /);
    expect(r.out).toMatch(/a100-80gb .* weight-only /);
  });

  it('--json is machine-readable', async () => {
    const r = await run('catalog', '--json');
    const data = JSON.parse(r.out);
    expect(data.gpus).toHaveLength(9);
    expect(data.models).toHaveLength(11);
    expect(data.apis).toHaveLength(9);
    for (const g of data.gpus) expect(g).toMatchObject({ price_date: expect.any(String), price_source: expect.any(String) });
    for (const a of data.apis) expect(a).toMatchObject({ date: expect.any(String), source: expect.any(String) });
  });
});

describe('capsim calibrate', () => {
  const fixture = path.join(repoRoot, 'test/fixtures/gpu/a100-llama2-7b-steps.csv');

  it('prints the table, the factors and a perf block', async () => {
    const r = await run('calibrate', fixture);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/case\s+measured ms\s+predicted ms\s+error %/);
    expect(r.out).toContain('decode b128 kv2048');
    expect(r.out).toContain('weight_bandwidth_eff');
    expect(r.out).toMatch(/perf:\n {2}prefill: \{ base: [\d.]+ms, per_token: [\d.e-]+ms \}/);
  });

  it('--json', async () => {
    const r = await run('calibrate', fixture, '--json');
    const data = JSON.parse(r.out);
    expect(data.rows).toHaveLength(10);
    expect(data.factors.compute_eff).toBeGreaterThan(0);
    expect(data.perf[0].perf.decode.per_seq).toMatch(/ms$/);
  });

  it('bad input exits 2 with file and line', async () => {
    const r = await run('calibrate', path.join(repoRoot, 'test/fixtures/gpu/does-not-exist.csv'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('does-not-exist.csv');
    const unknown = await run('calibrate', fixture, '--tp', '9');
    expect(unknown.code).toBe(2);
  });
});
