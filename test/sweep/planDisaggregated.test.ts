import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { planDisaggregated } from '../../src/sweep/planDisaggregated.js';
import { runPoint } from '../../src/sweep/runPoint.js';
import { capsimInProcess, tempDir } from './helpers.js';

const FILE = fileURLToPath(new URL('./fixtures/disaggregated.yaml', import.meta.url));

/**
 * The staircase search of the two counts (src/sweep/planDisaggregated.ts) against its reference:
 * an exhaustive grid of prefill x decode GPU counts, every point simulated, the cheapest meeting
 * point by simulated cost per hour. The search must find the same point while simulating fewer.
 */
describe('plan on a disaggregated fleet: the two counts', () => {
  it('finds the exhaustive grid\'s cheapest meeting point, simulating fewer points', async () => {
    const found = await planDisaggregated({
      file: FILE, set: [], replications: 0, workers: 1, prefillStep: 1, decodeStep: 1, maxGpus: 16,
      toDisaggregated: [], toAggregated: null, aggregatedStep: 1,
    });
    const grid: { p: number; d: number; cost: number }[] = [];
    for (let p = 1; p <= 6; p++) {
      for (let d = 1; d <= 6; d++) {
        const o = runPoint({ file: FILE, set: [`fleet.disaggregation.prefill.gpus=${p}`, `fleet.disaggregation.decode.gpus=${d}`], replications: 0, runDir: null });
        if (o.ok && o.figures.meets_slo) grid.push({ p, d, cost: o.figures.cost_per_hour! });
      }
    }
    grid.sort((a, b) => a.cost - b.cost || a.p + a.d - (b.p + b.d) || a.p - b.p);
    expect(grid.length).toBeGreaterThan(0);
    const chosen = found.disaggregated.chosen!;
    expect({ p: chosen.prefillGpus, d: chosen.decodeGpus }).toEqual({ p: grid[0].p, d: grid[0].d });
    expect(found.disaggregated.evaluated.length).toBeLessThan(36);
    // the fixture needs more than one prefill GPU (so the search is not trivially at the corner)
    expect(chosen.prefillGpus).toBeGreaterThan(1);
    // the edge: for each prefill count, the fewest decode GPUs; never increasing
    const edge = found.disaggregated.edge.map((p) => p.decodeGpus!);
    for (let i = 1; i < edge.length; i++) expect(edge[i]).toBeLessThanOrEqual(edge[i - 1]);
  });

  it('--compare-disaggregated prints both sides and writes them to plan.csv and plan.json', async () => {
    const out = tempDir();
    const r = await capsimInProcess('plan', FILE, '--compare-disaggregated', '--workers', '1', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.aggregated.mode).toBe('aggregated');
    expect(json.disaggregated.mode).toBe('disaggregated');
    expect(json.disaggregated.prefill_gpus + json.disaggregated.decode_gpus).toBe(json.disaggregated.gpus);
    const cheaper = json.aggregated.cost_per_hour < json.disaggregated.cost_per_hour ? 'aggregated' : 'disaggregated';
    expect(json.cheapest).toBe(cheaper);
    // the aggregated fleet one GPU smaller misses (the search's bisection simulated it)
    const below = runPoint({ file: FILE, set: ['fleet.disaggregation=', 'fleet.gpus_per_replica=1', `fleet.gpus=${json.aggregated.gpus - 1}`], replications: 0, runDir: null });
    if (json.aggregated.gpus > 1) expect(below.ok && below.figures.meets_slo).toBe(false);
  });
});
