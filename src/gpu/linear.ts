/**
 * The step model of a workload's measured `perf:` block: straight lines fitted to measured
 * iteration times (e.g. by `capsim calibrate`).
 *
 *   prefill-only iteration: prefill.base + prefill.per_token x prefillTokens
 *   decode-only iteration:  decode.base + decode.per_seq x seqs + decode.per_kv_token x kvTokens
 *   mixed iteration (chunked prefill riding along with decodes):
 *     max(prefill.base, decode.base) + both variable parts
 *
 * The mixed rule assumes the fixed costs (weight reads, launches) are paid once per forward
 * pass, which is what both bases mostly are, and that the per-token and per-sequence work adds
 * up. It ignores the quadratic attention term of long prompts (`prefillAttention`): a straight
 * line fitted over the prompt lengths of the workload absorbs it on average.
 */
import type { PerfSpec } from '../workload/scenario.js';
import type { StepModel } from '../serving/stepModel.js';

export function linearStepModel(perf: PerfSpec): StepModel {
  const { baseS: prefillBase, perTokenS } = perf.prefill;
  const { baseS: decodeBase, perSeqS, perKvTokenS } = perf.decode;
  const mixedBase = Math.max(prefillBase, decodeBase);
  return {
    iterationS(prefillTokens: number, _prefillAttention: number, decodeSeqs: number, decodeKvTokens: number): number {
      const prefill = perTokenS * prefillTokens;
      const decode = perSeqS * decodeSeqs + perKvTokenS * decodeKvTokens;
      if (decodeSeqs === 0) return prefillTokens === 0 ? 0 : prefillBase + prefill;
      return (prefillTokens === 0 ? decodeBase : mixedBase) + prefill + decode;
    },
    // iterationS(0, 0, n, kv) = (decodeBase + 0) + (perSeqS n + perKvTokenS kv): decodeBase + 0 is
    // decodeBase, and the outer addition commutes.
    decodeStep(decodeSeqs: number, out: Float64Array): void {
      out[0] = perSeqS * decodeSeqs;
      out[1] = perKvTokenS;
      out[2] = decodeBase + perTokenS * 0;
    },
  };
}
