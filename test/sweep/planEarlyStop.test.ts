/**
 * `capsim plan` with early stop (src/sweep/earlyStop.ts) against an exhaustive reference: every
 * GPU count of every option simulated in full, without the hook (runPoint, in-process).
 *
 * On test/sweep/fixtures/early-stop.yaml (4 hours) at 3.6 requests/s, two options:
 * max_batch_size 16 meets from 3 GPUs; max_batch_size 2 meets at no count up to 6, so its search
 * doubles to the end and every point of it stops early. Checked, exactly:
 * - each option's answer is the fewest GPUs meeting in the reference (null where none does);
 * - a stopped row misses in the reference, at an hour the reference lists as missed;
 * - a row simulated in full has the reference's figures;
 * - the schedule's GPUs in each hour are the fewest meeting that hour in the reference;
 * - --workers 1 and --workers 2 write the same bytes.
 * Uses the compiled CLI (build first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseVary, type GridPoint } from '../../src/sweep/grid.js';
import { runPoint } from '../../src/sweep/runPoint.js';
import { sweepColumns, sweepRecord } from '../../src/sweep/sweepCsv.js';
import { capsim, readRows, tempDir } from './helpers.js';

const FILE = fileURLToPath(new URL('./fixtures/early-stop.yaml', import.meta.url));
const SET = ['traffic.rate=3.6'];
const BATCHES = [16, 2];
const MAX_GPUS = 6;

describe('capsim plan with early stop', () => {
  it('answers, reports and schedules as the exhaustive full runs say; same bytes on 1 and 2 workers', async () => {
    const root = tempDir();
    const args = (workers: number) => ['plan', FILE, '--set', SET[0], '--vary', `serving.max_batch_size=${BATCHES.join(',')}`, '--max-gpus', String(MAX_GPUS), '--workers', String(workers), '--quiet', '--out', join(root, `w${workers}`)];
    const [one, two] = await Promise.all([capsim(...args(1)), capsim(...args(2))]);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    for (const f of ['plan.csv', 'plan_schedule.csv']) {
      expect(readFileSync(join(root, 'w2', f), 'utf8')).toBe(readFileSync(join(root, 'w1', f), 'utf8'));
    }

    const axes = [parseVary(`serving.max_batch_size=${BATCHES.join(',')}`), parseVary(`fleet.gpus=1..${MAX_GPUS}`)];
    const reference = new Map<string, ReturnType<typeof runPoint>>();
    for (const b of BATCHES) {
      for (let n = 1; n <= MAX_GPUS; n++) {
        reference.set(`${b},${n}`, runPoint({ file: FILE, set: [...SET, `serving.max_batch_size=${b}`, `fleet.gpus=${n}`], replications: 0, runDir: null }));
      }
    }
    const full = (b: number, n: number) => {
      const o = reference.get(`${b},${n}`)!;
      if (!o.ok) throw new Error(`reference point ${b},${n} failed: ${o.message}`);
      return o;
    };
    const fewest = (ok: (n: number) => boolean) => {
      for (let n = 1; n <= MAX_GPUS; n++) if (ok(n)) return n;
      return null;
    };

    const plan = JSON.parse(readFileSync(join(root, 'w1', 'plan.json'), 'utf8'));
    for (const b of BATCHES) {
      const entry = plan.options.find((o: { option: Record<string, number> }) => o.option['serving.max_batch_size'] === b);
      expect(entry.gpus, `batch ${b}`).toBe(fewest((n) => full(b, n).figures.meets_slo));
    }
    expect(plan.options.find((o: { option: Record<string, number> }) => o.option['serving.max_batch_size'] === 2).gpus).toBeNull();

    const rows = readRows(readFileSync(join(root, 'w1', 'plan.csv'), 'utf8'));
    const columns = sweepColumns(axes, false);
    let stopped = 0;
    for (const row of rows) {
      const b = Number(row['serving.max_batch_size']);
      const n = Number(row['fleet.gpus']);
      const ref = full(b, n);
      if (row.stopped_at_hour !== '') {
        stopped++;
        expect(row.meets_slo).toBe('false');
        expect(ref.figures.meets_slo).toBe(false);
        expect(ref.detail.hoursMissed).toContain(Number(row.stopped_at_hour));
        continue;
      }
      const point: GridPoint = { index: 0, values: [b, n], set: [] };
      const record = sweepRecord(axes, point, ref);
      for (const c of columns) expect(row[c], `${b},${n} ${c}`).toBe(record[c] === null ? '' : String(record[c]));
    }
    expect(stopped).toBeGreaterThanOrEqual(3);

    const chosen = plan.chosen['serving.max_batch_size'] as number;
    const schedule = readRows(readFileSync(join(root, 'w1', 'plan_schedule.csv'), 'utf8'));
    expect(schedule).toHaveLength(4);
    for (const row of schedule) {
      const h = Number(row.hour);
      expect(Number(row.gpus), `hour ${h}`).toBe(fewest((n) => !full(chosen, n).detail.hoursMissed.includes(h)));
    }
  }, 300_000);
});
