/**
 * Fits the shape of capsim's prefill-attention cost to measured FlashAttention kernel times in
 * Vidur's profile format (`attention.csv`: `time_stats.attn_prefill.median` in ms per layer,
 * `prefill_chunk_size` c, `kv_cache_size` k = context already cached before the chunk,
 * `num_tensor_parallel_workers`, batch 1). This is the script behind `BUILTIN_FACTORS
 * .attentionComputeEff` and `PREFILL_ATTENTION_SHAPE` in roofline.ts; the package never reads the
 * profile at run time (`scripts/fit-prefill-attention.mjs` prints the fit, a test re-runs it).
 *
 * Model, per layer and GPU holding g = heads / tp heads, for the chunks of one iteration
 * (T = sum of c, one kernel launch):
 *
 *   t = g x m x (a x sum(c x k) + b x sum(c^2 / 2) + d x T)
 *   m = min(cap, 1 + W0 / (g x T))
 *
 * a: a context pair (a chunk token attending a cached token), per head; b: a pair inside the
 * chunk (causal, both tokens new); d: per chunk token (loading the query tile, the softmax
 * epilogue, writing the output); m: the GPU is under-filled when there are few (head, query)
 * tiles, which a batch-1 chunk of a few hundred tokens, or a high TP degree, leaves.
 * Written as efficiencies: a = 4 x head_dim / (peak x attention_compute_eff), b = a x
 * ownPairWeight, d = a x tokenPairs.
 *
 * Fit: for each (W0, cap) on a grid, a, b, d by least squares on the relative error of the
 * `fit` rows (weights 1 / measured); the (W0, cap) with the smallest sum of squared relative
 * errors wins.
 */
import { readFileSync } from 'node:fs';
import { median } from 'simple-statistics';

export interface PrefillAttentionRow {
  readonly tp: number;
  readonly chunk: number;
  readonly kv: number;
  readonly ms: number;
  /** `fit`, `held_out`, or a `check_...` group (rows kept out of the fit). */
  readonly role: string;
}

export interface PrefillAttentionFit {
  /** ms per context pair per head (a). */
  readonly contextPairMs: number;
  /** ms per own (in-chunk) pair per head (b). */
  readonly ownPairMs: number;
  /** ms per chunk token per head (d). */
  readonly tokenMs: number;
  /** Head-tokens at which the occupancy penalty is 2x before the cap (W0). */
  readonly occupancyHeadTokens: number;
  /** Largest occupancy multiplier (cap). */
  readonly occupancyCap: number;
}

/** Reads the extract (`data/reference/vidur/extracts/a100_llama2_7b_prefill_attention_sample.csv`). */
export function readPrefillAttentionSample(file: string): PrefillAttentionRow[] {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: missing column "${name}"`);
    return i;
  };
  const [iTp, iChunk, iKv, iMs, iRole] = [
    col('num_tensor_parallel_workers'), col('prefill_chunk_size'), col('kv_cache_size'),
    col('time_stats.attn_prefill.median'), col('role'),
  ];
  return lines.slice(1).map((line) => {
    const f = line.split(',');
    return { tp: Number(f[iTp]), chunk: Number(f[iChunk]), kv: Number(f[iKv]), ms: Number(f[iMs]), role: f[iRole] ?? '' };
  });
}

/** Occupancy multiplier m for g heads per GPU and T chunk tokens in the launch. */
export function occupancy(fit: Pick<PrefillAttentionFit, 'occupancyHeadTokens' | 'occupancyCap'>, headsPerGpu: number, tokens: number): number {
  const m = 1 + fit.occupancyHeadTokens / (headsPerGpu * tokens);
  return m < fit.occupancyCap ? m : fit.occupancyCap;
}

/** Predicted ms per layer of one chunk (c tokens after k cached) at `heads` / tp heads per GPU. */
export function prefillAttentionLayerMs(fit: PrefillAttentionFit, heads: number, tp: number, chunk: number, kv: number): number {
  const g = heads / tp;
  const work = fit.contextPairMs * chunk * kv + (fit.ownPairMs * chunk * chunk) / 2 + fit.tokenMs * chunk;
  return g * occupancy(fit, g, chunk) * work;
}

/** Solves the 3x3 system A x = y (Gaussian elimination with partial pivoting). */
function solve3(A: number[][], y: number[]): number[] {
  const M = A.map((row, i) => [...row, y[i]!]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < 3; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k < 4; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = M[r]![3]!;
    for (let k = r + 1; k < 3; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/** The W0 grid (head-tokens) and cap grid of the fit. */
export const OCCUPANCY_GRID = Object.freeze({
  headTokens: Array.from({ length: 161 }, (_, i) => i * 250),
  caps: [...Array.from({ length: 31 }, (_, i) => 1 + i * 0.1), Infinity],
});

/** Least-squares fit of the model above to `rows` (all of them: filter to the fit rows first). */
export function fitPrefillAttention(rows: readonly PrefillAttentionRow[], heads: number): PrefillAttentionFit & { readonly sse: number } {
  if (rows.length < 4) throw new Error(`fitPrefillAttention: ${rows.length} rows, need at least 4`);
  let best: (PrefillAttentionFit & { sse: number }) | null = null;
  for (const W0 of OCCUPANCY_GRID.headTokens) {
    for (const cap of OCCUPANCY_GRID.caps) {
      const shape = { occupancyHeadTokens: W0, occupancyCap: cap };
      const A = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
      const y = [0, 0, 0];
      const features = rows.map((r) => {
        const g = heads / r.tp;
        const s = (g * occupancy(shape, g, r.chunk)) / r.ms; // weight 1 / measured
        return [s * r.chunk * r.kv, (s * r.chunk * r.chunk) / 2, s * r.chunk];
      });
      for (const f of features) {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) A[i]![j]! += f[i]! * f[j]!;
          y[i]! += f[i]!; // target 1 = measured / measured
        }
      }
      const [a, b, d] = solve3(A, y) as [number, number, number];
      let sse = 0;
      for (const f of features) sse += (f[0]! * a + f[1]! * b + f[2]! * d - 1) ** 2;
      if (best === null || sse < best.sse) best = { contextPairMs: a, ownPairMs: b, tokenMs: d, ...shape, sse };
    }
  }
  return best!;
}

/** Relative errors (predicted / measured - 1) of `rows` under `fit`. */
export function relativeErrors(fit: PrefillAttentionFit, rows: readonly PrefillAttentionRow[], heads: number): number[] {
  return rows.map((r) => prefillAttentionLayerMs(fit, heads, r.tp, r.chunk, r.kv) / r.ms - 1);
}

/** Median of |error| and the signed median, in percent. */
export function errorSummary(errors: readonly number[]): { readonly n: number; readonly medianAbsPct: number; readonly maxAbsPct: number; readonly medianPct: number } {
  const abs = errors.map(Math.abs);
  return { n: errors.length, medianAbsPct: 100 * median(abs), maxAbsPct: 100 * Math.max(...abs), medianPct: 100 * median([...errors]) };
}
