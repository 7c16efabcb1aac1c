import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inputError } from '../errors.js';
import type { Summary } from '../metrics/results.js';
import { parseCsv, type CsvRow } from './readCsv.js';

/** The parts of manifest.json the report shows (the rest is the resolved scenario). */
export interface ManifestInfo {
  capsim_version?: string;
  seed?: number;
  workload_file?: string | null;
  scenario?: {
    name?: string;
    durationS?: number | null;
    classes?: ReadonlyArray<{ name: string; slo?: { ttftS: number | null; tpotS: number | null; e2eS: number | null }; deadlineS?: number | null }>;
    pools?: ReadonlyArray<{ name: string; gpus: number; gpusPerReplica: number; gpu?: { name?: string }; model?: { name?: string } }>;
  };
}

/** What a results folder holds; each part is absent when its file is. */
export interface Results {
  dir: string;
  summary: Summary | null;
  manifest: ManifestInfo | null;
  hourly: CsvRow[] | null;
  hourlyByClass: CsvRow[] | null;
  sweep: CsvRow[] | null;
  plan: CsvRow[] | null;
  planSchedule: CsvRow[] | null;
}

export const RESULT_FILES = ['summary.json', 'manifest.json', 'hourly.csv', 'hourly_by_class.csv', 'sweep.csv', 'plan.csv', 'plan_schedule.csv'] as const;

/**
 * Reads the outputs of `capsim run`, `sweep` or `plan` in `dir`.
 *
 * @throws InputError when `dir` is not a folder or holds none of capsim's output files
 */
export function readResults(dir: string): Results {
  if (!existsSync(dir)) throw inputError('not a results folder (no such directory)', { file: dir });
  if (!statSync(dir).isDirectory()) {
    throw inputError(`is a file, not a results folder; give the folder that holds capsim's output files (capsim report ${dirname(dir)})`, { file: dir });
  }
  if (!RESULT_FILES.some((f) => existsSync(join(dir, f)))) {
    throw inputError(`holds none of capsim's output files (${RESULT_FILES.join(', ')}); run \`capsim run --out ${dir}\` first`, { file: dir });
  }
  const json = <T>(name: string): T | null => {
    const path = join(dir, name);
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (error) {
      throw inputError(`is not valid JSON: ${(error as Error).message}`, { file: path });
    }
  };
  const csv = (name: string): CsvRow[] | null => {
    const path = join(dir, name);
    return existsSync(path) ? parseCsv(readFileSync(path, 'utf8')) : null;
  };
  const summary = json<Summary>('summary.json');
  if (summary !== null) {
    const problem = summaryProblem(summary);
    if (problem !== null) throw inputError(`is not a summary written by capsim run (${problem}); run the workload again to rewrite it`, { file: join(dir, 'summary.json') });
  }
  return {
    dir,
    summary,
    manifest: json<ManifestInfo>('manifest.json'),
    hourly: csv('hourly.csv'),
    hourlyByClass: csv('hourly_by_class.csv'),
    sweep: csv('sweep.csv'),
    plan: csv('plan.csv'),
    planSchedule: csv('plan_schedule.csv'),
  };
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const isNumberOrNull = (x: unknown) => x === null || typeof x === 'number';

/** What the report needs of summary.json and finds missing, or null. */
function summaryProblem(s: unknown): string | null {
  if (!isObject(s)) return 'expected an object';
  for (const k of ['requests', 'completed', 'dropped', 'hours', 'total_cost', 'cost_per_hour'] as const) {
    if (typeof s[k] !== 'number') return `'${k}' is not a number`;
  }
  if (!isNumberOrNull(s.cost_per_1k_requests) || !isNumberOrNull(s.slo_attainment ?? null)) return "'cost_per_1k_requests' or 'slo_attainment' is not a number";
  if (typeof s.meets_slo !== 'boolean') return "'meets_slo' is not true or false";
  const b = s.cost_breakdown;
  if (!isObject(b)) return "'cost_breakdown' is missing";
  for (const k of ['gpu_cost', 'energy_cost', 'api_cost', 'cache_cost', 'other_cost']) if (typeof b[k] !== 'number') return `'cost_breakdown.${k}' is not a number`;
  for (const k of ['gpu_by_pricing', 'other_by_item']) {
    if (b[k] !== undefined && (!isObject(b[k]) || !Object.values(b[k] as object).every((v) => typeof v === 'number'))) return `'cost_breakdown.${k}' is not an object of numbers`;
  }
  if (!isObject(s.classes)) return "'classes' is missing";
  for (const [name, c] of Object.entries(s.classes)) {
    const at = `'classes.${name}`;
    if (!isObject(c)) return `${at}' is not an object`;
    if (typeof c.requests !== 'number' || typeof c.dropped !== 'number' || typeof c.meets_slo !== 'boolean') return `${at}' lacks requests, dropped or meets_slo`;
    if (!isNumberOrNull(c.slo_attainment ?? null) || !isNumberOrNull(c.cost_per_1k_requests ?? null)) return `${at}.slo_attainment' or cost_per_1k_requests is not a number`;
    if (!Array.isArray(c.hours_missed)) return `${at}.hours_missed' is not a list`;
    if (!isObject(c.slo) || !['ttft_ms', 'tpot_ms', 'e2e_ms'].every((k) => isNumberOrNull((c.slo as Record<string, unknown>)[k] ?? null))) return `${at}.slo' is not an object of limits`;
    if (!isObject(c.latency)) return `${at}.latency' is missing`;
    for (const k of ['ttft_ms', 'tpot_ms', 'e2e_ms']) {
      const l = (c.latency as Record<string, unknown>)[k];
      if (!isObject(l) || !isNumberOrNull(l.p99 ?? null)) return `${at}.latency.${k}' is not an object of percentiles`;
    }
  }
  return null;
}
