import { describe, expect, it } from 'vitest';
import { fidelityCases } from '../../src/fidelity/cases.js';
import { caseScenario } from '../../src/fidelity/runCase.js';
import { architectureScale } from '../../src/gpu/roofline.js';

/**
 * The blis-h100 check cases (data/reference/blis-h100/README.md) describe three models inline
 * with their config.json figures and a parameter count. Reference: the count must follow from
 * the figures, or the roofline would silently rescale the layers to the stated `params`
 * (architectureScale != 1). Formula: layers x (h x head_dim x (2 heads + 2 kv_heads) +
 * 3 h mlp x experts) + 2 vocab h (untied embeddings) within 5% of `params`; for the MoE model,
 * active = the same with experts_per_token experts, within 2% of `active_params`.
 */
const cases = fidelityCases().filter((c) => c.id.startsWith('h100-'));

describe('blis-h100 check cases', () => {
  it('are 40 load stages of 23 experiments, all checks, replayed as cached prompts', () => {
    expect(cases).toHaveLength(40);
    expect(new Set(cases.map((c) => c.id.replace(/@[\d.]+$/, ''))).size).toBe(23);
    for (const c of cases) {
      expect(c.role).toBe('check');
      expect(c.sharedPrefixTokens).toBe(c.promptTokens);
    }
  });

  it('inline models: stated parameters follow from their architecture', () => {
    const seen = new Set<string>();
    for (const c of cases) {
      if (typeof c.model === 'string') continue;
      const model = caseScenario(c).pools[0]!.model;
      if (seen.has(model.name)) continue;
      seen.add(model.name);
      expect(architectureScale(model), model.name).toBe(1);
      const h = model.hiddenSize;
      const attn = h * model.headDim * (2 * model.attentionHeads + 2 * model.kvHeads);
      const active = model.layers * (attn + 3 * h * model.mlpSize * model.expertsPerToken) + 2 * model.vocabSize * h;
      expect(Math.abs(active / model.activeParams - 1), model.name).toBeLessThan(0.02);
    }
    expect([...seen].sort()).toEqual(['mistral-nemo-12b', 'mixtral-8x22b', 'qwen3-14b']);
  });
});
