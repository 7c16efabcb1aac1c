import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../workload/captureIo.js';

/** A small, fast workload: 2 h, two classes with SLOs, a measured `perf` block (no roofline). */
export const SMALL_WORKLOAD = `# yaml-language-server: $schema=../../workloads/workload.schema.json
# A tiny workload for the report tests.
name: report-fixture
seed: 7
duration: 2h
traffic: { rate: 2, arrival: poisson }
classes:
  - name: chat
    weight: 0.8
    prompt_tokens: { dist: lognormal, median: 500, p99: 3000, max: 8000 }
    output_tokens: { dist: lognormal, median: 120, p99: 600, max: 2000 }
    slo: { ttft: 1s, tpot: 80ms, e2e: 20s }
  - name: summarize
    weight: 0.2
    prompt_tokens: 2000
    output_tokens: { dist: uniform, min: 100, max: 300 }
    slo: { e2e: 60s }
model: llama-3.1-8b
gpu: h100-sxm
fleet: { gpus: 2, gpus_per_replica: 1 }
perf:
  prefill: { base: 5ms, per_token: 0.05ms }
  decode: { base: 8ms, per_seq: 0.05ms, per_kv_token: 0.00002ms }
costs: { hourly: { monitoring: 1.0 } }
`;

/** A fresh temporary folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `capsim-${prefix}-`));
}

/** Runs the small workload with `capsim run --quiet` (plus `extra` flags) into a new folder. */
export async function runSmall(extra: string[] = []): Promise<{ dir: string; code: number; stderr: string }> {
  const root = tempDir('report');
  const file = join(root, 'small.yaml');
  writeFileSync(file, SMALL_WORKLOAD);
  const dir = join(root, 'out');
  const io = captureIo();
  const code = await main(['run', file, '--out', dir, '--quiet', ...extra], io);
  return { dir, code, stderr: io.stderr() };
}

/**
 * A sweep/plan results folder as `capsim sweep` and `capsim plan` write it (sweep.csv columns
 * per PRODUCT.md; plan.csv marks the chosen row; plan_schedule.csv per hour), with the run's
 * manifest beside it for the SLOs.
 */
export function writePlanFixture(dir: string, manifestJson: string | null): void {
  mkdirSync(dir, { recursive: true });
  const header = 'fleet.gpus,requests,completed,dropped,gpus,cost_per_hour,total_cost,cost_per_1k_requests,ttft_p99_ms,tpot_p99_ms,e2e_p99_ms,peak_hour_ttft_p99_ms,peak_hour_e2e_p99_ms,slo_attainment,worst_hour_slo_attainment,meets_slo,error';
  const rows = [
    [1, 14000, 13000, 1000, 1, 7.9, 189.6, 0.58, 9200, 95, 48000, 15000, 61000, 0.81, 0.6, 'false', ''],
    [2, 14000, 14000, 0, 2, 14.8, 355.2, 1.06, 1400, 40, 18000, 2100, 22000, 0.97, 0.93, 'false', ''],
    [3, 14000, 14000, 0, 3, 21.7, 520.8, 1.55, 610, 31, 12000, 840, 15000, 0.995, 0.99, 'true', ''],
    [4, 14000, 14000, 0, 4, 28.6, 686.4, 2.04, 420, 28, 10000, 530, 12000, 0.998, 0.995, 'true', ''],
  ];
  const csv = (h: string, rs: unknown[][]) => `${h}\n${rs.map((r) => r.join(',')).join('\n')}\n`;
  writeFileSync(join(dir, 'sweep.csv'), csv(header, rows));
  writeFileSync(join(dir, 'plan.csv'), csv(`${header},chosen`, rows.map((r, i) => [...r, i === 2 ? 'true' : 'false'])));
  const schedule = Array.from({ length: 24 }, (_, h) => {
    const need = h < 6 ? 1 : h < 9 ? 2 : h < 18 ? 3 : 2;
    return [h, need, 3, need * 7.2, 21.7, 30 + h];
  });
  writeFileSync(join(dir, 'plan_schedule.csv'), csv('hour,gpus,cost,static_gpus,static_cost,api_cost', schedule));
  if (manifestJson) writeFileSync(join(dir, 'manifest.json'), manifestJson);
}
