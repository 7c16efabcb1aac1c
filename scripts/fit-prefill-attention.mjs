// Fits prefill attention's dependence on length and parallelism (BUILTIN_FACTORS.attentionComputeEff
// and PREFILL_ATTENTION_SHAPE in src/gpu/roofline.ts) to the Vidur A100 Llama-2-7B kernel rows of
// data/reference/vidur/extracts/a100_llama2_7b_prefill_attention_sample.csv (run `npm run build` first):
//   node scripts/fit-prefill-attention.mjs [--json]
// Prints the fitted constants, the errors of the fit rows, the held-out TP 1 rows and the other TP
// degrees (kept out of the fit), and what the old and new models predict for long prompts.
import path from 'node:path';
import { findGpu, findModel } from '../dist/catalog/catalog.js';
import {
  errorSummary, fitPrefillAttention, readPrefillAttentionSample, relativeErrors,
} from '../dist/gpu/fitPrefillAttention.js';
import { BUILTIN_FACTORS, PREFILL_ATTENTION_SHAPE, rooflineTerms, rooflineCoefficients } from '../dist/gpu/roofline.js';

const root = path.resolve(import.meta.dirname, '..');
const file = path.join(root, 'data/reference/vidur/extracts/a100_llama2_7b_prefill_attention_sample.csv');
const rows = readPrefillAttentionSample(file);
const HEADS = 32; // Llama-2-7B
const HEAD_DIM = 128;
const PEAK = 312e12; // A100 BF16 dense (catalog a100-80gb)

const fit = fitPrefillAttention(rows.filter((r) => r.role === 'fit'), HEADS);
// In capsim's terms: a = 4 x head_dim / (peak x eff) per context pair per head.
const constants = {
  attentionComputeEff: (4 * HEAD_DIM) / (PEAK * fit.contextPairMs * 1e-3),
  ownPairWeight: fit.ownPairMs / fit.contextPairMs,
  tokenPairs: fit.tokenMs / fit.contextPairMs,
  occupancyHeadTokens: fit.occupancyHeadTokens,
  occupancyCap: fit.occupancyCap,
};
const groups = [...new Set(rows.map((r) => r.role))];
const errors = Object.fromEntries(groups.map((g) => [g, errorSummary(relativeErrors(fit, rows.filter((r) => r.role === g), HEADS))]));

// Old (one efficiency, 0.123) vs new, llama-2-7b on one A100 and llama-3.1-8b on one H100,
// prompts of L tokens in chunks of 8,192 (the default max_batch_tokens) and in one chunk.
const old = { ...BUILTIN_FACTORS, attentionComputeEff: 0.123 };
const oldShape = { ownPairWeight: 1, tokenPairs: 0, occupancyHeadTokens: 0, occupancyCap: 1 };
function promptAttentionMs(modelName, gpuName, L, chunkSize, factors, shape) {
  const c = rooflineCoefficients(findModel(modelName), findGpu(gpuName), 1, factors, shape);
  let ms = 0;
  for (let done = 0; done < L; done += chunkSize) {
    const chunk = Math.min(chunkSize, L - done);
    ms += 1e3 * rooflineTerms(c, chunk, chunk * (done + chunk / 2), 0, 0, (chunk * chunk) / 2).prefillAttention;
  }
  return ms;
}
const predictions = [];
for (const [m, g] of [['llama-2-7b', 'a100-80gb'], ['llama-3.1-8b', 'h100-sxm']]) {
  for (const L of [512, 2048, 8192, 16384, 32768]) {
    for (const chunk of L > 8192 ? [8192, L] : [L]) {
      const before = promptAttentionMs(m, g, L, chunk, old, oldShape);
      const after = promptAttentionMs(m, g, L, chunk, BUILTIN_FACTORS, PREFILL_ATTENTION_SHAPE);
      predictions.push({ model: m, gpu: g, prompt: L, chunk: Math.min(chunk, L), beforeMs: before, afterMs: after, ratio: before / after });
    }
  }
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ fit, constants, errors, predictions }, null, 2));
} else {
  console.log(`fit on ${rows.filter((r) => r.role === 'fit').length} rows of ${path.relative(root, file)}`);
  console.log(`  per head: context pair ${fit.contextPairMs.toExponential(4)} ms, own pair ${fit.ownPairMs.toExponential(4)} ms, token ${fit.tokenMs.toExponential(4)} ms`);
  console.log(`  occupancy: m = min(${fit.occupancyCap}, 1 + ${fit.occupancyHeadTokens} / (heads per GPU x chunk tokens))`);
  console.log(`capsim constants: attention_compute_eff ${constants.attentionComputeEff.toFixed(3)}, own-pair weight ${constants.ownPairWeight.toFixed(2)}, token pairs ${constants.tokenPairs.toFixed(0)}`);
  console.log('\nrows          n  median |err| %  max |err| %  median err %');
  for (const [g, e] of Object.entries(errors)) {
    console.log(`${g.padEnd(12)} ${String(e.n).padStart(2)}  ${e.medianAbsPct.toFixed(1).padStart(14)}  ${e.maxAbsPct.toFixed(1).padStart(11)}  ${e.medianPct.toFixed(1).padStart(12)}`);
  }
  console.log('\nprefill attention of one prompt, all layers (ms): before (one efficiency 0.123) / after');
  for (const p of predictions) {
    console.log(`${p.model} ${p.gpu} ${String(p.prompt).padStart(5)} tokens in chunks of ${String(p.chunk).padStart(5)}: ${p.beforeMs.toFixed(1).padStart(7)} / ${p.afterMs.toFixed(1).padStart(7)}  (${p.ratio.toFixed(2)}x)`);
  }
}
