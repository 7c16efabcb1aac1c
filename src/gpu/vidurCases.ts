/**
 * The A100 Llama-2-7B calibration cases of catalog-facts.md section F, built from Vidur's
 * profiles: linear ops = the nine per-layer token operators of `mlp.csv` (median columns) x 32
 * layers at TP 1 (embedding and LM head excluded, as Vidur does); attention = `attn_decode` or
 * `attn_prefill` median x 32 from the attention extract. Used to regenerate
 * test/fixtures/gpu/a100-llama2-7b-steps.csv (the file the built-in factors are fitted to);
 * never read at run time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MeasuredStepRow } from './measurements.js';

const LINEAR_OPS = [
  'input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm',
  'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add',
];
const LAYERS = 32;

function table(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  return { header: (lines[0] ?? '').split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** Linear-op milliseconds of one iteration of `tokens` tokens at TP `tp` (mean of duplicate rows). */
export function vidurLinearMs(mlpCsv: string, tokens: number, tp = 1): number {
  const { header, rows } = table(mlpCsv);
  const cols = LINEAR_OPS.map((op) => header.indexOf(`time_stats.${op}.median`));
  const iTokens = header.indexOf('num_tokens');
  const iTp = header.indexOf('num_tensor_parallel_workers');
  const sums = rows
    .filter((r) => Number(r[iTokens]) === tokens && Number(r[iTp]) === tp)
    .map((r) => cols.reduce((s, i) => s + Number(r[i]), 0));
  if (sums.length === 0) throw new Error(`${mlpCsv}: no row with num_tokens ${tokens} at TP ${tp}`);
  return (LAYERS * sums.reduce((a, b) => a + b, 0)) / sums.length;
}

/** The ten section-F cases (8 decode, 2 prefill) as measured steps of llama-2-7b on one A100. */
export function vidurSectionFCases(vidurDir: string): MeasuredStepRow[] {
  const mlp = path.join(vidurDir, 'data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv');
  const { header, rows } = table(path.join(vidurDir, 'extracts/a100_llama2_7b_attention_selected_rows.csv'));
  const col = (name: string): number => header.indexOf(name);
  const out: MeasuredStepRow[] = [];
  for (const r of rows) {
    const isPrefill = r[col('is_prefill')] === 'True';
    const batch = Number(r[col('batch_size')]);
    const kv = Number(r[col('kv_cache_size')]);
    const chunk = Number(r[col('prefill_chunk_size')]);
    const attentionMs = LAYERS * Number(r[col(isPrefill ? 'time_stats.attn_prefill.median' : 'time_stats.attn_decode.median')]);
    const tokens = isPrefill ? chunk : batch;
    const stepMs = vidurLinearMs(mlp, tokens) + attentionMs;
    out.push({
      label: isPrefill ? `prefill ${chunk}` : `decode b${batch} kv${kv}`,
      prefillTokens: isPrefill ? chunk : 0,
      prefillAttention: isPrefill ? (chunk * chunk) / 2 : 0,
      decodeSeqs: isPrefill ? 0 : batch,
      kvTokens: isPrefill ? 0 : batch * kv,
      stepMs: Number(stepMs.toFixed(4)),
      model: 'llama-2-7b',
      gpu: 'a100-80gb',
      tp: 1,
    });
  }
  return out;
}
