import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/catalog.js';
import { InputError } from '../../src/errors.js';
import { resolveWorkload } from '../../src/workload/load.js';

const minimal = () => ({
  traffic: { rate: 10 },
  classes: [{ name: 'chat', prompt_tokens: 500, output_tokens: 100 }, { name: 'long', prompt_tokens: 4000, output_tokens: 100 }],
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

describe('precision key', () => {
  it('defaults to bf16 weights and a bf16 KV cache (the catalog model unchanged)', () => {
    const s = resolveWorkload(minimal());
    expect(s.pools[0].model.precision).toEqual({ weights: 'bf16', kvCache: 'bf16' });
    expect(s.pools[0].model).toEqual(findModel('llama-3.1-8b'));
  });

  it('top level applies to the default pool; a missing half keeps its default', () => {
    const s = resolveWorkload({ ...minimal(), precision: { weights: 'fp8' } });
    expect(s.pools[0].model.precision).toEqual({ weights: 'fp8', kvCache: 'bf16' });
    expect(s.pools[0].model.params).toBe(findModel('llama-3.1-8b')!.params);
  });

  it('per pool, falling back to the top level', () => {
    const doc = {
      traffic: { rate: 10 },
      classes: minimal().classes,
      precision: { kv_cache: 'fp8' },
      pools: [
        { name: 'a', gpus: 1, serves: ['chat'], precision: { weights: 'int4' } },
        { name: 'b', gpus: 1, serves: ['long'] },
      ],
    };
    const s = resolveWorkload(doc);
    expect(s.pools[0].model.precision).toEqual({ weights: 'int4', kvCache: 'bf16' });
    expect(s.pools[1].model.precision).toEqual({ weights: 'bf16', kvCache: 'fp8' });
  });

  it('FP8 weights let llama-3.1-70b fit on 2 x H100 where BF16 needs 4', () => {
    const doc = { ...minimal(), model: 'llama-3.1-70b', fleet: { gpus: 2, gpus_per_replica: 2 } };
    expect(problemsOf(() => resolveWorkload(doc)).join('\n')).toMatch(/model: llama-3.1-70b needs at least 4 x h100-sxm/);
    expect(resolveWorkload({ ...doc, precision: { weights: 'fp8' } }).pools[0].gpusPerReplica).toBe(2);
  });

  it.each([
    [{ weights: 'fp4' }, /precision\.weights: .*bf16.*fp8.*int4/],
    [{ kv_cache: 'int4' }, /precision\.kv_cache: .*bf16.*fp8/],
    [{ weight: 'fp8' }, /precision\.weight: unknown key.*weights/],
  ])('rejects %j', (precision, message) => {
    expect(problemsOf(() => resolveWorkload({ ...minimal(), precision })).join('\n')).toMatch(message);
  });

  it('has no effect (an error) without a fleet', () => {
    const doc = { traffic: { rate: 1 }, classes: minimal().classes, api: { name: 'gpt-4o-mini', use_for: 'all' }, precision: { weights: 'fp8' } };
    expect(problemsOf(() => resolveWorkload(doc))).toEqual(['precision: has no effect without fleet (the hosted API serves every class)']);
  });
});
