/**
 * Guards against expensive mistakes (issue 15 item 4): warnings for implausible values,
 * `capsim run --dry-run`, and `traffic.requests_per_day`.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { simulate } from '../../src/simulate.js';
import { loadWorkloadChecked, resolveWorkload } from '../../src/workload/load.js';
import { estimateRun } from '../../src/workload/estimate.js';
import { captureIo } from './captureIo.js';

const folder = mkdtempSync(path.join(tmpdir(), 'capsim-guards-'));

/** A small workload file with `traffic` and the chat class's `slo` as given. */
function workloadFile(name: string, traffic: string, slo = '{ ttft: 800ms, tpot: 50ms }'): string {
  const file = path.join(folder, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
traffic:
${traffic}
classes:
  - name: chat
    prompt_tokens: 100
    output_tokens: 50
    slo: ${slo}
model: llama-3.1-8b
gpu: h100-sxm
fleet: { gpus: 1 }
`);
  return file;
}

const warningsOf = (file: string, set: string[] = []) => loadWorkloadChecked(file, { set }).warnings.map((w) => `${w.path}: ${w.message}`);

describe('warnings for implausible values', () => {
  it('a bare ttft above 60 (seconds) or tpot above 2 asks whether milliseconds were meant', () => {
    const file = workloadFile('bare', '  rate: 5', '{ ttft: 800, tpot: 50 }');
    const w = warningsOf(file);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/^classes\[0\]\.slo\.ttft: 800 has no unit, so it is 800 seconds .*did you mean 800ms\?/);
    expect(w[1]).toMatch(/^classes\[0\]\.slo\.tpot: 50 has no unit, so it is 50 seconds per output token .*did you mean 50ms\?/);
  });

  it.each([
    ['a bare ttft of 60 s (the limit itself)', '{ ttft: 60 }'],
    ['a bare tpot of 2 s', '{ tpot: 2 }'],
    ['800 with its unit', '{ ttft: 800s, tpot: 50s }'],
    ['milliseconds', '{ ttft: 800ms, tpot: 50ms }'],
  ])('no warning for %s', (_name, slo) => {
    expect(warningsOf(workloadFile('ok', '  rate: 5', slo))).toEqual([]);
  });

  it('a --set bare value is checked like the file', () => {
    const w = warningsOf(workloadFile('set', '  rate: 5'), ['classes[0].slo.ttft=900']);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('did you mean 900ms?');
  });

  it('a rate above 10,000/s suggests requests_per_day; 10,000 itself does not warn', () => {
    const w = warningsOf(workloadFile('rate', '  rate: 20000'));
    expect(w.some((x) => /^traffic\.rate: 20000 requests per second is 1\.73 billion a day .*requests_per_day: 20000/.test(x))).toBe(true);
    expect(warningsOf(workloadFile('rate10k', '  rate: 10000'), ['duration=1h'])).toEqual([]);
  });

  it('a daily count typed as a rate that does not fit in memory is refused with the same hint', async () => {
    const io = captureIo();
    expect(await main(['run', workloadFile('daily', '  rate: 300000'), '--out', path.join(folder, 'never')], io)).toBe(2);
    expect(io.stderr()).toContain('if 300000 is a daily count, write traffic.requests_per_day: 300000');
    expect(existsSync(path.join(folder, 'never'))).toBe(false);
  });

  it('a run of more than 50 million requests warns with the estimate and the wall time; the exit code is unchanged and --quiet keeps it', async () => {
    // The chatbot at 20/s for 30 days: 20 x 86,400 x 30 = 51.84 million requests (profile mean 1).
    const io = captureIo();
    expect(await main(['run', 'workloads/chatbot.yaml', '--set', 'duration=30d', '--dry-run'], io)).toBe(0);
    expect(io.stderr()).toMatch(/capsim: warning: .*this run will simulate about 51\.8 million requests \(207 million events\), which takes about [\d.]+ to [\d.]+ min on one core/);
    const quiet = captureIo();
    expect(await main(['run', 'workloads/chatbot.yaml', '--set', 'duration=30d', '--dry-run', '--quiet'], quiet)).toBe(0);
    expect(quiet.stderr()).toMatch(/^capsim: warning: .*this run will simulate about 51\.8 million requests/);
    expect(quiet.stdout()).toBe('');
    // 29 days (50.1 million) still warns, 28 days (48.4 million) does not.
    expect(warningsOf('workloads/chatbot.yaml', ['duration=29d'])).toHaveLength(1);
    expect(warningsOf('workloads/chatbot.yaml', ['duration=28d'])).toEqual([]);
  });

  it('run --quiet --fail-on-slo still warns about a bare ttft: 800 (800 s, met by anything); --quiet only drops the summary', async () => {
    const io = captureIo();
    const file = workloadFile('quiet', '  rate: 5', '{ ttft: 800 }');
    expect(await main(['run', file, '--quiet', '--fail-on-slo', '--set', 'duration=60s', '--out', path.join(folder, 'quiet-out')], io)).toBe(0);
    expect(io.stderr()).toMatch(/^capsim: warning: .*quiet\.yaml:\d+: classes\[0\]\.slo\.ttft: 800 has no unit, so it is 800 seconds/);
    expect(io.stdout()).toBe('');
  });

  it('validate prints the warnings on stderr and still exits 0', async () => {
    const io = captureIo();
    expect(await main(['validate', workloadFile('validate', '  rate: 5', '{ ttft: 800 }')], io)).toBe(0);
    expect(io.stderr()).toMatch(/^capsim: warning: .*validate\.yaml:\d+: classes\[0\]\.slo\.ttft: 800 has no unit/);
  });
});

describe('capsim run --dry-run', () => {
  it('prints the resolved scenario and the expected requests, events and wall time, and writes nothing', async () => {
    const out = path.join(folder, 'dry-out');
    const io = captureIo();
    expect(await main(['run', 'workloads/chatbot.yaml', '--dry-run', '--out', out], io)).toBe(0);
    const text = io.stdout();
    expect(text).toContain('dry run, nothing simulated and no files written');
    expect(text).toContain('rate_per_s: 20');
    // 20/s x 86,400 s with a daily profile of mean 1: 1,728,000 requests; 4 events each.
    expect(text).toContain('# requests: about 1.73 million (rate 20/s x daily profile over 24 h)');
    expect(text).toContain('# events: about 6.91 million');
    expect(text).toMatch(/# wall time: about 2\.9 to 8\.6 s on one core/);
    expect(existsSync(out)).toBe(false);
  });

  it('--json has the scenario and the estimate; the expected count follows the growth integral', async () => {
    // Independent reference: rate x ∫0^T (1+g)^(t/per) dt = rate x per / ln(1+g) x ((1+g)^(T/per) - 1).
    const io = captureIo();
    const file = workloadFile('growth', '  rate: 20\n  growth: { per: 30d, rate: 0.2 }');
    const args = ['run', file, '--dry-run', '--json', '--set', 'duration=14d', '--out', path.join(folder, 'dry-json')];
    expect(await main(args, io)).toBe(0);
    const shown = JSON.parse(io.stdout());
    expect(shown.dry_run).toBe(true);
    expect(shown.scenario.traffic.rate_per_s).toBe(20);
    const per = 30 * 86_400;
    const expected = 20 * (per / Math.log(1.2)) * (1.2 ** ((14 * 86_400) / per) - 1);
    expect(shown.estimate.requests / expected - 1).toBeCloseTo(0, 9);
    expect(shown.estimate.events).toBeCloseTo(4 * expected, 0);
    expect(existsSync(path.join(folder, 'dry-json'))).toBe(false);
  });

  it('closed loop: an upper bound users x time / think time, or unknown without think time', () => {
    const closed = (think: string) => resolveWorkload({
      duration: '1h',
      traffic: { arrival: 'closed', users: 10, think_time: think },
      classes: [{ name: 'chat', prompt_tokens: 100, output_tokens: 50 }],
      model: 'llama-3.1-8b', gpu: 'h100-sxm', fleet: { gpus: 1 },
    });
    const e = estimateRun(closed('5s'));
    expect(e.requestsUpperBound).toBe(true);
    expect(e.requests).toBeCloseTo((10 * 3600) / 5, 9);
    expect(estimateRun(closed('0s')).requests).toBeNull();
  });
});

describe('traffic.requests_per_day', () => {
  const base = (traffic: Record<string, unknown>, duration = '7d') => ({
    name: 'per-day',
    seed: 3,
    duration,
    traffic,
    classes: [{ name: 'chat', prompt_tokens: 100, output_tokens: 20 }],
    api: { name: 'hosted', use_for: 'all', input_per_million: 0.15, output_per_million: 0.6, ttft: '200ms', tokens_per_second: 100 },
  });

  it('is rate = requests_per_day / 86,400', () => {
    expect(resolveWorkload(base({ requests_per_day: 300_000 })).traffic.ratePerS).toBe(300_000 / 86_400);
  });

  it.each([
    ['both rate and requests_per_day', { rate: 2, requests_per_day: 300_000 }, /traffic\.requests_per_day: give either rate \(2\/s\) or requests_per_day \(300000\), not both/],
    ['requests_per_day with a closed loop', { arrival: 'closed', users: 4, requests_per_day: 1000 }, /traffic\.requests_per_day: does not apply with arrival: closed/],
    ['neither', { arrival: 'poisson' }, /traffic\.rate: is required: .* or requests_per_day/],
  ])('%s is an error', (_name, traffic, message) => {
    expect(() => resolveWorkload(base(traffic))).toThrow(message);
  });

  it('is the mean day\'s total: over a week with daily and weekly profiles, the days average requests_per_day (Poisson, 4 sigma)', () => {
    const perDay = 20_000;
    const daily = Array.from({ length: 24 }, (_, h) => 1 + Math.sin((h / 24) * 2 * Math.PI));
    const weekly = [2, 1, 1, 1, 1, 0.5, 0.5];
    const run = simulate(resolveWorkload(base({ requests_per_day: perDay, daily_profile: daily, weekly_profile: weekly })));
    const days = run.summary.by_day!;
    expect(days).toHaveLength(7);
    const total = days.reduce((n, d) => n + d.requests, 0);
    // The week's total is Poisson with mean 7 x requests_per_day.
    expect(Math.abs(total - 7 * perDay)).toBeLessThan(4 * Math.sqrt(7 * perDay));
    // Monday carries weekly weight 2 of a mean 1: twice the mean day (and it is not flat).
    const wMean = weekly.reduce((a, b) => a + b, 0) / 7;
    expect(Math.abs(days[0].requests - (perDay * 2) / wMean)).toBeLessThan(4 * Math.sqrt((perDay * 2) / wMean));
  });
});
