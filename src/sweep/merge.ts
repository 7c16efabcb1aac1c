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
import { headerLine, parseCsvLine } from './sweepCsv.js';
import { formatValue, gridSize, MAX_GRID_POINTS, pointAt, type VaryAxis } from './grid.js';
import { identityDifferences } from './sweepIdentity.js';
import { csvText } from '../output/csv.js';

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
  let m: ShardManifest;
  try {
    m = JSON.parse(text) as ShardManifest;
  } catch (error) {
    throw inputError(`not a capsim shard manifest (${(error as Error).message})`, { file: path });
  }
  const problem = manifestProblem(m);
  if (problem !== null) throw inputError(`not a capsim shard manifest: ${problem}`, { file: path });
  return m;
}

const isWhole = (x: unknown, min: number, max: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

/** What is wrong with a parsed shard.json, or null. Bounds come first: `points: 1e9` must not allocate. */
function manifestProblem(m: ShardManifest): string | null {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return 'expected an object';
  if (!isWhole(m.points, 1, MAX_GRID_POINTS)) return `points must be a whole number from 1 to ${MAX_GRID_POINTS}, got ${JSON.stringify(m.points)}`;
  if (!isWhole(m.of, 1, Number.MAX_SAFE_INTEGER)) return `of must be a whole number >= 1, got ${JSON.stringify(m.of)}`;
  if (!isWhole(m.shard, 0, m.of - 1)) return `shard must be a whole number from 0 to ${m.of - 1}, got ${JSON.stringify(m.shard)}`;
  if (!Array.isArray(m.columns) || !m.columns.every((c) => typeof c === 'string')) return 'columns must be a list of column names';
  const grid = m.grid as unknown;
  if (!Array.isArray(grid) || !grid.every((a) => a !== null && typeof a === 'object' && typeof a.key === 'string' && Array.isArray(a.values) && a.values.length > 0 && a.values.every((v: unknown) => typeof v === 'number' || typeof v === 'string'))) {
    return 'grid must be a list of {key, values}';
  }
  if (gridSize(m.grid as VaryAxis[]) !== m.points) return `points is ${m.points} but the grid has ${gridSize(m.grid as VaryAxis[])}`;
  if (!Array.isArray(m.indices) || m.indices.length > m.points || !m.indices.every((i) => isWhole(i, 0, m.points - 1))) {
    return `indices must be a list of at most ${m.points} grid indices from 0 to ${m.points - 1}`;
  }
  return null;
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
    if (m.of !== first.of) throw inputError(`is shard ${m.shard}/${m.of} but ${dirs[0]} is one of ${first.of} shards`, { file: join(dir, 'shard.json') });
    const diff = first.sweep && m.sweep ? identityDifferences({ ...first.sweep, shard: null }, { ...m.sweep, shard: null }) : [];
    if (diff.length > 0 || Boolean(first.sweep) !== Boolean(m.sweep)) {
      throw inputError(`is from a different sweep than ${dirs[0]} (${diff.join('; ') || 'one records its workload and flags, the other does not'})`, { file: join(dir, 'shard.json') });
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
      const cells = parseCsvLine(lines[k]);
      const expected = pointAt(m.grid as VaryAxis[], index).values.map((v) => csvText(formatValue(v)));
      if (cells.length !== m.columns.length || expected.some((v, i) => cells[i] !== v)) {
        throw inputError(`row ${k + 1} is not grid point ${index} (${expected.join(', ')}) as shard.json says; the folder was edited or mixed with another sweep`, { file: csvPath });
      }
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
