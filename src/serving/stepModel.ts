/**
 * How long one iteration (one forward pass) of a replica takes, given the shape of its batch.
 * Implementations: `linearStepModel` (a workload's measured `perf:` block) and the roofline
 * model in `gpu/`. Positional numbers, no objects: this is called once per simulated iteration.
 */
export interface StepModel {
  /**
   * @param prefillTokens   prompt tokens computed in this iteration (sum of the prefill chunks)
   * @param prefillAttention sum over prefill chunks of chunk x (context before the chunk + chunk / 2):
   *                        the token pairs the chunks' causal attention touches
   * @param decodeSeqs      sequences decoding one token each
   * @param decodeKvTokens  sum of the decoding sequences' context lengths (KV tokens read)
   * @returns seconds
   */
  iterationS(
    prefillTokens: number,
    prefillAttention: number,
    decodeSeqs: number,
    decodeKvTokens: number,
  ): number;
}
