/**
 * Cost accounting invariants over every bundled workload (issue 20, item 8): money is neither
 * lost nor counted twice between the columns, the class rows and the itemised breakdown.
 *
 * In every hourly row:        gpu + energy + api + cache + other = total_cost
 * In every hour:              the hourly_by_class rows add up to the hourly row, per cost column
 *                             (a fleet serving no class included)
 * Over the run (summary):     cost_breakdown columns = sums of the hourly rows, and
 *                             other_by_item adds up to other_cost (retrieval and storage included)
 *
 * Tolerance: every written figure is rounded to 1e-6 USD, so a sum of n of them may differ from
 * the rounded total by n x 0.5e-6; we allow n x 1e-6. Workloads are shortened to 3 hours
 * (every cost component is billed from the first hour; the invariants are per row).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';

const COSTS = ['gpu_cost', 'energy_cost', 'api_cost', 'cache_cost', 'other_cost'] as const;

const bundled = ['workloads', 'workloads/levers', 'workloads/templates'].flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)),
);

describe('cost items add up in every row of every bundled workload', () => {
  it('finds the bundled workloads', () => {
    expect(bundled.length).toBeGreaterThanOrEqual(20);
  });

  it.each(bundled)('%s', (file) => {
    const scenario = loadWorkload(file, { set: ['duration=3h'] });
    const { hourly, hourlyByClass, summary } = simulate(scenario);
    const classes = scenario.classes.length;
    for (const row of hourly) {
      const parts = COSTS.reduce((a, c) => a + (row[c] as number), 0);
      expect(Math.abs(parts - (row.total_cost as number)), `${file} hour ${row.hour} total`).toBeLessThanOrEqual(COSTS.length * 1e-6);
      const rows = hourlyByClass.filter((r) => r.hour === row.hour);
      expect(rows).toHaveLength(classes);
      for (const c of [...COSTS, 'total_cost'] as const) {
        const sum = rows.reduce((a, r) => a + (r[c] as number), 0);
        expect(Math.abs(sum - (row[c] as number)), `${file} hour ${row.hour} ${c} by class`).toBeLessThanOrEqual((classes + 1) * 1e-6 * (c === 'total_cost' ? COSTS.length : 1));
      }
    }
    const b = summary.cost_breakdown;
    for (const c of COSTS) {
      const sum = hourly.reduce((a, r) => a + (r[c] as number), 0);
      expect(Math.abs(sum - b[c]), `${file} ${c}`).toBeLessThanOrEqual(1e-6);
    }
    const items = Object.values(b.other_by_item);
    const itemSum = items.reduce((a, v) => a + v, 0);
    expect(Math.abs(itemSum - b.other_cost), `${file} other_by_item ${JSON.stringify(b.other_by_item)} vs ${b.other_cost}`).toBeLessThanOrEqual((hourly.length + items.length) * 1e-6);
  });
});
