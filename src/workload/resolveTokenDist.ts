import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { InputError } from '../errors.js';
import { readTraceColumn } from '../traffic/trace/readColumn.js';
import { formatPath, type KeyPath } from './path.js';
import type { Problems } from './problems.js';
import type { TokenDistDoc } from './schema.js';
import type { TokenDist } from './scenario.js';

/** z of the standard normal's 0.99 quantile (Abramowitz & Stegun 26.2.23; R: qnorm(0.99)). */
export const Z_99 = 2.326347874040841;

/**
 * Lognormal parameters from a median and a 99th percentile: mu = ln(median),
 * sigma = (ln(p99) - mu) / z(0.99).
 */
export function lognormalFromQuantiles(median: number, p99: number): { mu: number; sigma: number } {
  const mu = Math.log(median);
  return { mu, sigma: (Math.log(p99) - mu) / Z_99 };
}

/**
 * Lognormal parameters from the distribution's own mean and standard deviation:
 * sigma^2 = ln(1 + sd^2 / mean^2), mu = ln(mean) - sigma^2 / 2.
 */
export function lognormalFromMoments(mean: number, sd: number): { mu: number; sigma: number } {
  const variance = Math.log(1 + (sd * sd) / (mean * mean));
  return { mu: Math.log(mean) - variance / 2, sigma: Math.sqrt(variance) };
}

/**
 * A token-count distribution of the file as a `TokenDist`. `folder` is where a relative
 * `empirical` file is looked up (the workload file's folder). Problems are added to `problems`;
 * the return value is then a placeholder.
 */
export function resolveTokenDist(doc: TokenDistDoc, path: KeyPath, folder: string, problems: Problems): TokenDist {
  if (typeof doc === 'number') return { dist: 'fixed', value: doc, max: Number.POSITIVE_INFINITY };
  const cap = (max: number | undefined): number => max ?? Number.POSITIVE_INFINITY;
  switch (doc.dist) {
    case 'fixed':
      return { dist: 'fixed', value: doc.value, max: cap(doc.max) };
    case 'uniform':
      if (doc.min > doc.max) problems.add([...path, 'min'], `must be <= max (${doc.max}), got ${doc.min}`);
      return { dist: 'uniform', min: doc.min, max: doc.max };
    case 'exponential':
      return { dist: 'exponential', mean: doc.mean, max: cap(doc.max) };
    case 'normal':
      return { dist: 'normal', mean: doc.mean, sd: doc.sd, max: cap(doc.max) };
    case 'lognormal':
      return { dist: 'lognormal', ...lognormalParams(doc, path, problems), max: cap(doc.max) };
    case 'empirical': {
      const file = resolvePath(folder, doc.file);
      return { dist: 'empirical', file, column: doc.column, values: readValues(file, doc.column, path, problems), max: cap(doc.max) };
    }
  }
}

type LognormalDoc = Extract<TokenDistDoc, { dist: 'lognormal' }>;

function lognormalParams(doc: LognormalDoc, path: KeyPath, problems: Problems): { mu: number; sigma: number } {
  const byQuantiles = doc.median !== undefined || doc.p99 !== undefined;
  const byMoments = doc.mean !== undefined || doc.sd !== undefined;
  const placeholder = { mu: 0, sigma: 0 };
  if (byQuantiles && byMoments) {
    problems.add(path, 'give either median and p99, or mean and sd, not both');
    return placeholder;
  }
  if (byQuantiles) {
    if (doc.median === undefined) problems.add([...path, 'median'], 'is required with p99');
    if (doc.p99 === undefined) problems.add([...path, 'p99'], 'is required with median');
    if (doc.median === undefined || doc.p99 === undefined) return placeholder;
    if (doc.p99 <= doc.median) {
      problems.add([...path, 'p99'], `must be > median (${doc.median}), got ${doc.p99}`);
      return placeholder;
    }
    return boundedSpread(lognormalFromQuantiles(doc.median, doc.p99), [...path, 'p99'], problems);
  }
  if (byMoments) {
    if (doc.mean === undefined) problems.add([...path, 'mean'], 'is required with sd');
    if (doc.sd === undefined) problems.add([...path, 'sd'], 'is required with mean');
    if (doc.mean === undefined || doc.sd === undefined) return placeholder;
    return boundedSpread(lognormalFromMoments(doc.mean, doc.sd), [...path, 'sd'], problems);
  }
  problems.add(path, 'a lognormal needs median and p99 (e.g. {dist: lognormal, median: 900, p99: 6000}), or mean and sd');
  return placeholder;
}

/** The widest lognormal accepted: sigma = 10 (its p99 is e^23 = 1e10 times its median). */
export const MAX_LOGNORMAL_SIGMA = 10;

function boundedSpread(params: { mu: number; sigma: number }, path: KeyPath, problems: Problems): { mu: number; sigma: number } {
  if (Number.isFinite(params.mu) && params.sigma <= MAX_LOGNORMAL_SIGMA) return params;
  problems.add(path, `makes the lognormal too wide (sigma ${params.sigma.toPrecision(3)}, at most ${MAX_LOGNORMAL_SIGMA}); no real token-count distribution spreads so far`);
  return { mu: 0, sigma: 0 };
}

function readValues(file: string, column: string, path: KeyPath, problems: Problems): number[] {
  if (!existsSync(file)) {
    problems.add([...path, 'file'], `file not found: ${file}`);
    return [];
  }
  if (!statSync(file).isFile()) {
    problems.add([...path, 'file'], `is not a regular file (a folder, device or FIFO): ${file}`);
    return [];
  }
  try {
    const values = readTraceColumn(file, column, formatPath([...path, 'file']));
    if (values.length === 0) problems.add([...path, 'column'], `column "${column}" of ${file} has no values`);
    return values;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.addLocated(error.problems);
    return [];
  }
}
