import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fidelityCases } from '../../src/fidelity/cases.js';
import { fidelityRow, medians, METRICS } from '../../src/fidelity/table.js';

/**
 * The fidelity table of docs/fidelity.md, re-run: every case is replayed under its measured
 * conditions (src/fidelity/runCase.ts) and the median absolute errors per role must stay within
 * 2 percentage points of the recorded ones (test/fidelity/medians.json, written by
 * `node scripts/fidelity.mjs --json`). Reference: the measured runs of data/reference/ (each
 * folder's README; the H100 fit cases are data/reference/vllm-runs, inference-sim/training@ed5c1d2).
 * Also: no case where the real server
 * was stable may queue without bound in the simulator.
 */
const recorded = JSON.parse(readFileSync(path.join(import.meta.dirname, 'medians.json'), 'utf8')) as Record<
  string,
  Record<string, number | null>
>;
const rows = fidelityCases().map((c) => fidelityRow(c));

describe('fidelity against real vLLM serving (docs/fidelity.md)', () => {
  const current = medians(rows);
  it.each(['fit', 'check', 'held-out'] as const)('%s: median abs errors within 2 points of the recorded ones', (role) => {
    for (const m of METRICS) {
      const was = recorded[role]![m];
      if (was === null || was === undefined) {
        expect(Number.isNaN(current[role][m])).toBe(true);
        continue;
      }
      expect(current[role][m]).toBeLessThanOrEqual(was + 2);
    }
  });

  it('never queues without bound where the real server was stable', () => {
    const unstable = rows.filter((r) => !r.case.saturated && !r.case.realQueueGrew && r.predicted.unstable).map((r) => r.case.id);
    expect(unstable).toEqual([]);
  });
});
