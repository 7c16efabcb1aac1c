import { inputError } from '../../errors.js';
import type { TraceFormat, TraceSpec } from '../../workload/scenario.js';
import { CountHistogram } from './countHistogram.js';
import { MOONCAKE_BLOCK_TOKENS } from './mooncake.js';
import { openTrace } from './openTrace.js';
import { PrefixReuse } from './prefixReuse.js';
import { QuantileSketch } from './quantileSketch.js';

/** What `traceStats` needs: a file and format; the other TraceSpec fields default. */
export type TraceStatsInput = Pick<TraceSpec, 'file' | 'format'> & Partial<Omit<TraceSpec, 'file' | 'format'>>;

export interface TokenSummary {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

export interface TraceStats {
  readonly file: string;
  readonly format: TraceFormat;
  readonly hasTimes: boolean;
  /** Replayable rows (what a replay would schedule). */
  readonly rows: number;
  /** Rows not replayed: bad (with skipBadRows) + failed (+ before a window start). */
  readonly skipped: number;
  readonly badRows: number;
  /** Failed requests (no output tokens), skipped. */
  readonly failed: number;
  /** First row on the file's own time axis (Azure: seconds since 1970, zoneless read as UTC); null without times. */
  readonly firstS: number | null;
  /** Last row's time minus the first's, seconds; null without times. */
  readonly spanS: number | null;
  /** rows / spanS. */
  readonly meanRatePerS: number | null;
  /** Arrivals in each hour counted from the first row: [0] is [0 s, 3600 s). Empty without times. */
  readonly ratePerHour: number[];
  readonly promptTokens: TokenSummary;
  readonly outputTokens: TokenSummary;
  /** Inter-arrival gaps: mean, median (seconds) and coefficient of variation (population sd / mean). */
  readonly gapMeanS: number | null;
  readonly gapMedianS: number | null;
  readonly gapCv: number | null;
  /** False when the gap median comes from bins (over 2^20 gaps): then within 0.1 %. */
  readonly gapsExact: boolean;
  /** Traces with hash ids (Mooncake): 512-token KV blocks. Null otherwise. */
  readonly hashBlocks: {
    readonly total: number;
    readonly distinct: number;
    readonly meanPerRequest: number;
    readonly maxPerRequest: number;
    /** Rows whose block count is not ceil(prompt / 512). */
    readonly mismatched: number;
  } | null;
  /** Fraction of prompt blocks that are a leading run of blocks seen earlier in the file. */
  readonly prefixReuse: number | null;
  /** Rows per class key when a class column is set (up to 1,000 keys, the rest under "(other)"). */
  readonly classes: Readonly<Record<string, number>> | null;
}

const MAX_HOURS = 1_000_000;
const MAX_CLASS_KEYS = 1000;

/**
 * Summarizes a trace in one streamed pass: what `capsim trace stats` prints. Memory is bounded
 * by the distinct token counts (exact percentiles), 2^20 gaps (then 0.1 %-accurate bins), the
 * hours spanned and, for hash ids, one bit per distinct block id.
 *
 * @throws InputError as `openTrace` (missing file, bad header, bad row without skipBadRows)
 */
export function traceStats(input: TraceStatsInput, options: { skipBadRows?: boolean } = {}): TraceStats {
  const spec: TraceSpec = {
    speedup: 1,
    startS: null,
    endS: null,
    columns: null,
    classColumn: null,
    classMap: null,
    defaultClass: '',
    ...input,
    loop: false,
  };
  const reader = openTrace(spec, { skipBadRows: options.skipBadRows ?? false });
  const prompt = new CountHistogram();
  const output = new CountHistogram();
  const gaps = new QuantileSketch();
  const hours: number[] = [];
  const reuse = new PrefixReuse();
  const classes = new Map<string, number>();
  let mismatched = 0;
  let withBlocks = 0;
  let gapMean = 0;
  let gapM2 = 0;
  let last = NaN;
  try {
    for (let row = reader.next(); row !== null; row = reader.next()) {
      prompt.add(row.promptTokens);
      output.add(row.outputTokens);
      const t = row.timeS;
      if (reader.hasTimes) {
        const hour = Math.floor(t / 3600);
        if (hour >= MAX_HOURS) {
          throw inputError(`the trace spans more than ${MAX_HOURS} hours; check the time unit`, { file: spec.file });
        }
        while (hours.length <= hour) hours.push(0);
        hours[hour]++;
        if (!Number.isNaN(last)) {
          // Welford's running mean and sum of squared deviations.
          const gap = t - last;
          gaps.add(gap);
          const delta = gap - gapMean;
          gapMean += delta / gaps.count;
          gapM2 += delta * (gap - gapMean);
        }
        last = t;
      }
      if (row.hashIds !== null) {
        withBlocks++;
        reuse.add(row.hashIds);
        if (row.hashIds.length !== Math.ceil(row.promptTokens / MOONCAKE_BLOCK_TOKENS)) mismatched++;
      }
      if (spec.classColumn !== null || spec.columns?.class) {
        const key = row.classKey ?? '(empty)';
        const known = classes.get(key);
        if (known !== undefined) classes.set(key, known + 1);
        else if (classes.size < MAX_CLASS_KEYS) classes.set(key, 1);
        else classes.set('(other)', (classes.get('(other)') ?? 0) + 1);
      }
    }
  } finally {
    reader.close();
  }

  const timed = reader.hasTimes && reader.rows > 0;
  const spanS = timed ? last : null;
  const [gapMedianS] = gaps.count > 0 ? gaps.quantiles([0.5]) : [NaN];
  const gapSd = gaps.count > 0 ? Math.sqrt(gapM2 / gaps.count) : NaN;
  return {
    file: spec.file,
    format: spec.format,
    hasTimes: reader.hasTimes,
    rows: reader.rows,
    skipped: reader.skipped,
    badRows: reader.badRows,
    failed: reader.failed,
    firstS: timed ? reader.firstFileTimeS : null,
    spanS,
    meanRatePerS: spanS !== null && spanS > 0 ? reader.rows / spanS : null,
    ratePerHour: hours,
    promptTokens: summarize(prompt),
    outputTokens: summarize(output),
    gapMeanS: gaps.count > 0 ? gapMean : null,
    gapMedianS: gaps.count > 0 ? gapMedianS : null,
    gapCv: gaps.count > 0 && gapMean > 0 ? gapSd / gapMean : null,
    gapsExact: gaps.isExact,
    hashBlocks:
      withBlocks > 0
        ? {
            total: reuse.totalBlocks,
            distinct: reuse.distinctBlocks,
            meanPerRequest: reuse.totalBlocks / withBlocks,
            maxPerRequest: reuse.maxBlocks,
            mismatched,
          }
        : null,
    prefixReuse: withBlocks > 0 ? reuse.fraction : null,
    classes: classes.size > 0 ? Object.fromEntries([...classes.entries()].sort((a, b) => b[1] - a[1])) : null,
  };
}

function summarize(h: CountHistogram): TokenSummary {
  if (h.count === 0) return { mean: NaN, p50: NaN, p90: NaN, p99: NaN, min: NaN, max: NaN };
  const [p50, p90, p99] = h.quantiles([0.5, 0.9, 0.99]);
  return { mean: h.mean, p50, p90, p99, min: h.min, max: h.max };
}
