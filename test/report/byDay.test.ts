import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../workload/captureIo.js';
import { tempDir } from './fixtures.js';

/** Hosted API only (no GPU queue), so that days of traffic simulate in a moment. */
const WORKLOAD = (duration: string) => `name: by-day
seed: 3
duration: ${duration}
traffic: { rate: 0.05, weekly_profile: [2, 1, 1, 1, 1, 0.5, 0.5] }
classes:
  - { name: chat, prompt_tokens: 100, output_tokens: 20, slo: { ttft: 1s, e2e: 5s } }
api: { name: hosted, use_for: all, input_per_million: 0.15, output_per_million: 0.6, ttft: 200ms, tokens_per_second: 100 }
`;

async function report(duration: string): Promise<{ html: string; summary: { by_day?: { requests: number }[] } }> {
  const root = tempDir('by-day');
  const file = join(root, 'w.yaml');
  writeFileSync(file, WORKLOAD(duration));
  const out = join(root, 'out');
  const io = captureIo();
  expect(await main(['run', file, '--out', out, '--quiet', '--report'], io)).toBe(0);
  return { html: readFileSync(join(out, 'report.html'), 'utf8'), summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) };
}

describe('the report of a run longer than two days', () => {
  it('has a by-day section: requests, cost and the worst hour of each day, one point per day of summary.json by_day', async () => {
    const { html, summary } = await report('7d');
    expect(html).toContain('<h2>By day</h2>');
    for (const caption of ['Requests per day', 'Cost per day (USD)', 'Worst hour of each day: p99 latency (all classes)']) expect(html).toContain(caption);
    expect(html).toContain('The 7 days of the run');
    expect(summary.by_day).toHaveLength(7);
    // Monday (weight 2 of a mean 1) is the busiest day: its bar of arrivals is drawn highest.
    const days = summary.by_day!;
    expect(days[0].requests).toBe(Math.max(...days.map((d) => d.requests)));
    expect(html).not.toContain('data-has-data="false"');
  });

  it('has none for two days or less', async () => {
    const { html, summary } = await report('48h');
    expect(summary.by_day).toHaveLength(2);
    expect(html).not.toContain('By day');
  });
});
