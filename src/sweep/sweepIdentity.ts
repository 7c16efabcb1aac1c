/**
 * What makes two sweeps "the same sweep": the workload file's bytes, the seed, the `--set`
 * overrides, `--replications`, the `--vary` grid and the shard. Written to `sweep.json` beside
 * `sweep.csv` (and into `shard.json`), so that `--resume` and `capsim merge` refuse to mix rows
 * of two configurations in one file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inputError } from '../errors.js';
import type { VaryAxis } from './grid.js';

export interface SweepIdentity {
  readonly capsim_version: string;
  /** SHA-256 of the workload file as read (files it references are not hashed). */
  readonly workload_sha256: string;
  /** The seed the points run with (the file's, or `--seed`). */
  readonly seed: number;
  /** The user's `--set` flags, in order. */
  readonly set: readonly string[];
  /** `--replications` (0 when not given). */
  readonly replications: number;
  readonly grid: readonly { key: string; values: readonly (number | string)[] }[];
  /** `I/N`, or null for a whole sweep. */
  readonly shard: string | null;
}

export function sweepIdentity(options: {
  version: string;
  file: string;
  seed: number;
  set: readonly string[];
  replications: number;
  axes: readonly VaryAxis[];
  shard: string | null;
}): SweepIdentity {
  return {
    capsim_version: options.version,
    workload_sha256: createHash('sha256').update(readFileSync(options.file)).digest('hex'),
    seed: options.seed,
    set: [...options.set],
    replications: options.replications,
    grid: options.axes.map((a) => ({ key: a.key, values: [...a.values] })),
    shard: options.shard,
  };
}

const FIELDS: readonly [keyof SweepIdentity, string][] = [
  ['workload_sha256', 'the workload file changed'],
  ['seed', 'another seed (--seed or the file\'s seed)'],
  ['set', 'other --set overrides'],
  ['replications', 'another --replications'],
  ['grid', 'another --vary grid'],
  ['shard', 'another --shard'],
];

/**
 * The differences between a recorded identity and this sweep's, in words (empty: the same
 * sweep). The capsim version is not compared: outputs of a patch release are meant to match.
 */
export function identityDifferences(recorded: unknown, current: SweepIdentity): string[] {
  if (recorded === null || typeof recorded !== 'object') return ['no identity recorded'];
  const r = recorded as Record<string, unknown>;
  return FIELDS.filter(([k]) => JSON.stringify(r[k]) !== JSON.stringify(current[k])).map(([k, why]) =>
    k === 'seed' || k === 'shard' || k === 'replications' ? `${why}: ${JSON.stringify(r[k])} then, ${JSON.stringify(current[k])} now` : why,
  );
}

/**
 * @throws InputError when `--resume` meets rows of a different sweep
 */
export function checkResumeIdentity(path: string, text: string | null, current: SweepIdentity): void {
  const fix = 'run without --resume to start over, or with the same workload and flags to continue';
  if (text === null) throw inputError(`--resume: no sweep.json records which sweep wrote the rows beside it; ${fix}`, { file: path });
  let recorded: unknown;
  try {
    recorded = JSON.parse(text);
  } catch (error) {
    throw inputError(`--resume: not valid JSON (${(error as Error).message}); ${fix}`, { file: path });
  }
  const diff = identityDifferences(recorded, current);
  if (diff.length > 0) throw inputError(`--resume: the rows there were written by a different sweep (${diff.join('; ')}); ${fix}`, { file: path });
}
