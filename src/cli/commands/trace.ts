import { resolve } from 'node:path';
import { Option } from 'commander';
import { inputError } from '../../errors.js';
import { TRACE_FORMAT_NAMES } from '../../traffic/trace/formats.js';
import { inferTraceFormat } from '../../traffic/trace/inferFormat.js';
import { traceStats, type TokenSummary, type TraceStats, type TraceStatsInput } from '../../traffic/trace/stats.js';
import type { TraceFormat } from '../../workload/scenario.js';
import { EXIT, guarded } from '../context.js';
import type { RegisterCommand } from './index.js';

interface StatsOptions {
  format?: TraceFormat;
  skipBadRows?: boolean;
  json?: boolean;
  classColumn?: string;
  timeColumn?: string;
  timeUnit: 's' | 'ms' | 'us';
  promptColumn?: string;
  outputColumn?: string;
  debug?: boolean;
}

/** The options of `capsim trace stats`, declared once: they feed the parser and the help. */
interface OptionRow {
  flags: string;
  description: string;
  choices?: readonly string[];
  default?: string;
}

export const TRACE_STATS_OPTIONS: readonly OptionRow[] = [
  {
    flags: '--format <format>',
    description: 'trace format (default: inferred from the extension and header)',
    choices: TRACE_FORMAT_NAMES,
  },
  { flags: '--skip-bad-rows', description: 'skip malformed rows and count them instead of stopping at the first' },
  { flags: '--json', description: 'print the statistics as JSON' },
  {
    flags: '--class-column <name>',
    description: 'column (or JSON key) naming the class; counts rows per value (burstgpt default: Model)',
  },
  { flags: '--time-column <name>', description: 'csv format: column with arrival times' },
  {
    flags: '--time-unit <unit>',
    description: 'csv format: unit of numeric times',
    choices: ['s', 'ms', 'us'],
    default: 's',
  },
  { flags: '--prompt-column <name>', description: 'csv format: column with prompt tokens' },
  { flags: '--output-column <name>', description: 'csv format: column with output tokens' },
  { flags: '--debug', description: 'show stack traces of internal errors' },
];

/** `capsim trace stats <file>`: summarize a request trace before replaying it. */
export const registerTrace: RegisterCommand = (program, io, done) => {
  const trace = program.command('trace').description('inspect request traces (see docs/traces.md)');
  const stats = trace
    .command('stats <file>')
    .description('summarize a request trace before replaying it: rows, span, rates, token percentiles, gaps, prefix reuse');
  for (const o of TRACE_STATS_OPTIONS) {
    const option = new Option(o.flags, o.description);
    if (o.choices) option.choices(o.choices);
    if (o.default !== undefined) option.default(o.default);
    stats.addOption(option);
  }
  stats.action(async (file: string, opts: StatsOptions) => {
    done(
      await guarded(io, opts.debug ?? false, () => {
        const result = traceStats(statsInput(resolve(file), opts), { skipBadRows: opts.skipBadRows ?? false });
        io.out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatStats(result));
        return EXIT.ok;
      }),
    );
  });
};

function statsInput(file: string, opts: StatsOptions): TraceStatsInput {
  const format = opts.format ?? inferTraceFormat(file);
  const classColumn = opts.classColumn ?? (format === 'burstgpt' ? 'Model' : null);
  if (format !== 'csv') return { file, format, classColumn };
  const { timeColumn, promptColumn, outputColumn } = opts;
  if (!timeColumn || !promptColumn || !outputColumn) {
    throw inputError(
      '--format csv needs --time-column, --prompt-column and --output-column (and --time-unit unless seconds)',
    );
  }
  return {
    file,
    format,
    classColumn: null,
    columns: {
      time: timeColumn,
      timeUnit: opts.timeUnit,
      prompt: promptColumn,
      output: outputColumn,
      class: opts.classColumn ?? null,
    },
  };
}

/** The human summary: a compact two-column table, then token percentiles. */
export function formatStats(s: TraceStats): string {
  const rows: [string, string][] = [];
  rows.push(['trace', `${s.file} (${s.format})`]);
  const why = `${int(s.badRows)} bad, ${int(s.failed)} failed`;
  rows.push(['rows', `${int(s.rows)} replayable, ${int(s.skipped)} skipped (${why})`]);
  if (!s.hasTimes) {
    rows.push(['times', 'none: lengths only, replayed with a synthetic arrival process']);
  } else if (s.spanS !== null) {
    const first =
      s.format === 'azure' && s.firstS !== null ? new Date(s.firstS * 1000).toISOString() : `t = ${num(s.firstS ?? 0, 3)} s`;
    const rate = s.meanRatePerS !== null ? `, ${significant(s.meanRatePerS)} req/s` : '';
    rows.push(['span', `${duration(s.spanS)} from ${first}${rate}`]);
    if (s.gapMedianS !== null) {
      const cv = s.gapCv !== null ? `, CV ${num(s.gapCv, 2)}` : '';
      const approx = s.gapsExact ? '' : ' (median within 0.1%)';
      rows.push(['gaps', `median ${num(s.gapMedianS, 3)} s, mean ${num(s.gapMeanS ?? 0, 3)} s${cv}${approx}`]);
    }
    const hours = s.ratePerHour;
    rows.push(['per hour', hours.length <= 48 ? hours.map(int).join(' ') : hourRange(hours)]);
  }
  if (s.hashBlocks) {
    const b = s.hashBlocks;
    const mismatch = b.mismatched > 0 ? `, ${int(b.mismatched)} rows with block count != ceil(prompt/512)` : '';
    const perRequest = `${num(b.meanPerRequest, 1)} per request, max ${int(b.maxPerRequest)}`;
    rows.push(['blocks', `${int(b.total)} of 512 tokens (${int(b.distinct)} distinct), ${perRequest}${mismatch}`]);
  }
  if (s.prefixReuse !== null) {
    rows.push(['prefix reuse', `${num(s.prefixReuse * 100, 1)}% of prompt blocks are a prefix seen earlier`]);
  }
  if (s.classes) {
    const total = Object.values(s.classes).reduce((a, b) => a + b, 0);
    const shown = Object.entries(s.classes).slice(0, 8);
    rows.push(['classes', shown.map(([k, c]) => `${k} ${int(c)} (${num((c / total) * 100, 1)}%)`).join(', ')]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const head = ['tokens', 'mean', 'p50', 'p90', 'p99', 'min', 'max'];
  const table = [head, tokenRow('prompt', s.promptTokens), tokenRow('output', s.outputTokens)];
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  lines.push('');
  for (const r of table) lines.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  return `${lines.join('\n')}\n`;
}

function tokenRow(name: string, t: TokenSummary): string[] {
  return [name, num(t.mean, 1), num(t.p50, 0), num(t.p90, 0), num(t.p99, 0), num(t.min, 0), num(t.max, 0)];
}

function hourRange(hours: readonly number[]): string {
  const min = Math.min(...hours);
  const max = Math.max(...hours);
  return `${hours.length} hours, ${int(min)} to ${int(max)} arrivals per hour (--json lists each)`;
}

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function num(n: number, digits: number): string {
  if (Number.isNaN(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function significant(n: number): string {
  return n >= 100 ? num(n, 0) : n.toPrecision(3);
}

function duration(s: number): string {
  if (s < 120) return `${num(s, 3)} s`;
  if (s < 2 * 3600) return `${num(s, 1)} s (${num(s / 60, 1)} min)`;
  if (s < 2 * 86_400) return `${num(s, 0)} s (${num(s / 3600, 1)} h)`;
  return `${num(s, 0)} s (${num(s / 86_400, 1)} days)`;
}
