import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseCsv } from '../../src/report/readCsv.js';
import { VERSION } from '../../src/version.js';
import { captureIo } from '../workload/captureIo.js';
import { runSmall, SMALL_WORKLOAD, tempDir, writePlanFixture } from './fixtures.js';

let runDir: string;

beforeAll(async () => {
  const run = await runSmall(['--report']);
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  runDir = run.dir;
});

describe('capsim run --report', () => {
  it('writes report.html beside the run files', () => {
    for (const f of ['hourly.csv', 'summary.json', 'manifest.json', 'report.html']) expect(existsSync(join(runDir, f))).toBe(true);
  });

  it('is self-contained: no network, no external script, style or image', () => {
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    const urls = html.match(/\b(?:https?:)?\/\/[^\s"'<>)]+/g) ?? [];
    expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    expect(html).not.toMatch(/<(?:link|img|iframe)\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
  });

  it('shows the headline figures, the manifest and every run chart', () => {
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(html).toContain('capsim report: report-fixture');
    expect(html).toContain('seed 7');
    expect(html).toContain(`capsim ${VERSION}`);
    expect(html).toContain(`$${summary.cost_per_hour.toFixed(2)}`);
    for (const caption of ['Requests arriving per hour', 'GPUs provisioned per hour', 'Cost per hour by category', 'Time to first token per hour', 'End-to-end latency per hour', 'GPU utilization per hour']) {
      expect(html).toContain(caption);
    }
    expect(html).toContain('chat SLO (p99) 1 s');
    expect(html).toContain('summarize SLO (p99) 60 s');
    expect(html).toMatch(/<td>chat<\/td>.*PASS|FAIL/);
    expect(html).not.toContain('data-has-data="false"');
  });

  it('capsim report rewrites the same bytes (deterministic)', async () => {
    const before = readFileSync(join(runDir, 'report.html'), 'utf8');
    const io = captureIo();
    expect(await main(['report', runDir], io)).toBe(0);
    expect(io.stdout()).toBe(`wrote ${join(runDir, 'report.html')}\n`);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toBe(before);
  });
});

describe('capsim report on a sweep or plan folder', () => {
  it('charts cost and peak-hour p99 against the GPU count, with the SLO line and the chosen point', async () => {
    const dir = tempDir('plan');
    writePlanFixture(dir, readFileSync(join(runDir, 'manifest.json'), 'utf8'));
    expect(await main(['report', dir, '--quiet'], captureIo())).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('GPUs (fleet.gpus)');
    expect(html).toContain('Peak-hour p99 time to first token');
    expect(html).toContain('tightest TTFT SLO (p99) 1 s');
    expect(html.match(/class="marker"/g)).toHaveLength(2);
    expect(html).toContain('chosen: fleet.gpus=3');
    expect(html).toContain('<tr class="chosen"><td>3</td>');
    expect(html).toContain('Autoscaling schedule');
    expect(html).toContain('data-series="GPUs needed (hourly schedule)"');
    expect(html).toContain('data-series="static fleet"');
    expect(html).toContain('data-series="all on the hosted API"');
    expect(html).toContain('Peak-hour p99 time to first token (log scale)');
    expect(html).not.toContain('data-has-data="false"');
    expect(html).not.toContain('Traffic and fleet');
  });

  it('reads plan.csv by column name and marks its chosen row', async () => {
    const dir = tempDir('planonly');
    writePlanFixture(dir, null);
    const plan = readFileSync(join(dir, 'plan.csv'), 'utf8').replace(/^(.*),chosen$/m, 'chosen,$1');
    // Move the `chosen` column first: the report must not depend on column positions.
    const rows = parseCsv(readFileSync(join(dir, 'plan.csv'), 'utf8'));
    const header = plan.split('\n')[0].split(',');
    writeFileSync(join(dir, 'plan.csv'), `${header.join(',')}\n${rows.map((r) => header.map((h) => r[h]).join(',')).join('\n')}\n`);
    rmSync(join(dir, 'sweep.csv'));
    expect(await main(['report', dir, '--quiet'], captureIo())).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Capacity plan');
    expect(html).toContain('chosen: fleet.gpus=3');
    expect(html).not.toContain('tightest TTFT SLO');
    // --workload supplies the SLOs and the name when the folder has no manifest.json.
    const file = join(dir, 'w.yaml');
    writeFileSync(file, SMALL_WORKLOAD);
    expect(await main(['report', dir, '--quiet', '--workload', file], captureIo())).toBe(0);
    const withWorkload = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(withWorkload).toContain('tightest TTFT SLO (p99) 1 s');
    expect(withWorkload).toContain('capsim report: report-fixture');
  });

  it('marks the cheapest configuration meeting every SLO in a sweep folder', async () => {
    const dir = tempDir('sweep');
    writePlanFixture(dir, null);
    for (const f of ['plan.csv', 'plan_schedule.csv']) rmSync(join(dir, f));
    expect(await main(['report', dir, '--quiet'], captureIo())).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Sweep</h2>');
    expect(html).toContain('cheapest meeting SLOs: fleet.gpus=3');
    expect(html).not.toContain('Autoscaling schedule');
  });

  it.each([
    ['a missing folder', (d: string) => join(d, 'nope'), /not a results folder/],
    ['a folder without outputs', (d: string) => d, /holds none of capsim's output files/],
  ])('exits 2 for %s', async (_what, pick, message) => {
    const io = captureIo();
    expect(await main(['report', pick(tempDir('empty'))], io)).toBe(2);
    expect(io.stderr()).toMatch(message);
  });
});
