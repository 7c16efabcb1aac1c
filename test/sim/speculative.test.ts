import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../src/catalog/catalog.js';
import { factorsFor } from '../../src/gpu/efficiency.js';
import { kvCapacityTokens } from '../../src/gpu/memory.js';
import { rooflineStepModel } from '../../src/gpu/roofline.js';
import { InputError } from '../../src/errors.js';
import { simulate } from '../../src/simulate.js';
import type { Request } from '../../src/serving/request.js';
import { resolveWorkload } from '../../src/workload/load.js';

type Doc = Record<string, unknown>;

/**
 * One class with fixed lengths; `patch` overrides top-level keys, `serving` adds to serving. Host
 * overheads are off (the by-hand step sums below are GPU time; an output lag would shift the first
 * and last tokens by different iteration lengths).
 */
function workload(speculative: Doc | null, patch: Doc = {}, serving: Doc = {}): Doc {
  return {
    name: 'spec',
    seed: 7,
    duration: '10m',
    traffic: { rate: 2 },
    classes: [{ name: 'chat', prompt_tokens: 500, output_tokens: 201 }],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: { gpus: 1 },
    serving: { max_queue_time: '1h', overhead: { per_request: 0, per_iteration: 0, output_iterations: 0 }, ...serving, ...(speculative ? { speculative } : {}) },
    ...patch,
  };
}

function ends(doc: Doc, fastForward = true): Request[] {
  const out: Request[] = [];
  simulate(resolveWorkload(doc), { fastForward, onRequestEnd: (r) => out.push({ ...r }) });
  return out.sort((a, b) => a.id - b.id);
}

/** Expected tokens per verify step: (1 - a^(k+1)) / (1 - a) (Leviathan et al. 2023, eq. 1). */
const expectedTokens = (a: number, k: number) => (a === 1 ? k + 1 : (1 - a ** (k + 1)) / (1 - a));

describe('speculative decoding', () => {
  it('acceptance 1 emits k + 1 tokens every step: 200 tokens after the first in ceil(200 / 5) = 40 steps', () => {
    // A lone request (one arrival, no batching): its decode time is 40 verify steps.
    const doc = workload({ method: 'ngram', tokens: 4, acceptance: 1 }, { traffic: { rate: 1 / 3600 }, duration: '1h' });
    const [r] = ends(doc);
    expect(r.generated).toBe(201);
    const spec = resolveWorkload(doc);
    // The GPU's own factors: h100-sxm has fitted ones (catalog/efficiency.yaml).
    const step = rooflineStepModel(spec.pools[0].model, spec.pools[0].gpu, 1, factorsFor(spec.pools[0].gpu));
    // Each step: 4 n-gram drafts (0.1 ms each) + one target pass over 5 positions at context c.
    let t = 0;
    for (let j = 0; j < 40; j++) {
      const c = 500 + 5 * j; // the prompt in KV (the simulator adds a token to KV as the next step reads it), then 5 a step
      t += 4 * 0.0001 + step.iterationS(4, 4 * c + 8, 1, c);
    }
    expect(r.finishedAt - r.firstTokenAt).toBeCloseTo(t, 12);
  });

  it('acceptance 0 is plain decoding (one token a step) plus the draft and verify cost', () => {
    const draftDoc = workload({ method: 'draft', draft_model: 'llama-3.2-1b', tokens: 4, acceptance: 0 }, { traffic: { rate: 1 / 3600 }, duration: '1h' });
    const [r] = ends(draftDoc);
    const s = resolveWorkload(draftDoc);
    const target = rooflineStepModel(s.pools[0].model, s.pools[0].gpu, 1, factorsFor(s.pools[0].gpu));
    const draft = rooflineStepModel(findModel('llama-3.2-1b')!, s.pools[0].gpu, 1, factorsFor(s.pools[0].gpu));
    let t = 0;
    for (let j = 0; j < 200; j++) {
      const c = 500 + j; // one token a step, as without speculation
      let d = 0;
      for (let i = 0; i < 4; i++) d += draft.iterationS(0, 0, 1, c + i);
      t += d + target.iterationS(4, 4 * c + 8, 1, c);
    }
    // 11 digits: the run's end times are sums onto absolute times of up to ~3,600 s (ulp 4.5e-13),
    // so the difference of two of them carries a few 1e-13 of rounding.
    expect(r.finishedAt - r.firstTokenAt).toBeCloseTo(t, 11);
    // Against plain decoding: the same 200 steps, each dearer by the drafts and the 4 extra
    // positions (memory-bound at batch 1: the verify pass costs within 5% of a plain step).
    const [plain] = ends(workload(null, { traffic: { rate: 1 / 3600 }, duration: '1h' }));
    expect(plain.firstTokenAt).toBe(r.firstTokenAt);
    const plainDecode = plain.finishedAt - plain.firstTokenAt;
    let drafts = 0;
    for (let j = 0; j < 200; j++) for (let i = 0; i < 4; i++) drafts += draft.iterationS(0, 0, 1, 500 + j + i);
    expect((r.finishedAt - r.firstTokenAt - drafts) / plainDecode).toBeGreaterThan(1);
    expect((r.finishedAt - r.firstTokenAt - drafts) / plainDecode).toBeLessThan(1.05);
  });

  it.each([
    [0.5, 4],
    [0.7, 4],
    [0.8, 2],
    [0.9, 6],
  ])('mean tokens per step at a = %s, k = %s matches (1 - a^(k+1)) / (1 - a) within 1%', (a, k) => {
    // Long outputs; each request's last step is capped at what it still needs, so only its
    // full steps count: tokens of steps 1..S-1 over S-1 (the plan each request drew).
    const doc = workload({ method: 'ngram', tokens: k, acceptance: a }, {
      classes: [{ name: 'chat', prompt_tokens: 200, output_tokens: 4001 }],
      duration: '30m',
      traffic: { rate: 0.2 },
      fleet: { gpus: 2 },
    });
    let tokens = 0;
    let steps = 0;
    simulate(resolveWorkload(doc), {
      onRequestEnd: (r) => {
        const cum = r.speculative?.cum;
        if (!cum || cum.length < 2) return;
        tokens += cum[cum.length - 2];
        steps += cum.length - 1;
      },
    });
    expect(steps).toBeGreaterThan(100_000);
    expect(Math.abs(tokens / steps / expectedTokens(a, k) - 1)).toBeLessThan(0.01);
  });

  it('fast path = reference path, request by request (batching, preemptions)', () => {
    for (const doc of [
      workload({ method: 'draft', draft_model: 'llama-3.2-1b', tokens: 4, acceptance: 0.7 }, { traffic: { rate: 6 }, classes: [{ name: 'chat', prompt_tokens: { dist: 'lognormal', median: 900, p99: 6000 }, output_tokens: { dist: 'lognormal', median: 200, p99: 1500 } }] }),
      workload({ method: 'ngram', tokens: 3, acceptance: 0.6 }, { model: 'llama-2-7b', gpu: 'l4', traffic: { rate: 6 }, classes: [{ name: 'chat', prompt_tokens: { dist: 'lognormal', median: 900, p99: 6000 }, output_tokens: { dist: 'lognormal', median: 200, p99: 1500 } }] }),
      workload({ method: 'ngram', tokens: 4, acceptance: 0.8 }, { traffic: { rate: 4 }, classes: [{ name: 'chat', prompt_tokens: { dist: 'lognormal', median: 900, p99: 6000 }, output_tokens: { dist: 'lognormal', median: 200, p99: 1500 } }] }, { scheduler: 'prefill_first' }),
    ]) {
      const line = (r: Request) => `${r.id} ${r.firstTokenAt} ${r.finishedAt} ${r.generated} ${r.preemptions}`;
      const fast = ends(doc, true).map(line);
      const slow = ends(doc, false).map(line);
      expect(fast.length).toBeGreaterThan(100);
      expect(fast).toEqual(slow);
    }
  });

  it('the draft model takes memory: weights and KV per token', () => {
    const m = findModel('llama-3.1-8b')!;
    const d = findModel('llama-3.2-1b')!;
    const g = findGpu('h100-sxm')!;
    // (72 GB - 16.06 - 2.47 - 1.94 reserve) / (128 KiB + 32 KiB per token)
    const usable = 80e9 * 0.9 - 8.03e9 * 2 - d.params * 2;
    const reserve = 2 ** 30 + 8192 * (2 * 14336 + 4 * 4096) * 2 + 256 * 128256 * 4;
    const perToken = 2 * 32 * 8 * 128 * 2 + 2 * d.layers * d.kvHeads * d.headDim * 2;
    expect(kvCapacityTokens(m, g, 1, 0.9, d)).toBe(Math.floor((usable - reserve) / perToken / 16) * 16);
    expect(kvCapacityTokens(m, g, 1, 0.9, d)).toBeLessThan(kvCapacityTokens(m, g, 1, 0.9));
  });

  it.each([
    [{ method: 'draft', acceptance: 0.7 }, /serving\.speculative\.draft_model: is required with method: draft/],
    [{ method: 'ngram', draft_model: 'llama-3.2-1b', acceptance: 0.7 }, /draft_model: has no effect with method: ngram/],
    [{ method: 'ngram', acceptance: 1.5 }, /serving\.speculative\.acceptance/],
    [{ method: 'ngram', tokens: 0, acceptance: 0.5 }, /serving\.speculative\.tokens/],
    [{ method: 'draft', draft_model: 'llama-9b', acceptance: 0.5 }, /serving\.speculative\.draft_model: unknown model 'llama-9b'/],
  ])('rejects %j', (speculative, message) => {
    try {
      resolveWorkload(workload(speculative));
      throw new Error('expected an InputError');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(message);
    }
  });

  it('rejects static batching and a token budget below max_batch_size x (k + 1)', () => {
    const problems = (doc: Doc) => {
      try {
        resolveWorkload(doc);
        return '';
      } catch (error) {
        return (error as InputError).problems.map((p) => `${p.path}: ${p.message}`).join('\n');
      }
    };
    expect(problems(workload({ method: 'ngram', acceptance: 0.5 }, {}, { batching: 'static' }))).toMatch(/needs serving\.batching: continuous/);
    expect(problems(workload({ method: 'ngram', tokens: 4, acceptance: 0.5 }, {}, { max_batch_tokens: 1000 }))).toMatch(/max_batch_tokens: must be at least max_batch_size x \(speculative\.tokens \+ 1\) = 1280/);
  });
});
