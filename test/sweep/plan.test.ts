/**
 * capsim plan on the small workload (test/sweep/fixtures/small.yaml: misses its SLOs on 1-2 GPUs,
 * meets from 3). Reference: an exhaustive sweep of the same grid; the plan must choose the same
 * point (the cheapest with meets_slo) while simulating fewer points. Uses the compiled CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { capsim, readRows, SMALL, tempDir } from './helpers.js';

const POOLS = fileURLToPath(new URL('./fixtures/pools.yaml', import.meta.url));

const GRID = ['--vary', 'fleet.gpus=1..8', '--vary', 'serving.max_batch_size=64,128'];

describe('capsim plan', () => {
  let root: string;
  let exhaustive: Record<string, string>[];

  beforeAll(async () => {
    root = tempDir();
    const r = await capsim('sweep', SMALL, ...GRID, '--workers', '2', '--out', join(root, 'sweep'), '--quiet');
    expect(r.code).toBe(0);
    exhaustive = readRows(readFileSync(join(root, 'sweep', 'sweep.csv'), 'utf8'));
  });

  it('chooses what an exhaustive sweep chooses, simulating fewer points', async () => {
    const cheapest = exhaustive
      .filter((r) => r.meets_slo === 'true')
      .reduce((a, b) => (Number(b.cost_per_hour) < Number(a.cost_per_hour) ? b : a));
    const r = await capsim('plan', SMALL, ...GRID, '--no-break-even', '--no-headroom', '--workers', '2', '--out', join(root, 'plan'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.chosen['fleet.gpus']).toBe(Number(cheapest['fleet.gpus']));
    expect(plan.chosen['serving.max_batch_size']).toBe(Number(cheapest['serving.max_batch_size']));
    expect(plan.chosen.cost_per_hour).toBe(Number(cheapest.cost_per_hour));
    expect(plan.chosen.meets_slo).toBe(true);
    expect(plan.space).toBe(16);
    expect(plan.evaluated).toBeLessThan(16);
    // plan.csv: the simulated points, with the same figures as the sweep, one marked chosen
    const rows = readRows(readFileSync(join(root, 'plan', 'plan.csv'), 'utf8'));
    expect(rows).toHaveLength(plan.evaluated);
    expect(rows.filter((row) => row.chosen === 'true')).toHaveLength(1);
    for (const row of rows) {
      const same = exhaustive.find((e) => e['fleet.gpus'] === row['fleet.gpus'] && e['serving.max_batch_size'] === row['serving.max_batch_size'])!;
      // one simulated hour, which closes only at the end: no point stops early
      expect(row.stopped_at_hour).toBe('');
      expect({ ...row, chosen: undefined, stopped_at_hour: undefined }).toEqual({ ...same, chosen: undefined });
    }
    // the neighbour below the answer was simulated and misses
    const below = rows.find((row) => row['serving.max_batch_size'] === cheapest['serving.max_batch_size'] && Number(row['fleet.gpus']) === Number(cheapest['fleet.gpus']) - 1);
    expect(below?.meets_slo).toBe('false');
  });

  it('by default searches fleet.gpus by doubling and bisection, and reports the schedule', async () => {
    const out = join(root, 'default');
    const r = await capsim('plan', SMALL, '--workers', '1', '--out', out);
    expect(r.code).toBe(0);
    const n = Number(/^cheapest: (\d+) x h100-sxm, \$\d+\.\d\d\/h, peak-hour p99 TTFT \d+ ms <= 1 s$/m.exec(r.stdout)?.[1]);
    expect(n).toBeGreaterThan(1); // the fixture misses its SLOs on 1 GPU
    // doubling 1, 2, 4, ... up to the first power of two that meets, then bisection below it
    const top = 2 ** Math.ceil(Math.log2(n));
    const simulated = Number(/^simulated (\d+) of (\d+) points \(fleet\.gpus = 1\.\.(\d+)\)$/m.exec(r.stdout)?.[1]);
    expect(r.stdout).toContain(`of ${top} points (fleet.gpus = 1..${top})`);
    expect(simulated).toBeLessThanOrEqual(Math.log2(top) + 1 + Math.log2(top / 2));
    const rows = readRows(readFileSync(join(out, 'plan.csv'), 'utf8'));
    expect(rows.find((row) => row.chosen === 'true')).toMatchObject({ 'fleet.gpus': String(n), meets_slo: 'true' });
    expect(rows.find((row) => row['fleet.gpus'] === String(n - 1))).toMatchObject({ meets_slo: 'false' });
    expect(r.stdout).toMatch(/^gpt-4o-mini\s+\$[\d,]+\.\d\d\s+\$[\d,]+\.\d\d\s/m);
    expect(r.stdout).toMatch(/^headroom: \d+ x h100-sxm meets every SLO up to [\d.]+x this traffic/m);
    const schedule = readRows(readFileSync(join(out, 'plan_schedule.csv'), 'utf8'));
    // one simulated hour (15 minutes): the schedule needs the static fleet in it
    expect(schedule).toEqual([expect.objectContaining({ hour: '0', gpus: String(n), static_gpus: String(n) })]);
    const json = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    expect(json.per_day.static).toBeGreaterThan(0);
    expect(json.break_even_rate).toBeGreaterThan(0);
    // headroom: independent runs of the chosen fleet at the largest multiple of the rate that met
    // (every SLO met) and at the next 5% step (an SLO missed)
    const { factor, missed_at: missedAt, resolution } = json.headroom;
    expect(resolution).toBe(0.05);
    expect(missedAt).toBeCloseTo(factor + resolution, 6);
    const at = async (m: number) => {
      const run = await capsim('run', SMALL, '--set', `fleet.gpus=${n}`, '--set', `traffic.rate=${Number((40 * m).toPrecision(6))}`, '--out', join(root, `headroom-${m}`), '--json');
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout).meets_slo;
    };
    if (factor > 1) expect(await at(factor)).toBe(true);
    expect(await at(missedAt)).toBe(false);
  });

  it('says so when nothing in the space meets the SLOs', async () => {
    // twice the fixture's rate on at most 2 GPUs: far over capacity
    const args = ['plan', SMALL, '--set', 'traffic.rate=80', '--vary', 'fleet.gpus=1..2', '--workers', '1', '--out', join(root, 'none')];
    const r = await capsim(...args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^chosen: null: nothing in the search space \(fleet\.gpus = 1\.\.2\) meets every SLO in every hour$/m);
    const json = await capsim(...args, '--json', '--fail-on-slo');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ chosen: null, evaluated: 2 });
  });

  it('with pools, searches each pool on its own and verifies the combination', async () => {
    const sweep = await capsim('sweep', POOLS, '--vary', 'pools[0].gpus=1..3', '--vary', 'pools[1].gpus=1..3', '--workers', '2', '--out', join(root, 'pools-sweep'), '--quiet');
    expect(sweep.code).toBe(0);
    const cheapest = readRows(readFileSync(join(root, 'pools-sweep', 'sweep.csv'), 'utf8'))
      .filter((r) => r.meets_slo === 'true')
      .reduce((a, b) => (Number(b.cost_per_hour) < Number(a.cost_per_hour) ? b : a));
    const r = await capsim('plan', POOLS, '--workers', '2', '--out', join(root, 'pools-plan'), '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect([plan.chosen['pools[0].gpus'], plan.chosen['pools[1].gpus']]).toEqual([Number(cheapest['pools[0].gpus']), Number(cheapest['pools[1].gpus'])]);
    expect(plan.chosen.meets_slo).toBe(true);
    expect(plan.evaluated).toBeLessThan(9);
  });
});
