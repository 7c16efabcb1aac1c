/**
 * --replications: common random numbers and Student-t confidence intervals.
 * Reference: the 95% half-width is t(0.975, R-1) * s / sqrt(R); with the t factor taken out, the
 * half-widths of R = 4 and R = 16 replications should be in ratio sqrt(16/4) = 2. With only 3
 * degrees of freedom at R = 4, s itself is noisy, so the tolerance is [1.4, 2.9] on the geometric
 * mean of the ratios over the latency and cost figures of two points.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { t975 } from '../../src/sweep/tQuantile.js';
import { capsim, readRows, SMALL, tempDir } from './helpers.js';

const FAST = ['--set', 'duration=10m', '--set', 'traffic.rate=10', '--vary', 'fleet.gpus=1,2'];
const CI = ['cost_per_1k_requests', 'ttft_p99_ms', 'tpot_p99_ms', 'e2e_p99_ms'];

describe('capsim sweep --replications', () => {
  it('CI half-widths shrink as 1/sqrt(R)', async () => {
    const root = tempDir();
    const runs: Record<number, Record<string, string>[]> = {};
    for (const R of [4, 16]) {
      const r = await capsim('sweep', SMALL, ...FAST, '--replications', String(R), '--workers', '2', '--out', join(root, `r${R}`), '--quiet');
      expect(r.code).toBe(0);
      runs[R] = readRows(readFileSync(join(root, `r${R}`, 'sweep.csv'), 'utf8'));
    }
    expect(Object.keys(runs[4][0])).toEqual(expect.arrayContaining(['cost_per_hour_ci95', 'ttft_p99_ms_ci95', 'peak_hour_e2e_p99_ms_ci95']));
    const logs: number[] = [];
    for (let p = 0; p < 2; p++) {
      for (const f of CI) {
        const sd4 = Number(runs[4][p][`${f}_ci95`]) / t975(3);
        const sd16 = Number(runs[16][p][`${f}_ci95`]) / t975(15);
        expect(sd16).toBeGreaterThan(0);
        logs.push(Math.log(sd4 / sd16));
      }
    }
    const ratio = Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
    expect(ratio).toBeGreaterThanOrEqual(1.4);
    expect(ratio).toBeLessThanOrEqual(2.9);
  });

  it('gives every point the same replication seeds (common random numbers)', async () => {
    const root = tempDir();
    await capsim('sweep', SMALL, ...FAST, '--replications', '3', '--workers', '1', '--out', root, '--quiet');
    const rows = readRows(readFileSync(join(root, 'sweep.csv'), 'utf8'));
    // the same arrivals in every replication of every point: request counts are equal
    expect(rows[0].requests).toBe(rows[1].requests);
    expect(rows[0].requests).not.toMatch(/^\d+$/); // a mean over different seeds, not one run
  });
});
