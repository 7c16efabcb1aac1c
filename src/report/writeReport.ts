import { join } from 'node:path';
import { writeFilesAtomically } from '../output/atomicWrite.js';
import { VERSION } from '../version.js';
import { readResults, type ManifestInfo } from './readResults.js';
import { reportHtml } from './reportHtml.js';

export interface ReportOptions {
  /**
   * Workload details (name, seed, classes' SLOs, fleet) for a folder without manifest.json,
   * e.g. a sweep's: the manifest of the workload the sweep varied.
   */
  manifest?: ManifestInfo;
}

/**
 * Writes `report.html` into a results folder from the files a run, sweep or plan left there.
 * Returns the path written.
 *
 * @throws InputError when the folder holds no capsim outputs
 */
export function writeReport(dir: string, options: ReportOptions = {}): string {
  const results = readResults(dir);
  const html = reportHtml({ ...results, manifest: results.manifest ?? options.manifest ?? null }, VERSION);
  const path = join(dir, 'report.html');
  writeFilesAtomically([{ path, content: html }]);
  return path;
}
