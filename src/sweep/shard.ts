/**
 * `--shard I/N`: the points whose grid index modulo N equals I. `auto/N` takes I from
 * `JOB_COMPLETION_INDEX`, which a Kubernetes Indexed Job sets in each pod.
 */
import { inputError } from '../errors.js';
import type { SweepIdentity } from './sweepIdentity.js';
import { MAX_GRID_POINTS } from './grid.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * @throws InputError for anything but `I/N` or `auto/N` with 0 <= I < N, or `auto` without a
 *   usable JOB_COMPLETION_INDEX
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^(\d+|auto)\/(\d+)$/.exec(text.trim());
  if (!m) throw inputError(`--shard ${text}: expected I/N (e.g. 0/4) or auto/N`);
  const count = Number(m[2]);
  if (count < 1) throw inputError(`--shard ${text}: N must be >= 1`);
  if (count > MAX_GRID_POINTS) throw inputError(`--shard ${text}: N must be at most ${MAX_GRID_POINTS} (the largest grid)`);
  let indexText = m[1];
  if (indexText === 'auto') {
    const fromEnv = env.JOB_COMPLETION_INDEX;
    if (fromEnv === undefined || !/^\d+$/.test(fromEnv.trim())) {
      throw inputError(`--shard ${text}: 'auto' reads JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job), which is ${fromEnv === undefined ? 'not set' : `'${fromEnv}'`}`);
    }
    indexText = fromEnv.trim();
  }
  const index = Number(indexText);
  if (index >= count) throw inputError(`--shard ${text}: I must be below N (0..${count - 1}), got ${index}`);
  return { index, count };
}

/** Does grid point `gridIndex` belong to the shard? */
export const inShard = (shard: Shard | null, gridIndex: number): boolean => shard === null || gridIndex % shard.count === shard.index;

/** shard.json: what `capsim merge` needs to check that the shards make one whole sweep. */
export interface ShardManifest {
  readonly capsim_version: string;
  readonly shard: number;
  readonly of: number;
  /** Points in the whole grid. */
  readonly points: number;
  /** Grid indices of this shard's rows, in the order of its sweep.csv. */
  readonly indices: readonly number[];
  readonly columns: readonly string[];
  readonly grid: readonly { key: string; values: readonly (number | string)[] }[];
  /** The sweep's identity (workload hash, seed, overrides), so that merge refuses shards of different sweeps. */
  readonly sweep?: SweepIdentity;
}
