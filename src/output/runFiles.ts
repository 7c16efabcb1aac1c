import { join } from 'node:path';
import type { Scenario } from '../workload/scenario.js';
import type { RunResult } from '../metrics/results.js';
import { HOURLY_BY_CLASS_COLUMNS, HOURLY_COLUMNS } from '../metrics/results.js';
import { VERSION } from '../version.js';
import { toCsv } from './csv.js';
import { writeFilesAtomically } from './atomicWrite.js';

/** The manifest: everything needed to reproduce the run (no wall-clock time: outputs are byte-identical). */
export function manifest(scenario: Scenario): object {
  return { capsim_version: VERSION, seed: scenario.seed, workload_file: scenario.sourceFile, scenario };
}

/** JSON with Infinity written as null and a trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** The files of `capsim run`: hourly.csv, hourly_by_class.csv, summary.json, manifest.json. */
export function runFiles(dir: string, scenario: Scenario, result: RunResult): { path: string; content: string }[] {
  return [
    { path: join(dir, 'hourly.csv'), content: toCsv(result.hourly, HOURLY_COLUMNS) },
    { path: join(dir, 'hourly_by_class.csv'), content: toCsv(result.hourlyByClass, HOURLY_BY_CLASS_COLUMNS) },
    { path: join(dir, 'summary.json'), content: toJson(result.summary) },
    { path: join(dir, 'manifest.json'), content: toJson(manifest(scenario)) },
  ];
}

export function writeRun(dir: string, scenario: Scenario, result: RunResult): string[] {
  const files = runFiles(dir, scenario, result);
  writeFilesAtomically(files);
  return files.map((f) => f.path);
}
