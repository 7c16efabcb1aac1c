/**
 * Measured step times as files: the measurements CSV that `capsim calibrate` reads (and writes
 * for the Vidur case table), and Vidur's `mlp.csv` profile shape.
 */
import { inputError } from '../errors.js';

/** A measurement as read from a CSV: model / GPU by name (null: not in the file). */
export interface MeasuredStepRow {
  readonly label: string;
  readonly prefillTokens: number;
  readonly prefillAttention: number;
  readonly decodeSeqs: number;
  readonly kvTokens: number;
  readonly stepMs: number;
  readonly model: string | null;
  readonly gpu: string | null;
  readonly tp: number | null;
  /** 'step': a whole iteration; 'linear': the layers' linear operators only (Vidur mlp.csv rows). */
  readonly scope?: 'step' | 'linear';
  /** 1-based line in the file, for error messages. */
  readonly line?: number;
}

export const REQUIRED_COLUMNS = ['prefill_tokens', 'decode_seqs', 'kv_tokens', 'step_ms'] as const;
export const OPTIONAL_COLUMNS = ['case', 'prefill_attention', 'model', 'gpu', 'tp'] as const;

/**
 * Reads the measurements CSV (header first; columns in any order; extra columns ignored).
 * `prefill_attention` defaults to prefill_tokens^2 / 2 (one fresh prompt per iteration).
 * @throws InputError naming the file, the line and the column
 */
export function parseMeasurementsCsv(text: string, file: string): MeasuredStepRow[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i] as const));
  for (const name of REQUIRED_COLUMNS) {
    if (!index.has(name)) {
      throw inputError(
        `missing column "${name}" (required: ${REQUIRED_COLUMNS.join(', ')}; optional: ${OPTIONAL_COLUMNS.join(', ')})`,
        { file, line: 1 },
      );
    }
  }
  const rows: MeasuredStepRow[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] ?? '';
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells = splitCsvLine(line);
    const cell = (name: string): string | null => {
      const i = index.get(name);
      return i === undefined ? null : (cells[i] ?? '').trim();
    };
    const num = (name: string, opts: { optional?: boolean; integer?: boolean; positive?: boolean } = {}): number | null => {
      const raw = cell(name);
      if (raw === null || raw === '') {
        if (opts.optional) return null;
        throw inputError(`empty cell, expected a number`, { file, line: n + 1, path: name });
      }
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0 || (opts.positive && value === 0) || (opts.integer && !Number.isInteger(value))) {
        const what = opts.integer ? 'a whole number' : 'a number';
        throw inputError(`expected ${what} ${opts.positive ? '> 0' : '>= 0'}, got "${raw}"`, { file, line: n + 1, path: name });
      }
      return value;
    };
    const prefillTokens = num('prefill_tokens', { integer: true })!;
    const decodeSeqs = num('decode_seqs', { integer: true })!;
    if (prefillTokens + decodeSeqs === 0) {
      throw inputError('prefill_tokens and decode_seqs are both 0: an empty iteration', { file, line: n + 1, path: 'prefill_tokens' });
    }
    rows.push({
      label: cell('case') || `line ${n + 1}`,
      prefillTokens,
      prefillAttention: num('prefill_attention', { optional: true }) ?? (prefillTokens * prefillTokens) / 2,
      decodeSeqs,
      kvTokens: num('kv_tokens')!,
      stepMs: num('step_ms', { positive: true })!,
      model: cell('model') || null,
      gpu: cell('gpu') || null,
      tp: num('tp', { optional: true, integer: true, positive: true }),
      line: n + 1,
    });
  }
  if (rows.length === 0) throw inputError('no measurements after the header', { file, line: 1 });
  return rows;
}

/** Vidur's per-layer linear operators (mlp.csv), summed into one layer's linear time. */
const VIDUR_LINEAR_OPS = [
  'input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm',
  'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add',
];

/** True when the header is Vidur's mlp.csv profile shape. */
export function isVidurMlpCsv(text: string): boolean {
  const header = text.slice(0, text.indexOf('\n'));
  return header.includes('time_stats.mlp_up_proj.median') && header.includes('num_tokens');
}

/**
 * Reads Vidur's `mlp.csv` profile as linear-layer measurements ('linear' scope): the medians of
 * the nine per-layer token operators x `layers`, per TP degree (`num_tensor_parallel_workers`).
 * Only token counts 1, 2, 4, ..., 4096 are kept (duplicate rows averaged): Vidur samples every
 * 8 to 32 tokens, and 200-odd rows above 1,000 tokens would otherwise outweigh the
 * bandwidth-bound small batches in the fit.
 * @throws InputError naming the file, line and column of a missing column or non-numeric cell
 */
export function parseVidurMlpCsv(text: string, file: string, layers: number): MeasuredStepRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw inputError(`missing column "${name}" (Vidur mlp.csv shape)`, { file, line: 1 });
    return i;
  };
  const ops = VIDUR_LINEAR_OPS.map((op) => [`time_stats.${op}.median`, col(`time_stats.${op}.median`)] as const);
  const iTokens = col('num_tokens');
  const iTp = col('num_tensor_parallel_workers');
  const groups = new Map<string, { tokens: number; tp: number; sums: number[] }>();
  for (let n = 1; n < lines.length; n++) {
    const cells = splitCsvLine(lines[n]!);
    const number = (name: string, i: number): number => {
      const value = Number(cells[i]);
      if (cells[i] === undefined || cells[i] === '' || !Number.isFinite(value) || value < 0) {
        throw inputError(`expected a number >= 0, got "${cells[i] ?? ''}"`, { file, line: n + 1, path: name });
      }
      return value;
    };
    const tokens = number('num_tokens', iTokens);
    const tp = number('num_tensor_parallel_workers', iTp);
    if (!Number.isInteger(Math.log2(tokens))) continue;
    const sum = ops.reduce((acc, [name, i]) => acc + number(name, i), 0);
    const key = `${tp}:${tokens}`;
    const g = groups.get(key) ?? { tokens, tp, sums: [] };
    g.sums.push(sum);
    groups.set(key, g);
  }
  if (groups.size === 0) throw inputError('no rows with num_tokens a power of two', { file, line: 1 });
  return [...groups.values()].map((g) => ({
    label: `linear ${g.tokens} tok tp${g.tp}`,
    prefillTokens: 0,
    prefillAttention: 0,
    decodeSeqs: g.tokens,
    kvTokens: 0,
    stepMs: (layers * g.sums.reduce((a, b) => a + b, 0)) / g.sums.length,
    model: null,
    gpu: null,
    tp: g.tp,
    scope: 'linear' as const,
  }));
}

/** Splits one CSV line (RFC 4180 quotes supported). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(field), (field = '');
    else field += ch;
  }
  out.push(field);
  return out;
}

/** Writes rows back in the CSV format parseMeasurementsCsv reads. */
export function formatMeasurementsCsv(rows: readonly MeasuredStepRow[]): string {
  const lines = ['case,prefill_tokens,prefill_attention,decode_seqs,kv_tokens,step_ms,model,gpu,tp'];
  for (const r of rows) {
    lines.push([r.label, r.prefillTokens, r.prefillAttention, r.decodeSeqs, r.kvTokens, r.stepMs, r.model ?? '', r.gpu ?? '', r.tp ?? ''].join(','));
  }
  return `${lines.join('\n')}\n`;
}

