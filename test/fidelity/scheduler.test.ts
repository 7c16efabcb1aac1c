import { describe, expect, it } from 'vitest';
import { resolveWorkload } from '../../src/workload/load.js';
import { replayOpen } from '../../src/fidelity/replay.js';

/**
 * serving.scheduler, checked by hand against a linear step model (perf block) where every
 * iteration time is exact:
 *   prefill-only: 0.010 + 1e-5 x tokens;  decode-only: 0.005;  mixed: max(0.010, 0.005) + 1e-5 x tokens.
 * Host overheads off (serving.overhead.per_request 0, output_iterations 0).
 * A (100-token prompt, 50 tokens out) arrives at 0; B (2,000-token prompt, 1 token out) at 0.05 s
 * while A decodes.
 * - chunked_prefill: B's prompt rides in one mixed iteration (0.030 s) that also gives A a token.
 * - prefill_first: B's prompt runs alone (0.030 s) and A waits, so A needs one more decode
 *   iteration: A's E2E is exactly 0.005 s longer; B's TTFT is the same.
 */
function run(scheduler: 'chunked_prefill' | 'prefill_first') {
  const scenario = resolveWorkload({
    duration: '1h',
    traffic: { rate: 1 },
    classes: [{ name: 'c', prompt_tokens: 100, output_tokens: 50 }],
    model: 'llama-3.1-8b',
    gpu: 'h100-sxm',
    fleet: { gpus: 1 },
    serving: { scheduler, max_batch_tokens: 4096, overhead: { per_request: 0, output_iterations: 0 } },
    perf: { prefill: { base: 0.01, per_token: 1e-5 }, decode: { base: 0.005, per_seq: 0, per_kv_token: 0 } },
  });
  return replayOpen(scenario, [
    { startS: 0, promptTokens: 100, outputTokens: 50 },
    { startS: 0.05, promptTokens: 2000, outputTokens: 1 },
  ]);
}

describe('serving.scheduler', () => {
  it('chunked_prefill: A = prefill 0.011 + 48 decodes x 0.005 + one mixed 0.030', () => {
    const [a, b] = run('chunked_prefill');
    expect(a!.e2eS).toBeCloseTo(0.011 + 48 * 0.005 + 0.03, 9);
    // B waits for the iteration boundary after 0.05: A's boundaries are 0.011 + k x 0.005.
    expect(b!.ttftS).toBeCloseTo(0.011 + 8 * 0.005 + 0.03 - 0.05, 9);
  });

  it('prefill_first: decodes wait for the prompt, A is one decode step (0.005 s) later', () => {
    const [cpA, cpB] = run('chunked_prefill');
    const [pfA, pfB] = run('prefill_first');
    expect(pfA!.e2eS - cpA!.e2eS).toBeCloseTo(0.005, 9);
    expect(pfB!.ttftS).toBeCloseTo(cpB!.ttftS, 9);
  });
});
