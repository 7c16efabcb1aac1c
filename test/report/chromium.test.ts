/**
 * report.html in a real browser: headless Chromium loads it offline, runs its one inline
 * script (which marks the page when every chart has a drawn series), logs nothing to the
 * console, and renders a screenshot. CI installs Chromium; without it these tests are skipped.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../workload/captureIo.js';
import { hasChromium, loadPage, screenshot } from './chromium.js';
import { runSmall, tempDir, writePlanFixture } from './fixtures.js';

const OUTPUT = join(import.meta.dirname, 'output');

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  let runReport: string;
  let planReport: string;

  beforeAll(async () => {
    const run = await runSmall(['--report']);
    expect(run.code).toBe(0);
    runReport = join(run.dir, 'report.html');
    const planDir = tempDir('chromium-plan');
    writePlanFixture(planDir, readFileSync(join(run.dir, 'manifest.json'), 'utf8'));
    expect(await main(['report', planDir, '--quiet'], captureIo())).toBe(0);
    planReport = join(planDir, 'report.html');
    mkdirSync(OUTPUT, { recursive: true });
  });

  it.each([
    ['run', () => runReport, 6],
    ['plan', () => planReport, 4],
  ])('the %s report loads without console errors and every chart has data', (_kind, file, charts) => {
    const page = loadPage(file());
    expect(page.status).toBe(0);
    expect(page.console).toEqual([]);
    expect(page.dom).toContain('data-charts-ready="true"');
    expect(Number(/data-chart-count="(\d+)"/.exec(page.dom)?.[1])).toBeGreaterThanOrEqual(charts);
    expect(page.dom).not.toContain('data-empty="true"');
  });

  it('renders a screenshot', () => {
    const png = join(OUTPUT, 'report-run.png');
    expect(screenshot(runReport, png)).toBe(0);
    expect(existsSync(png)).toBe(true);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000);
    const planPng = join(OUTPUT, 'report-plan.png');
    expect(screenshot(planReport, planPng, '1280,1800')).toBe(0);
    expect(existsSync(planPng)).toBe(true);
  });
});

it.runIf(!hasChromium)('Chromium is missing: the browser tests were skipped (an error in CI)', () => {
  const message = 'capsim: /usr/bin/chromium not found (install it, or set CHROMIUM=/path/to/chromium): report.html browser tests skipped';
  if (process.env.CI || process.env.CAPSIM_REQUIRE_CHROMIUM) throw new Error(message);
  console.warn(message);
});
