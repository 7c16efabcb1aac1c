/**
 * Sessions (their scripts drawn per session, turns scheduled from request ends, session_affinity
 * routing) stay deterministic like everything else: a sweep's points give byte-identical files
 * whatever the workers or shards (PRODUCT.md "Distributed sweeps"). Uses the compiled CLI: run
 * `npx tsc -p tsconfig.build.json` first.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { capsim, tempDir } from '../sweep/helpers.js';

const WORKLOAD = fileURLToPath(new URL('./fixtures/sessions.yaml', import.meta.url));
const GRID = ['--vary', 'serving.router=least_loaded,session_affinity', '--vary', 'fleet.gpus=2,3'];
const FILES = ['hourly.csv', 'hourly_by_class.csv', 'summary.json'];

describe('sessions: determinism across workers and shards', () => {
  let root: string;
  beforeAll(async () => {
    root = tempDir();
    const r = await capsim('sweep', WORKLOAD, ...GRID, '--workers', '1', '--keep-runs', '--out', join(root, 'w1'), '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  const read = (dir: string, point: number, file: string) => readFileSync(join(root, dir, 'runs', String(point), file), 'utf8');

  it('every point has its sessions block', () => {
    for (let p = 0; p < 4; p++) {
      const s = JSON.parse(read('w1', p, 'summary.json')).sessions;
      expect(s.turns).toBeGreaterThan(s.started);
      expect(s.affinity_kept_share === null).toBe(p < 2); // least_loaded points first
    }
  });

  it('--workers 2 and two shards write the same bytes as --workers 1', async () => {
    const w2 = await capsim('sweep', WORKLOAD, ...GRID, '--workers', '2', '--keep-runs', '--out', join(root, 'w2'), '--quiet');
    const s0 = await capsim('sweep', WORKLOAD, ...GRID, '--workers', '1', '--shard', '0/2', '--keep-runs', '--out', join(root, 's0'), '--quiet');
    const s1 = await capsim('sweep', WORKLOAD, ...GRID, '--workers', '1', '--shard', '1/2', '--keep-runs', '--out', join(root, 's1'), '--quiet');
    expect([w2.code, s0.code, s1.code]).toEqual([0, 0, 0]);
    expect(readFileSync(join(root, 'w2', 'sweep.csv'), 'utf8')).toBe(readFileSync(join(root, 'w1', 'sweep.csv'), 'utf8'));
    for (let p = 0; p < 4; p++) {
      for (const f of FILES) {
        expect(read('w2', p, f)).toBe(read('w1', p, f));
        // shard i of 2 holds points i, i + 2 (round robin) or a contiguous half: whichever has it
        let shardCopy: string | null = null;
        for (const dir of ['s0', 's1']) {
          try {
            shardCopy = read(dir, p, f);
          } catch {
            // not this shard's point
          }
        }
        expect(shardCopy).toBe(read('w1', p, f));
      }
    }
  });
});
