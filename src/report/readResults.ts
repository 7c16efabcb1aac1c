import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw inputError('not a results folder (no such directory)', { file: dir });
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
  return {
    dir,
    summary: json<Summary>('summary.json'),
    manifest: json<ManifestInfo>('manifest.json'),
    hourly: csv('hourly.csv'),
    hourlyByClass: csv('hourly_by_class.csv'),
    sweep: csv('sweep.csv'),
    plan: csv('plan.csv'),
    planSchedule: csv('plan_schedule.csv'),
  };
}
