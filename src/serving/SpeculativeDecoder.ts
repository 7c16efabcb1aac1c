/**
 * Speculative decoding on one replica (`serving.speculative`).
 *
 * Every decode iteration, each decoding sequence drafts k tokens (k steps of the draft model over
 * the batch, or a prompt-lookup n-gram match at a fixed small cost) and the target model verifies
 * them in one pass over k + 1 positions per sequence. Of the k drafts, A are accepted, with
 *
 *   P(A >= j) = a^j  (j = 0..k: each draft is accepted with probability a if the ones before it were)
 *
 * and the pass emits A + 1 tokens (the accepted drafts and the target's own next token), so
 *
 *   E[tokens per step] = sum_{j=0..k} a^j = (1 - a^(k+1)) / (1 - a)   (k + 1 when a = 1)
 *
 * (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative Decoding", eq. 1).
 *
 * The draws are simulated, not averaged: when a sequence starts decoding, its per-step emissions
 * until its last token are drawn from the replica's own stream (`speculative:<pool>:<replica>`)
 * in the order sequences start decoding, which is the same on the fast and the reference path.
 * The draws are recorded per step in a ring indexed by the replica's decode step (tokens the
 * whole batch adds at that step), so a run of steady iterations needs no per-sequence work: its
 * KV growth per iteration is one ring read, and a sequence's completion step is known when it
 * starts decoding (the completion heap stays exact).
 *
 * Step time (per iteration, n decoding sequences holding D context tokens in all):
 *   draft:  sum_{i<k} draft.iterationS(0, 0, n, D + i n)   (method draft), or k x NGRAM_DRAFT_S
 *   verify: target.iterationS(P + n k, A_P + k D + n k^2 / 2, n, D)
 * i.e. the k extra positions of every sequence are priced like a k-token prefill chunk over its
 * context (their GEMMs, and attention FLOPs over the context) besides the usual decode token
 * (the KV read, once per sequence); P and A_P are the iteration's own prefill tokens and pairs.
 * Not modelled: the LM head over the k extra positions (about 1/14 of a token's GEMM FLOPs for
 * an 8B model), rejection sampling's own cost, the draft model's prefill of each prompt.
 */
import type { Uniform } from '../random/streams.js';
import type { Request } from './request.js';
import type { StepModel } from './stepModel.js';

/**
 * Drafting cost of n-gram (prompt lookup) speculation per draft token per iteration, seconds
 * (ASSUMPTION: a hash lookup over the batch's token ids on the host; vLLM's `ngram` proposer
 * runs on the CPU in well under a millisecond per step).
 */
export const NGRAM_DRAFT_S = 0.0001;

/** What every replica of a pool shares: k, a, the step models, and how to get a replica's stream. */
export interface SpeculativeSetup {
  readonly tokens: number;
  readonly acceptance: number;
  readonly target: StepModel;
  /** null: n-gram drafting at NGRAM_DRAFT_S per draft token. */
  readonly draft: StepModel | null;
  streamFor(replicaIndex: number): Uniform;
}

/** One sequence's draws: the tokens it has emitted after each of its decode steps. */
export interface SpeculativePlan {
  /** Replica decode step when it started decoding (its first speculative step is start + 1). */
  readonly start: number;
  /** Tokens it had then (the first token came from prefill). */
  readonly base: number;
  /** cum[j]: tokens emitted by its first j + 1 steps; the last entry is its remaining output. */
  readonly cum: Int32Array;
}

export class SpeculativeDecoder {
  readonly lookahead: number;
  private readonly logA: number;
  /** Tokens the batch adds at each future decode step, indexed by step & mask. */
  private ring = new Int32Array(1024);
  private mask = 1023;

  constructor(
    private readonly setup: SpeculativeSetup,
    private readonly uniform: Uniform,
  ) {
    this.lookahead = setup.tokens + 1;
    this.logA = Math.log(setup.acceptance);
  }

  /** Accepted drafts of one step: min(k, floor(ln u / ln a)), so P(A >= j) = a^j. */
  private accepted(): number {
    const k = this.setup.tokens;
    const a = this.setup.acceptance;
    if (a <= 0) return 0;
    if (a >= 1) return k;
    const j = Math.floor(Math.log(this.uniform()) / this.logA);
    return j < k ? j : k;
  }

  /** One iteration's seconds: the drafts, then the target pass verifying k + 1 positions per sequence. */
  iterationS(prefillTokens: number, prefillAttention: number, n: number, decodeKv: number, prefillOwnPairs: number): number {
    if (n === 0) return this.setup.target.iterationS(prefillTokens, prefillAttention, 0, 0, prefillOwnPairs);
    const k = this.setup.tokens;
    let draftS = 0;
    if (this.setup.draft === null) draftS = k * NGRAM_DRAFT_S;
    else for (let i = 0; i < k; i++) draftS += this.setup.draft.iterationS(0, 0, n, decodeKv + i * n);
    // Each sequence's k draft tokens are a chunk of k after its context: k x context + k^2 / 2 pairs.
    return draftS + this.setup.target.iterationS(prefillTokens + n * k, prefillAttention + k * decodeKv + (n * k * k) / 2, n, decodeKv, prefillOwnPairs + (n * k * k) / 2);
  }

  /**
   * Draws the emissions of every decode step `r` needs for its remaining output, starting after
   * replica step `step`; records them in the ring and on `r`. Returns the steps it needs.
   */
  plan(r: Request, step: number): number {
    const remaining = r.outputTokens - r.generated;
    if (remaining + 1 >= this.ring.length) this.grow(step, remaining + 1);
    const cum = new Int32Array(remaining);
    const ring = this.ring;
    const mask = this.mask;
    let total = 0;
    let s = 0;
    while (total < remaining) {
      let x = 1 + this.accepted();
      if (x > remaining - total) x = remaining - total;
      total += x;
      cum[s] = total;
      s++;
      ring[(step + s) & mask] += x;
    }
    r.speculative = { start: step, base: r.generated, cum: cum.subarray(0, s) };
    return s;
  }

  /** Tokens `r` has by replica step `step`. */
  generatedAt(r: Request, step: number): number {
    const p = r.speculative as SpeculativePlan;
    const done = step - p.start;
    if (done <= 0) return p.base;
    return p.base + p.cum[(done < p.cum.length ? done : p.cum.length) - 1];
  }

  /** Tokens the batch adds at replica step `s` (read only: planning a run). */
  peek(s: number): number {
    return this.ring[s & this.mask];
  }

  /** Tokens the batch adds at replica step `s`, consumed (the step has run). */
  take(s: number): number {
    const i = s & this.mask;
    const x = this.ring[i];
    this.ring[i] = 0;
    return x;
  }

  /**
   * `r` leaves the batch at replica step `step` (completed, or preempted before its last step):
   * its emissions after `step` are withdrawn. The plan stays on `r` (read by tests) until the
   * next one replaces it.
   */
  cancel(r: Request, step: number): void {
    const p = r.speculative;
    if (p === null) return;
    const cum = p.cum;
    for (let j = Math.max(0, step - p.start); j < cum.length; j++) {
      this.ring[(p.start + j + 1) & this.mask] -= cum[j] - (j > 0 ? cum[j - 1] : 0);
    }
  }

  /** Every sequence left (the replica was lost). */
  reset(): void {
    this.ring.fill(0);
  }

  /** A ring of at least `span` future steps, keeping the entries after `step`. */
  private grow(step: number, span: number): void {
    let size = this.ring.length;
    while (size <= span) size *= 2;
    const next = new Int32Array(size);
    const old = this.ring;
    for (let s = step + 1; s < step + old.length; s++) next[s & (size - 1)] = old[s & this.mask];
    this.ring = next;
    this.mask = size - 1;
  }
}
