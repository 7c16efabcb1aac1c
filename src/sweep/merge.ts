/**
 * `capsim merge`: joins the outputs of `capsim sweep --shard I/N` runs into the exact sweep.csv a
 * single-machine sweep writes. Each shard folder holds its `sweep.csv` rows and a `shard.json`
 * naming their grid indices; merging orders the rows by grid index and checks that the shards
 * belong to one sweep (same columns, same grid) and cover every point exactly once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../errors.js';
import type { ShardManifest } from './shard.js';
import { headerLine } from './sweepCsv.js';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw inputError(`cannot read ${what}: ${code === 'ENOENT' ? 'no such file (was this folder written by capsim sweep --shard?)' : (error as Error).message}`, { file: path });
  }
}

function readManifest(dir: string): ShardManifest {
  const path = join(dir, 'shard.json');
  const text = readText(path, 'the shard manifest');
  try {
    const m = JSON.parse(text) as ShardManifest;
    if (!Array.isArray(m.indices) || !Array.isArray(m.columns) || typeof m.points !== 'number') throw new Error('missing fields');
    return m;
  } catch (error) {
    throw inputError(`not a capsim shard manifest (${(error as Error).message})`, { file: path });
  }
}

/**
 * The merged sweep.csv text.
 *
 * @throws InputError naming the folder when a shard is from another sweep, incomplete, or when a
 *   point is missing or given twice
 */
export function mergeShards(dirs: readonly string[]): string {
  if (dirs.length === 0) throw inputError('merge needs at least one shard folder');
  const first = readManifest(dirs[0]);
  const sameGrid = JSON.stringify({ c: first.columns, g: first.grid, p: first.points });
  const header = headerLine(first.columns);
  const rows = new Map<number, { line: string; dir: string }>();
  for (const dir of dirs) {
    const m = readManifest(dir);
    if (JSON.stringify({ c: m.columns, g: m.grid, p: m.points }) !== sameGrid) {
      throw inputError(`is from a different sweep than ${dirs[0]} (other columns, --vary grid or --replications)`, { file: join(dir, 'shard.json') });
    }
    const csvPath = join(dir, 'sweep.csv');
    const text = readText(csvPath, 'the shard rows');
    if (!text.startsWith(header)) throw inputError('has a different header than its shard.json', { file: csvPath });
    const lines = text.slice(header.length).split('\n');
    const partial = lines.pop();
    if (partial !== '' || lines.length < m.indices.length) {
      throw inputError(`shard ${m.shard}/${m.of} is incomplete: ${lines.length} of ${m.indices.length} rows; finish it with \`capsim sweep ... --shard ${m.shard}/${m.of} --resume\``, { file: csvPath });
    }
    if (lines.length > m.indices.length) throw inputError(`has ${lines.length} rows but shard.json lists ${m.indices.length} points`, { file: csvPath });
    m.indices.forEach((index, k) => {
      const seen = rows.get(index);
      if (seen) throw inputError(`grid point ${index} is in two shards: ${seen.dir} and ${dir} (was a folder given twice?)`);
      rows.set(index, { line: lines[k], dir });
    });
  }
  const missing: number[] = [];
  for (let i = 0; i < first.points; i++) if (!rows.has(i)) missing.push(i);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, ... (${missing.length} in all)` : '');
    throw inputError(`grid points ${shown} of ${first.points} are missing: is a shard folder (of ${first.of}) not given, or still running?`);
  }
  let out = header;
  for (let i = 0; i < first.points; i++) out += rows.get(i)!.line + '\n';
  return out;
}
