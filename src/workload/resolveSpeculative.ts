/**
 * `serving.speculative`: defaults and the rules between its keys and the rest of `serving`.
 * The draft model's memory is checked with each pool (resolvePools.ts, memory.ts `fitError`).
 */
import type { Problems } from './problems.js';
import { resolveModel } from './resolveHardware.js';
import type { WorkloadDoc } from './schema.js';
import type { ServingSpec, SpeculativeSpec } from './scenario.js';

/** Draft tokens per step when `tokens` is not given (vLLM's examples use 4-5). */
export const DEFAULT_SPECULATIVE_TOKENS = 4;

/** `serving` is the rest of the resolved serving block (batching and batch limits with their defaults). */
export function resolveSpeculative(
  doc: WorkloadDoc,
  serving: Pick<ServingSpec, 'batching' | 'maxBatchSize' | 'maxBatchTokens'>,
  problems: Problems,
): SpeculativeSpec | null {
  const s = doc.serving?.speculative;
  if (!s) return null;
  const at = ['serving', 'speculative'] as const;
  const tokens = s.tokens ?? DEFAULT_SPECULATIVE_TOKENS;
  let draftModel = null;
  if (s.method === 'draft') {
    if (s.draft_model === undefined) problems.add([...at, 'draft_model'], 'is required with method: draft (a small model of the same family, e.g. llama-3.2-1b)');
    else draftModel = resolveModel(s.draft_model, [...at, 'draft_model'], problems);
  } else if (s.draft_model !== undefined) {
    problems.add([...at, 'draft_model'], 'has no effect with method: ngram (drafts come from the prompt); remove it or use method: draft');
  }
  if (serving.batching !== 'continuous') {
    problems.add([...at], 'needs serving.batching: continuous (static batching is not modelled with speculative decoding)');
  }
  const { maxBatchSize, maxBatchTokens } = serving;
  if (maxBatchTokens < maxBatchSize * (tokens + 1)) {
    problems.add(['serving', 'max_batch_tokens'], `must be at least max_batch_size x (speculative.tokens + 1) = ${maxBatchSize * (tokens + 1)}: every decoding sequence verifies tokens + 1 positions per iteration, got ${maxBatchTokens}`);
  }
  return { method: s.method, draftModel, tokens, acceptance: s.acceptance };
}
