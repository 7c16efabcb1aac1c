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
   * @param prefillOwnPairs sum over prefill chunks of chunk^2 / 2: the part of prefillAttention
   *                        whose two tokens are both in the chunk (the roofline prices them
   *                        higher than pairs with cached context); omitted = one chunk,
   *                        min(prefillTokens^2 / 2, prefillAttention)
   * @returns seconds
   */
  iterationS(
    prefillTokens: number,
    prefillAttention: number,
    decodeSeqs: number,
    decodeKvTokens: number,
    prefillOwnPairs?: number,
  ): number;

  /**
   * Optional, for runs of decode-only iterations (the replica's fast path): writes into `out`
   * three numbers `[perSeqs, perKvToken, base]` for a batch of `decodeSeqs` (>= 1) such that, for
   * every KV sum kv >= 0, `(perSeqs + perKvToken * kv) + base` is bit for bit
   * `iterationS(0, 0, decodeSeqs, kv)` (same operations, same rounding: a floating-point sum
   * may only be reordered where IEEE addition is commutative). A run of k iterations then costs a
   * multiplication and two additions each instead of the whole step model.
   */
  decodeStep?(decodeSeqs: number, out: Float64Array): void;
}
