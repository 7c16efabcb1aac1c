import { describe, expect, it } from 'vitest';
import {
  apiNames,
  findApi,
  findGpu,
  findModel,
  gpuNames,
  loadCatalog,
  modelNames,
  parseCatalog,
  pricingMultipliers,
} from '../../src/catalog/catalog.js';
import { InputError } from '../../src/errors.js';

// The names PRODUCT.md fixes ("Catalog names").
const GPUS = ['h100-sxm', 'h100-pcie', 'h200', 'a100-80gb', 'a100-40gb', 'l40s', 'l4', 'a10g', 'mi300x'];
const MODELS = [
  'llama-3.2-1b', 'llama-3.2-3b', 'llama-2-7b', 'mistral-7b', 'qwen2.5-7b', 'llama-3.1-8b',
  'mixtral-8x7b', 'llama-2-70b', 'llama-3.1-70b', 'qwen2.5-72b', 'llama-3.1-405b',
];
const APIS = [
  'gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'claude-haiku-4.5',
  'claude-sonnet-4.5', 'gemini-2.5-flash', 'gemini-2.5-flash-lite',
];

describe('built-in catalog', () => {
  it('has every name PRODUCT.md lists', () => {
    expect(gpuNames()).toEqual(expect.arrayContaining(GPUS));
    expect(modelNames()).toEqual(expect.arrayContaining(MODELS));
    expect(apiNames()).toEqual(expect.arrayContaining(APIS));
  });

  it.each(GPUS)('gpu %s has a dated, sourced price and sane figures', (name) => {
    const g = findGpu(name)!;
    expect(g.priceDate).toMatch(/\d{4}-\d{2}/);
    expect(g.priceSource.length).toBeGreaterThan(10);
    expect(g.source.length).toBeGreaterThan(10);
    expect(g.pricePerHour).toBeGreaterThan(0);
    expect(g.idleW).toBeLessThan(g.tdpW);
    expect(g.bf16Tflops).toBeGreaterThan(50);
  });

  it.each(APIS)('api %s has a dated, sourced price', (name) => {
    const a = findApi(name)!;
    expect(a.date).toMatch(/^\d{4}-\d{2}/);
    expect(a.source.length).toBeGreaterThan(10);
    expect(a.outputPerMillion).toBeGreaterThanOrEqual(a.inputPerMillion);
  });

  // Parameter totals recomputed from the architecture (gated MLP: 3 matrices per expert;
  // embeddings tied for Llama-3.2 1B/3B) agree with the published totals within 2%.
  it.each(MODELS)('model %s: architecture matches its parameter count', (name) => {
    const m = findModel(name)!;
    const attn = m.hiddenSize * m.headDim * (2 * m.attentionHeads + 2 * m.kvHeads);
    const mlp = 3 * m.hiddenSize * m.mlpSize;
    const embeddings = (name.startsWith('llama-3.2') ? 1 : 2) * m.vocabSize * m.hiddenSize;
    const total = m.layers * (attn + m.experts * mlp) + embeddings;
    const active = m.layers * (attn + m.expertsPerToken * mlp) + embeddings;
    expect(Math.abs(total / m.params - 1)).toBeLessThan(0.02);
    expect(Math.abs(active / m.activeParams - 1)).toBeLessThan(0.02);
  });

  it('reads dense figures (sparse / 2) and AWS feed prices', () => {
    expect(findGpu('h100-sxm')).toMatchObject({ bf16Tflops: 989, bandwidthTbps: 3.35, memoryGb: 80, pricePerHour: 6.88 });
    expect(findModel('mixtral-8x7b')).toMatchObject({ experts: 8, expertsPerToken: 2, activeParams: 12.9e9 });
    expect(findModel('llama-3.1-8b')).toMatchObject({ experts: 1, expertsPerToken: 1, activeParams: 8.03e9 });
    expect(findApi('gpt-4o-mini')).toMatchObject({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
  });

  it('unknown names are undefined; multipliers are fractions', () => {
    expect(findGpu('h100')).toBeUndefined();
    expect(findModel('gpt-4o')).toBeUndefined();
    expect(pricingMultipliers.spot).toBeGreaterThan(0);
    expect(pricingMultipliers.spot).toBeLessThan(pricingMultipliers.reserved);
    expect(pricingMultipliers.reserved).toBeLessThan(1);
  });

  it('is loaded once and frozen', () => {
    expect(loadCatalog()).toBe(loadCatalog());
    expect(Object.isFrozen(findGpu('l4'))).toBe(true);
    expect(Object.isFrozen(loadCatalog().raw.gpus)).toBe(true);
  });
});

describe('parseCatalog errors', () => {
  const base = `gpus:
  x:
    memory_gb: 80
    bandwidth_tbps: -1
models: {}
apis: {}
pricing_multipliers: { spot: 0.4, reserved: 0.7 }
`;
  it('names the file, key path and line of a bad entry', () => {
    let error: unknown;
    try {
      parseCatalog(base, 'cat.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const p = (error as InputError).problems.find((q) => q.path === 'gpus.x.bandwidth_tbps')!;
    expect(p).toMatchObject({ file: 'cat.yaml', line: 4 });
  });
  it('rejects YAML syntax errors with a line', () => {
    expect(() => parseCatalog('gpus: [\n', 'c.yaml')).toThrow(InputError);
  });
});
