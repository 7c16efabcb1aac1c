/**
 * The fidelity table: every case, measured vs predicted, signed errors, and the median absolute
 * error per metric for each role (fit / check / held-out). `formatFidelityMarkdown` writes the
 * table of docs/fidelity.md.
 */
import type { CaseRole, FidelityCase } from './cases.js';
import { runCase, type CaseOverrides, type CasePrediction } from './runCase.js';

export const METRICS = ['ttftMs', 'tpotMs', 'e2eMs', 'throughputRps'] as const;
export type Metric = (typeof METRICS)[number];

export interface FidelityRow {
  readonly case: FidelityCase;
  readonly predicted: CasePrediction;
  /** Signed relative error (predicted / measured - 1) per metric; NaN where not compared. */
  readonly errors: Readonly<Record<Metric, number>>;
}

export type Medians = Readonly<Record<CaseRole, Readonly<Record<Metric, number>>>>;

export function fidelityRow(c: FidelityCase, overrides: CaseOverrides = {}): FidelityRow {
  const predicted = runCase(c, overrides);
  const errors = {} as Record<Metric, number>;
  for (const m of METRICS) {
    // A saturated real server reports its capacity, not its latency: compare throughput only.
    errors[m] = c.saturated && m !== 'throughputRps' ? NaN : predicted[m] / c.measured[m] - 1;
  }
  return { case: c, predicted, errors };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median absolute error (%) per role and metric over the rows that compare it. */
export function medians(rows: readonly FidelityRow[]): Medians {
  const out = {} as Record<CaseRole, Record<Metric, number>>;
  for (const role of ['fit', 'check', 'held-out'] as const) {
    out[role] = {} as Record<Metric, number>;
    for (const m of METRICS) {
      const xs = rows.filter((r) => r.case.role === role && Number.isFinite(r.errors[m])).map((r) => Math.abs(r.errors[m]) * 100);
      out[role][m] = median(xs);
    }
  }
  return out;
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '-');

function modelName(c: FidelityCase): string {
  return typeof c.model === 'string' ? c.model : String(c.model.name ?? 'inline');
}

/** The markdown tables of docs/fidelity.md (cases, then medians). */
export function formatFidelityMarkdown(rows: readonly FidelityRow[]): string {
  const lines: string[] = [];
  lines.push(
    '| case | role | GPU | model | TP | in/out tokens | load | TTFT ms meas/pred (err) | TPOT ms meas/pred (err) | E2E ms meas/pred (err) | req/s meas/pred (err) | sim stable |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const { case: c, predicted: p, errors: e } of rows) {
    const load =
      c.load.kind === 'poisson' ? `${c.load.rate}/s Poisson` :
      c.load.kind === 'trace' ? `trace, ${c.load.requests} req at ${c.load.rate.toFixed(1)}/s` :
      `${c.load.concurrency} users`;
    const stable = `${p.unstable ? 'no' : 'yes'}${c.realQueueGrew ? ' (real: no)' : ''}`;
    const cell = (m: Metric, d = 1) => `${fmt(c.measured[m], d)} / ${fmt(p[m], d)} (${pct(e[m])})`;
    lines.push(
      `| ${c.id} | ${c.role}${c.saturated ? ' (saturated)' : ''} | ${c.gpu} | ${modelName(c)} | ${c.tp} | ${c.promptTokens}/${c.outputTokens} | ${load} | ${cell('ttftMs')} | ${cell('tpotMs', 2)} | ${cell('e2eMs', 0)} | ${cell('throughputRps', 2)} | ${stable} |`,
    );
  }
  const med = medians(rows);
  lines.push('', '| median abs error | TTFT | TPOT | E2E | throughput | cases |', '|---|---|---|---|---|---|');
  for (const role of ['fit', 'check', 'held-out'] as const) {
    const n = rows.filter((r) => r.case.role === role).length;
    if (n === 0) continue;
    lines.push(`| ${role} | ${fmt(med[role].ttftMs)}% | ${fmt(med[role].tpotMs)}% | ${fmt(med[role].e2eMs)}% | ${fmt(med[role].throughputRps)}% | ${n} |`);
  }
  return `${lines.join('\n')}\n`;
}
