/**
 * capsim plan over options (issue 15, item 1): every GPU kind gets its own GPU-count search.
 * Reference: an exhaustive sweep of fleet.gpus = 1..8 for each kind; for every kind the plan's
 * count must be the sweep's fewest GPUs meeting every SLO (and "none" where the sweep has none).
 * Uses the compiled CLI (build first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { capsim, readRows, SMALL, tempDir } from './helpers.js';

const ROOFLINE = fileURLToPath(new URL('./fixtures/small-roofline.yaml', import.meta.url));
const KINDS = ['h100-sxm', 'l40s', 'a10g'];

describe('capsim plan: one GPU-count search per option', () => {
  let root: string;
  let exhaustive: Record<string, string>[];

  beforeAll(async () => {
    root = tempDir();
    const r = await capsim('sweep', ROOFLINE, '--vary', `gpu=${KINDS.join(',')}`, '--vary', 'fleet.gpus=1..8', '--workers', '2', '--out', join(root, 'sweep'), '--quiet');
    expect(r.code).toBe(0);
    exhaustive = readRows(readFileSync(join(root, 'sweep', 'sweep.csv'), 'utf8'));
  });

  it('finds, for every GPU kind, the fewest GPUs an exhaustive sweep finds, and ranks the options', async () => {
    const r = await capsim('plan', ROOFLINE, '--vary', `gpu=${KINDS.join(',')}`, '--max-gpus', '8', '--workers', '2', '--out', join(root, 'plan'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.options).toHaveLength(KINDS.length);
    for (const kind of KINDS) {
      const meeting = exhaustive.filter((row) => row.gpu === kind && row.meets_slo === 'true').map((row) => Number(row['fleet.gpus']));
      const entry = plan.options.find((o: { option: { gpu: string } }) => o.option.gpu === kind);
      expect(entry.gpus, kind).toBe(meeting.length === 0 ? null : Math.min(...meeting));
    }
    // ranked: cheapest first, and chosen is the first
    const costs = plan.options.filter((o: { cost_per_hour: number | null }) => o.cost_per_hour !== null).map((o: { cost_per_hour: number }) => o.cost_per_hour);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    expect(plan.chosen.gpu).toBe(plan.options[0].option.gpu);
    expect(plan.chosen['fleet.gpus']).toBe(plan.options[0].gpus);
    expect(plan.evaluated).toBeLessThan(exhaustive.length);
  });

  it('skips counts that are not whole replicas instead of failing, and prints a ranked table', async () => {
    const r = await capsim('plan', SMALL, '--vary', 'fleet.gpus_per_replica=1,2', '--vary', 'fleet.gpus=1..8', '--workers', '2', '--out', join(root, 'tp'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/options, cheapest first/);
    expect(r.stdout).toMatch(/^1\s+fleet\.gpus_per_replica=1\s+3\s/m);
    expect(r.stdout).toMatch(/^2\s+fleet\.gpus_per_replica=2\s+6\s/m); // the perf block ignores TP: 3 replicas, as 3 single GPUs
    const rows = readRows(readFileSync(join(root, 'tp', 'plan.csv'), 'utf8'));
    // no odd count was simulated for 2-GPU replicas
    expect(rows.filter((row) => row['fleet.gpus_per_replica'] === '2' && Number(row['fleet.gpus']) % 2 === 1)).toEqual([]);
    expect(rows.every((row) => row.error === '')).toBe(true);
  });

  it('--gpus LIST: each GPU at the smallest tensor-parallel degree that fits and the next', async () => {
    const r = await capsim('plan', SMALL, '--gpus', 'h100-sxm,l4', '--max-gpus', '4', '--workers', '2', '--out', join(root, 'gpus'), '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    const labels = plan.options.map((o: { label: string }) => o.label).sort();
    // llama-3.1-8b fits on one H100 and on one 24 GB L4
    expect(labels).toEqual(['gpu=h100-sxm fleet.gpus_per_replica=1', 'gpu=h100-sxm fleet.gpus_per_replica=2', 'gpu=l4 fleet.gpus_per_replica=1', 'gpu=l4 fleet.gpus_per_replica=2']);
  });
});
