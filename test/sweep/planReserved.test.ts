/**
 * capsim plan on workloads with a reserved base (`fleet.pricing.reserved.gpus`): GPUs already
 * committed, billed every hour used or not (docs/plan.md "Reserved GPUs and autoscalers").
 *
 * Fixture test/sweep/fixtures/reserved.yaml: 2 GPUs reserved; hour 0 is quiet (met by 1 GPU
 * without the reservation), hour 1 busy (needs 3). Reference: the same plan with the reservation
 * removed (`--set fleet.pricing=on_demand`): latency does not depend on the price, so
 * - the answer is max(reserved, the unreserved answer);
 * - each hour's schedule count is max(reserved, the unreserved hour's count);
 * and the plan never simulates a count below the reservation (the workload would reject it:
 * exit 2 before this fix, with every such point "bad input").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { capsim, readRows, SMALL, tempDir } from './helpers.js';

const RESERVED = fileURLToPath(new URL('./fixtures/reserved.yaml', import.meta.url));
const POOLS = fileURLToPath(new URL('./fixtures/pools.yaml', import.meta.url));
const RESERVED_GPUS = 2;
const QUICK = ['--workers', '1', '--no-break-even', '--no-headroom'];

interface PlanRun {
  code: number | null;
  stdout: string;
  stderr: string;
  rows: Record<string, string>[];
  schedule: Record<string, string>[];
  json: {
    chosen: Record<string, number> | null;
    floors?: unknown[];
    per_day: { schedule: number; reserved_mix: number };
    reserved_mix: { base_gpus: number; reserved_per_gpu_hour: number; on_top_per_gpu_hour: number };
  };
}

async function planOf(root: string, name: string, ...args: string[]): Promise<PlanRun> {
  const out = join(root, name);
  const r = await capsim('plan', ...args, '--out', out);
  const read = (f: string) => readFileSync(join(out, f), 'utf8');
  return { ...r, rows: readRows(read('plan.csv')), schedule: readRows(read('plan_schedule.csv')), json: JSON.parse(read('plan.json')) };
}

describe('capsim plan with reserved GPUs', () => {
  let root: string;
  let reserved: PlanRun;
  let free: PlanRun;

  beforeAll(async () => {
    root = tempDir();
    [reserved, free] = await Promise.all([
      planOf(root, 'reserved', RESERVED, ...QUICK),
      planOf(root, 'free', RESERVED, '--set', 'fleet.pricing=on_demand', ...QUICK),
    ]);
  });

  it('exits 0 and never simulates a count below the reservation', () => {
    expect(reserved.stderr).toBe('');
    expect(reserved.code).toBe(0);
    expect(reserved.rows.length).toBeGreaterThan(0);
    for (const row of reserved.rows) {
      expect(Number(row['fleet.gpus'])).toBeGreaterThanOrEqual(RESERVED_GPUS);
      expect(row.error).toBe('');
    }
    expect(reserved.json.floors).toEqual([{ key: 'fleet.gpus', from: 'fleet.pricing.reserved.gpus', gpus: RESERVED_GPUS, searched_from: RESERVED_GPUS, searched_to_at_most: null }]);
    expect(reserved.stdout).toMatch(/^reserved: fleet\.pricing\.reserved\.gpus = 2 GPUs are already committed .*: fleet\.gpus is searched from 2 and the hourly schedule never goes below it$/m);
    // the reference searched below it
    expect(free.rows.some((row) => Number(row['fleet.gpus']) < RESERVED_GPUS)).toBe(true);
    expect(free.json.floors).toBeUndefined();
  });

  it('chooses max(reserved, the unreserved answer): the fewest GPUs meeting the SLOs in an exhaustive sweep', async () => {
    const n = free.json.chosen!['fleet.gpus'];
    expect(reserved.json.chosen!['fleet.gpus']).toBe(Math.max(RESERVED_GPUS, n));
    const sweep = await capsim('sweep', RESERVED, '--vary', `fleet.gpus=${RESERVED_GPUS}..4`, '--workers', '1', '--out', join(root, 'sweep'), '--quiet');
    expect(sweep.code).toBe(0);
    const fewest = readRows(readFileSync(join(root, 'sweep', 'sweep.csv'), 'utf8')).find((row) => row.meets_slo === 'true');
    expect(reserved.json.chosen!['fleet.gpus']).toBe(Number(fewest?.['fleet.gpus']));
  });

  it('floors the hourly schedule at the reservation: max(reserved, the unreserved hour)', () => {
    const hours = free.schedule.map((row) => Number(row.gpus));
    // the floor binds: without it the quiet hour needs fewer GPUs than are reserved
    expect(Math.min(...hours)).toBeLessThan(RESERVED_GPUS);
    expect(reserved.schedule.map((row) => Number(row.gpus))).toEqual(hours.map((h) => Math.max(RESERVED_GPUS, h)));
  });

  it('prices the reserved mix without reserving the reserved GPUs twice', () => {
    // mix = schedule - (base - already reserved) x (on-top - reserved price) x 24 h a day
    const gain = (p: PlanRun, already: number) => (p.json.reserved_mix.base_gpus - already) * (p.json.reserved_mix.on_top_per_gpu_hour - p.json.reserved_mix.reserved_per_gpu_hour) * 24;
    expect(reserved.json.reserved_mix.base_gpus).toBe(RESERVED_GPUS);
    expect(reserved.json.per_day.reserved_mix).toBeCloseTo(reserved.json.per_day.schedule - gain(reserved, RESERVED_GPUS), 4);
    expect(reserved.json.per_day.reserved_mix).toBe(reserved.json.per_day.schedule);
    expect(free.json.per_day.reserved_mix).toBeCloseTo(free.json.per_day.schedule - gain(free, 0), 4);
  });

  it('skips --vary fleet.gpus values below the reservation, and says so when none is left', async () => {
    const some = await planOf(root, 'vary', RESERVED, '--vary', 'fleet.gpus=1..4', ...QUICK);
    expect(some.code).toBe(0);
    expect(some.stderr).toBe('');
    expect(some.rows.map((row) => Number(row['fleet.gpus'])).every((n) => n >= RESERVED_GPUS)).toBe(true);
    expect(some.json.chosen!['fleet.gpus']).toBe(reserved.json.chosen!['fleet.gpus']);
    const none = await planOf(root, 'vary-none', RESERVED, '--vary', 'fleet.gpus=1', ...QUICK);
    expect(none.code).toBe(0);
    expect(none.rows).toEqual([]);
    expect(none.stdout).toContain('chosen: null: nothing in the search space can be simulated: no fleet.gpus value is at least 2 (fleet.pricing.reserved.gpus: 2)');
  });

  it('floors each pool at its own reservation', async () => {
    const set = ['--set', 'pools[1].gpus=2', '--set', 'pools[1].pricing={reserved: {gpus: 2}, on_demand: {}}'];
    const [withRes, without] = await Promise.all([planOf(root, 'pools', POOLS, ...set, ...QUICK), planOf(root, 'pools-free', POOLS, ...QUICK)]);
    expect(withRes.stderr).toBe('');
    expect(withRes.code).toBe(0);
    for (const row of withRes.rows) expect(Number(row['pools[1].gpus'])).toBeGreaterThanOrEqual(2);
    expect(withRes.json.chosen!['pools[0].gpus']).toBe(without.json.chosen!['pools[0].gpus']);
    expect(withRes.json.chosen!['pools[1].gpus']).toBe(Math.max(2, without.json.chosen!['pools[1].gpus']));
  });

  it('searches an autoscaled fleet within its autoscaler bounds (its starting size)', async () => {
    const r = await planOf(root, 'autoscale', SMALL, '--set', 'fleet.autoscale={min: 2, max: 3}', ...QUICK);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.rows.length).toBeGreaterThan(0);
    for (const row of r.rows) expect(Number(row['fleet.gpus'])).toBeGreaterThanOrEqual(2);
    for (const row of r.rows) expect(Number(row['fleet.gpus'])).toBeLessThanOrEqual(3);
  });

  it('sweep: a fleet smaller than its reservation is bad input, and the message says what to do', async () => {
    const r = await capsim('sweep', RESERVED, '--vary', 'fleet.gpus=1,2', '--workers', '1', '--out', join(root, 'sweep-below'), '--quiet');
    expect(r.code).toBe(2);
    const rows = readFileSync(join(root, 'sweep-below', 'sweep.csv'), 'utf8');
    expect(rows).toContain("fleet.pricing.reserved.gpus: must be <= the fleet's gpus (1), got 2: give the fleet at least 2 GPUs, or lower the reservation (--set fleet.pricing.reserved.gpus=1)");
  });
});
