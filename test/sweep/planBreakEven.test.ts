/**
 * capsim plan's API comparison (issue 15, item 2): the break-even rate is found by simulation and
 * the costs that exist either way are on both sides.
 *
 * - With the same fixed costs on both sides, the bracket [below, above] reported for the static
 *   fleet is one step wide and brackets the crossing of the two simulated daily costs: an
 *   independent `capsim plan --set traffic.rate=below` finds self-hosting dearer than the API,
 *   one at `above` finds it cheaper (or as cheap).
 * - The API side is the tokens at list prices plus the shared costs: checked against a plain
 *   `capsim run` of the chosen fleet, from its hourly.csv (input_tokens x $0.15/M + output_tokens
 *   x $0.60/M + other_cost, gpt-4o-mini's catalog prices), scaled from 15 minutes to a day (x96).
 * - A fixed cost on both sides cancels: ten times the monitoring cost leaves the bracket where it
 *   was; the same cost on the self-hosted side only (--self-hosted-only) moves it up.
 * Fixture: test/sweep/fixtures/small.yaml (15 minutes at 40/s, a measured linear step model).
 * Uses the compiled CLI (build first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capsim, readRows, SMALL, tempDir } from './helpers.js';

const COSTS = ['--set', 'costs.hourly={monitoring: 5}', '--set', 'costs.per_request={logging: 0.0001}'];
const API = 'gpt-4o-mini';
const PRICES = { input: 0.15, output: 0.6 };

interface BreakEvenRow { api: string; option: string; below: number | null; above: number | null; rate: number | null; status: string }

async function planJson(root: string, name: string, ...flags: string[]) {
  const r = await capsim('plan', SMALL, ...COSTS, '--api', API, '--no-headroom', '--break-even-max', '4', '--workers', '2', '--out', join(root, name), '--json', ...flags);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const staticRow = (plan: { break_even: { results: BreakEvenRow[] } }) => plan.break_even.results.find((r) => r.api === API && r.option === 'static')!;

describe('capsim plan: break-even against an API by simulation', () => {
  it('brackets the rate where the simulated daily costs cross, within one step', async () => {
    const root = tempDir();
    const plan = await planJson(root, 'plan');
    const be = staticRow(plan);
    expect(be.status).toBe('bracketed');
    expect(be.above! / be.below!).toBeCloseTo(plan.break_even.step, 6);
    const rates = plan.break_even.tried.map((p: { rate: number }) => p.rate);
    expect(rates).toContain(be.below);
    expect(rates).toContain(be.above);
    expect(be.rate!).toBeGreaterThan(be.below!);
    expect(be.rate!).toBeLessThanOrEqual(be.above!);
    // independent plans at the two ends of the bracket
    const [atBelow, atAbove] = await Promise.all([
      planJson(root, 'below', '--set', `traffic.rate=${be.below}`, '--no-break-even'),
      planJson(root, 'above', '--set', `traffic.rate=${be.above}`, '--no-break-even'),
    ]);
    expect(atBelow.per_day.static).toBeGreaterThan(atBelow.per_day.api[API]);
    expect(atAbove.per_day.static).toBeLessThanOrEqual(atAbove.per_day.api[API]);
  });

  it('prices the API side as tokens at list prices plus the costs on both sides', async () => {
    const root = tempDir();
    const plan = await planJson(root, 'plan', '--no-break-even');
    const gpus = plan.chosen['fleet.gpus'];
    const r = await capsim('run', SMALL, ...COSTS, '--set', `fleet.gpus=${gpus}`, '--out', join(root, 'run'), '--quiet');
    expect(r.code).toBe(0);
    const hours = readRows(readFileSync(join(root, 'run', 'hourly.csv'), 'utf8'));
    const perHorizon = hours.reduce((s, h) => s + (Number(h.input_tokens) * PRICES.input + Number(h.output_tokens) * PRICES.output) / 1e6 + Number(h.other_cost) + Number(h.cache_cost), 0);
    const shared = hours.reduce((s, h) => s + Number(h.other_cost) + Number(h.cache_cost), 0);
    const perDay = 24 / 0.25; // 15 minutes simulated
    expect(plan.per_day.api[API]).toBeCloseTo(perHorizon * perDay, 4);
    expect(plan.shared.per_day).toBeCloseTo(shared * perDay, 4);
    expect(plan.shared.items).toEqual(['monitoring', 'per_request:logging']);
    // the self-hosted static fleet pays the same shared costs: its day = run's total cost x 96
    const total = hours.reduce((s, h) => s + Number(h.total_cost), 0);
    expect(plan.per_day.static).toBeCloseTo(total * perDay, 4);
  });

  it('a fixed cost on both sides cancels; on the self-hosted side only it moves the break-even up', async () => {
    const root = tempDir();
    const [base, tenfold, ownOnly] = await Promise.all([
      planJson(root, 'base'),
      planJson(root, 'tenfold', '--set', 'costs.hourly.monitoring=50'),
      planJson(root, 'own', '--set', 'costs.hourly.monitoring=50', '--self-hosted-only', 'monitoring'),
    ]);
    const a = staticRow(base);
    const b = staticRow(tenfold);
    expect([b.below, b.above]).toEqual([a.below, a.above]);
    const c = staticRow(ownOnly);
    // $50/h more on the self-hosted side only: it needs more traffic to win, or never wins
    expect(c.status === 'dearer_at_every_rate_tried' || c.above! > a.above!).toBe(true);
    expect(ownOnly.self_hosted_only.items).toEqual(['monitoring']);
  });
});
