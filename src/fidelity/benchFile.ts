/**
 * Reads end-to-end serving benchmark results for `capsim calibrate --bench` (docs/calibrate.md):
 *
 * - `vllm bench serve --save-result` JSON (also `benchmarks/benchmark_serving.py`): the
 *   per-request arrays `input_lens`, `output_lens`, `ttfts` (s) and `itls` (s, one list per
 *   request; recent vLLM keeps them only with `--save-detailed`), `errors` (a non-empty string
 *   marks a failed request), and the run's `request_rate` ("inf" or a number) and
 *   `max_concurrency`. E2E of a request = ttft + sum(itls).
 * - a CSV with a header naming `input_tokens, output_tokens, ttft_ms, e2e_ms` and optionally
 *   `start_s` (seconds from the start of the run); other columns are ignored.
 *
 * How the run is replayed: measured start times when the file has them (CSV `start_s`); else a
 * closed loop of `max_concurrency` users when the request rate is infinite; else Poisson at the
 * request rate (seeded). The CLI's --rate / --concurrency supply what a CSV without start times
 * lacks.
 */
import { readFileSync } from 'node:fs';
import { inputError } from '../errors.js';

export interface BenchRequest {
  /** Seconds from the start of the run, or NaN when the file does not say. */
  readonly startS: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly ttftMs: number;
  readonly e2eMs: number;
}

export interface BenchRun {
  readonly file: string;
  readonly format: 'vllm-json' | 'csv';
  readonly requests: readonly BenchRequest[];
  /** Requests per second of the load generator; Infinity = as fast as the concurrency allows. */
  readonly rate: number;
  /** Closed-loop users, or null (open loop). */
  readonly concurrency: number | null;
}

export interface BenchLoadOptions {
  readonly rate?: number;
  readonly concurrency?: number;
}

export function readBenchFile(file: string, options: BenchLoadOptions = {}): BenchRun {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw inputError(`cannot read the benchmark file: ${(error as Error).message}`, { file });
  }
  const run = text.trimStart().startsWith('{') ? parseVllmJson(text, file) : parseBenchCsv(text, file);
  const rate = options.rate ?? run.rate;
  const concurrency = options.concurrency ?? run.concurrency;
  const timed = run.requests.every((r) => Number.isFinite(r.startS));
  if (!timed && !Number.isFinite(rate) && concurrency === null) {
    throw inputError('the file has no start times, request rate or concurrency: pass --rate or --concurrency', { file });
  }
  return { ...run, rate, concurrency };
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
}

export function parseVllmJson(text: string, file: string): BenchRun {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw inputError(`not valid JSON: ${(error as Error).message}`, { file });
  }
  const arrays = ['input_lens', 'output_lens', 'ttfts'] as const;
  for (const key of arrays) {
    if (!Array.isArray(data[key])) {
      throw inputError(
        `has no per-request "${key}" array: save the benchmark with --save-result (and --save-detailed on vLLM versions that have it)`,
        { file, path: key },
      );
    }
  }
  const inputs = data.input_lens as unknown[];
  const outputs = data.output_lens as unknown[];
  const ttfts = data.ttfts as unknown[];
  const itls = Array.isArray(data.itls) ? (data.itls as unknown[]) : null;
  const errors = Array.isArray(data.errors) ? (data.errors as unknown[]) : null;
  if (outputs.length !== inputs.length || ttfts.length !== inputs.length) {
    throw inputError(`input_lens, output_lens and ttfts must have one entry per request (${inputs.length}, ${outputs.length}, ${ttfts.length})`, { file });
  }
  const requests: BenchRequest[] = [];
  inputs.forEach((input, i) => {
    if (errors && typeof errors[i] === 'string' && (errors[i] as string).length > 0) return; // failed request
    const prompt = num(input);
    const output = num(outputs[i]);
    const ttftS = num(ttfts[i]);
    const gaps = itls && Array.isArray(itls[i]) ? (itls[i] as unknown[]).map(num) : null;
    if (!(prompt >= 1) || !(output >= 1) || !(ttftS > 0)) return; // not completed
    if (gaps === null && output > 1) {
      throw inputError(`request ${i} has ${output} output tokens but no "itls" entry: E2E cannot be derived`, { file, path: `itls[${i}]` });
    }
    const e2eS = ttftS + (gaps ?? []).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    requests.push({ startS: NaN, promptTokens: Math.round(prompt), outputTokens: Math.round(output), ttftMs: ttftS * 1e3, e2eMs: e2eS * 1e3 });
  });
  if (requests.length === 0) throw inputError('has no completed request', { file });
  const rateValue = data.request_rate;
  const rate = rateValue === 'inf' || rateValue === undefined || rateValue === null ? Infinity : num(rateValue);
  const concurrency = num(data.max_concurrency);
  return { file, format: 'vllm-json', requests, rate: Number.isFinite(rate) ? rate : Infinity, concurrency: concurrency >= 1 ? concurrency : null };
}

const CSV_REQUIRED = ['input_tokens', 'output_tokens', 'ttft_ms', 'e2e_ms'] as const;

export function parseBenchCsv(text: string, file: string): BenchRun {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  for (const column of CSV_REQUIRED) {
    if (!header.includes(column)) {
      throw inputError(`the header has no "${column}" column; a benchmark CSV needs ${CSV_REQUIRED.join(', ')} (start_s optional)`, { file, line: 1 });
    }
  }
  const at = (name: string) => header.indexOf(name);
  const startAt = at('start_s');
  const requests: BenchRequest[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const value = (name: string) => num(cells[at(name)]);
    const row = {
      startS: startAt >= 0 ? num(cells[startAt]) : NaN,
      promptTokens: value('input_tokens'),
      outputTokens: value('output_tokens'),
      ttftMs: value('ttft_ms'),
      e2eMs: value('e2e_ms'),
    };
    const bad =
      !(Number.isInteger(row.promptTokens) && row.promptTokens >= 1) ? 'input_tokens' :
      !(Number.isInteger(row.outputTokens) && row.outputTokens >= 1) ? 'output_tokens' :
      !(row.ttftMs > 0) ? 'ttft_ms' :
      !(row.e2eMs >= row.ttftMs) ? 'e2e_ms' :
      startAt >= 0 && !(row.startS >= 0) ? 'start_s' : null;
    if (bad !== null) {
      const expected = bad.endsWith('tokens') ? 'a whole number >= 1' : bad === 'e2e_ms' ? 'a number >= ttft_ms' : bad === 'start_s' ? 'seconds >= 0' : 'a number > 0';
      throw inputError(`must be ${expected}, got '${(cells[at(bad)] ?? '').trim()}'`, { file, line: i + 1, path: bad });
    }
    requests.push(row);
  }
  if (requests.length === 0) throw inputError('has no rows after the header', { file });
  return { file, format: 'csv', requests, rate: Infinity, concurrency: null };
}
