/**
 * Hostile and careless uses of capsim's OUTPUTS (issue 20: items 1-4, 7, 8, 11-17, 21): where
 * results go, what is in them, resume and merge. Each case runs the compiled CLI in a fresh
 * folder (harness.ts) and states the exit code, a message fragment, the files left behind and a
 * time bound; each failed before its fix (the issue lists what it did then).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCase, runCapsim, type RunResult } from './harness.js';
import { csvText, fromCsvText } from '../../src/output/csv.js';
import { parseCsv } from '../../src/report/readCsv.js';

/** A workload that simulates in a fraction of a second (a measured linear step model). */
const TINY = `name: tiny
seed: 3
duration: 10m
traffic: { rate: 5 }
classes:
  - name: chat
    prompt_tokens: 200
    output_tokens: 40
    slo: { ttft: 1s }
model: llama-3.1-8b
gpu: h100-sxm
fleet: { gpus: 1 }
perf:
  prefill: { base: 5ms, per_token: 0.05ms }
  decode: { base: 8ms, per_seq: 0.05ms, per_kv_token: 0.00002ms }
`;

/** The same, but 30 days at 200/s: minutes of simulation, so an error found only after simulating times out. */
const LONG = TINY.replace('duration: 10m', 'duration: 30d').replace('rate: 5', 'rate: 200');

const read = (r: RunResult, path: string) => readFileSync(join(r.dir, path), 'utf8');
const noTemps = (files: readonly string[]) => files.every((f) => !/\.tmp-\d+$/.test(f) && !f.endsWith('.capsim.lock'));

describe('outputs: sweep resume and merge (items 1, 2, 12, 13)', () => {
  /** sweep.csv and sweep.json of a finished 3-point sweep, and the folders of 2 shards of it. */
  let sweep: Record<string, string>;
  let shards: Record<string, string>;

  beforeAll(async () => {
    const whole = await runCapsim(['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..3', '--workers', '1', '--out', 'out', '--quiet'], { files: { 'w.yaml': TINY } });
    expect(whole.code, whole.stderr).toBe(0);
    sweep = { 'w.yaml': TINY, 'out/sweep.csv': read(whole, 'out/sweep.csv'), 'out/sweep.json': read(whole, 'out/sweep.json') };
    shards = { 'w.yaml': TINY };
    for (const i of [0, 1]) {
      const s = await runCapsim(['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..3', '--workers', '1', '--shard', `${i}/2`, '--out', 's', '--quiet'], { files: { 'w.yaml': TINY } });
      expect(s.code, s.stderr).toBe(0);
      for (const f of ['sweep.csv', 'shard.json', 'sweep.json']) shards[`s${i}/${f}`] = read(s, `s/${f}`);
    }
  }, 120_000);

  it.each([
    ['--seed', ['--seed', '9'], 'another seed'],
    ['--set', ['--set', 'traffic.rate=6'], 'other --set overrides'],
    ['--replications', ['--replications', '2'], 'different'],
  ])('1: --resume with another %s is refused and the rows are kept', async (_flag, extra, fragment) => {
    const r = await checkCase({
      name: `resume ${extra.join(' ')}`,
      args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..3', '--workers', '1', '--out', 'out', '--resume', ...extra],
      options: { files: sweep },
      message: ['--resume', fragment],
    });
    expect(read(r, 'out/sweep.csv')).toBe(sweep['out/sweep.csv']);
  });

  it('1: --resume after the workload file changed is refused', async () => {
    await checkCase({
      name: 'resume, workload edited',
      args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..3', '--workers', '1', '--out', 'out', '--resume'],
      options: { files: { ...sweep, 'w.yaml': TINY.replace('rate: 5', 'rate: 7') } },
      message: 'the workload file changed',
    });
  });

  it('1: --resume of the same sweep still completes (exit 0, same bytes)', async () => {
    const csv = sweep['out/sweep.csv'];
    const twoRows = csv.split('\n').slice(0, 3).join('\n') + '\n';
    const r = await runCapsim(['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..3', '--workers', '1', '--out', 'out', '--resume', '--quiet'], {
      files: { ...sweep, 'out/sweep.csv': twoRows },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(read(r, 'out/sweep.csv')).toBe(csv);
  });

  it('2: merge --out onto one of its own inputs is refused, the input untouched', async () => {
    const r = await checkCase({ name: 'merge onto input', args: ['merge', 's0', 's1', '--out', 's0/sweep.csv'], options: { files: shards }, message: 'one of the inputs' });
    expect(read(r, 's0/sweep.csv')).toBe(shards['s0/sweep.csv']);
  });

  it('2: merge --out that is a symbolic link is refused, its target untouched', async () => {
    const r = await checkCase({
      name: 'merge onto a link',
      args: ['merge', 's0', 's1', '--out', 'merged.csv'],
      options: { files: { ...shards, 'precious.txt': 'keep me' }, setup: (dir) => symlinkSync(join(dir, 'precious.txt'), join(dir, 'merged.csv')) },
      message: 'symbolic link',
    });
    expect(read(r, 'precious.txt')).toBe('keep me');
    expect(lstatSync(join(r.dir, 'merged.csv')).isSymbolicLink()).toBe(true);
  });

  it('2: a sweep.csv that is a symbolic link is refused, its target untouched', async () => {
    const r = await checkCase({
      name: 'sweep.csv is a link',
      args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1,2', '--workers', '1', '--out', 'out'],
      options: {
        files: { 'w.yaml': TINY, 'precious.txt': 'keep me' },
        setup: (dir) => {
          mkdirSync(join(dir, 'out'));
          symlinkSync(join(dir, 'precious.txt'), join(dir, 'out', 'sweep.csv'));
        },
      },
      message: 'symbolic link',
    });
    expect(read(r, 'precious.txt')).toBe('keep me');
  });

  it('12: merge refuses a shard whose rows do not match its grid indices', async () => {
    const lines = shards['s0/sweep.csv'].split('\n');
    [lines[1], lines[2]] = [lines[2], lines[1]];
    await checkCase({ name: 'rows swapped', args: ['merge', 's0', 's1', '--out', 'm.csv'], options: { files: { ...shards, 's0/sweep.csv': lines.join('\n') } }, message: 'is not grid point' });
  });

  it.each([
    ['points: -5', { points: -5 }, 'points must be a whole number'],
    ['points: 1e9 (no Node fatal error)', { points: 1e9 }, 'points must be a whole number'],
    ['indices past the grid', { indices: [0, 7] }, 'indices must be'],
    ['grid disagreeing with points', { points: 4 }, 'the grid has 3'],
  ])('12/13: merge refuses a shard.json with %s', async (_name, patch, fragment) => {
    const manifest = { ...JSON.parse(shards['s0/shard.json']), ...patch };
    const r = await checkCase({
      name: `shard.json ${JSON.stringify(patch)}`,
      args: ['merge', 's0', 's1', '--out', 'm.csv'],
      options: { files: { ...shards, 's0/shard.json': JSON.stringify(manifest) }, heapMb: 256, timeoutMs: 20_000 },
      message: fragment,
    });
    expect(r.ms).toBeLessThan(15_000);
  });

  it('merge refuses shards of sweeps run with different --set (identity in shard.json)', async () => {
    const other = await runCapsim(['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..3', '--workers', '1', '--shard', '1/2', '--set', 'traffic.rate=6', '--out', 's', '--quiet'], { files: { 'w.yaml': TINY } });
    expect(other.code, other.stderr).toBe(0);
    await checkCase({
      name: 'merge different --set',
      args: ['merge', 's0', 's1', '--out', 'm.csv'],
      options: { files: { ...shards, 's1/sweep.csv': read(other, 's/sweep.csv'), 's1/shard.json': read(other, 's/shard.json') } },
      message: 'other --set overrides',
    });
  });
});

describe('outputs: CSV cells (item 3)', () => {
  it('neutralises text cells a spreadsheet would run as formulas, and leaves numbers alone', () => {
    // OWASP "CSV Injection": cells starting with = + - @ tab CR are evaluated by spreadsheets.
    for (const formula of ['=1+1', '+1+cmd', '-2+3+cmd|x', '@SUM(A1)', '\t=1', '\r=1', "'=1"]) {
      expect(csvText(formula)).toBe(`'${formula}`);
      expect(fromCsvText(csvText(formula))).toBe(formula);
    }
    for (const plain of ['-5', '+3', '-0.25', '1e-7', 'chat', "'quoted", '']) {
      expect(csvText(plain)).toBe(plain);
      expect(fromCsvText(csvText(plain))).toBe(plain);
    }
  });

  it('a class named like a formula is written as text in hourly_by_class.csv, and read back by the report', async () => {
    const name = '=HYPERLINK("http://evil","x")';
    const yaml = TINY.replace('- name: chat', `- name: '${name}'`);
    const r = await runCapsim(['run', 'w.yaml', '--out', 'out', '--quiet', '--report'], { files: { 'w.yaml': yaml } });
    expect(r.code, r.stderr).toBe(0);
    const text = read(r, 'out/hourly_by_class.csv');
    const cells = text.split('\n')[1];
    expect(cells.startsWith(`0,"'=HYPERLINK(""http://evil"",""x"")"`)).toBe(true);
    expect(parseCsv(text)[0].class).toBe(name);
    expect(read(r, 'out/report.html')).toContain('=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)</td>');
    // numbers stay numbers: no cell of hourly.csv is quoted or prefixed
    expect(read(r, 'out/hourly.csv')).not.toMatch(/'/);
  });
});

describe('outputs: the output location (items 4, 14, 17)', () => {
  it('4: a folder locked by another live capsim is refused before simulating', async () => {
    await checkCase({
      name: 'locked folder',
      args: ['run', 'w.yaml', '--out', 'out'],
      options: { files: { 'w.yaml': LONG, 'out/.capsim.lock': `${process.pid} ${hostname()}\n` }, timeoutMs: 20_000 },
      message: `another capsim (pid ${process.pid}) is writing to this folder`,
    });
  });

  it('4: a stale lock (its process is gone) is taken over, and removed at the end', async () => {
    const r = await runCapsim(['run', 'w.yaml', '--out', 'out', '--quiet'], { files: { 'w.yaml': TINY, 'out/.capsim.lock': `999999999 ${hostname()}\n` } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(r.dir, 'out', '.capsim.lock'))).toBe(false);
    expect(r.filesWritten).toEqual(['out/hourly.csv', 'out/hourly_by_class.csv', 'out/manifest.json', 'out/summary.json']);
  });

  it('4: two runs on the same --out at once never mix their files', async () => {
    // Both runs write into one absolute folder; run A with seed 1, B with seed 2. Whichever order
    // they end in, summary.json and manifest.json must come from the same run.
    const shared = (await runCapsim(['validate', 'w.yaml', '--quiet'], { files: { 'w.yaml': TINY } })).dir;
    const out = join(shared, 'out');
    const [a, b] = await Promise.all(['1', '2'].map((seed) => runCapsim(['run', join(shared, 'w.yaml'), '--out', out, '--seed', seed, '--quiet'])));
    expect([a.code, b.code].sort(), `${a.stderr}\n${b.stderr}`).toEqual(a.code === 0 && b.code === 0 ? [0, 0] : [0, 2]);
    for (const r of [a, b]) if (r.code === 2) expect(r.stderr).toContain('another capsim');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(summary.seed).toBe(manifest.seed);
    expect(existsSync(join(out, '.capsim.lock'))).toBe(false);
  });

  it('14: --out that is a file: exit 2 at once (before simulating), nothing written', async () => {
    await checkCase({ name: '--out is a file', args: ['run', 'w.yaml', '--out', 'taken'], options: { files: { 'w.yaml': LONG, taken: 'x' }, timeoutMs: 20_000 }, message: 'is a file, not a folder' });
  });

  it('14: --out where the folder cannot be created (no permission): exit 2 at once', async () => {
    // /sys refuses new entries even to root (EPERM); a read-only or foreign folder gives EROFS/EACCES the same way.
    await checkCase({ name: '--out /sys/...', args: ['run', 'w.yaml', '--out', '/sys/capsim-test/x'], options: { files: { 'w.yaml': LONG }, timeoutMs: 20_000 }, message: /cannot create the folder: (operation not permitted|permission denied|read-only)/ });
  });

  it('17: --out /proc/x does not spin: exit 2 in bounded time', async () => {
    const r = await checkCase({ name: '--out /proc/x', args: ['run', 'w.yaml', '--out', '/proc/capsim-x'], options: { files: { 'w.yaml': LONG }, timeoutMs: 20_000 }, message: 'cannot create the folder' });
    expect(r.ms).toBeLessThan(15_000);
  });

  it('14: a file-size limit (ulimit -f) hit while writing: exit 2, plain message, no temporary files', async () => {
    await checkCase({
      name: 'ulimit -f 1',
      args: ['run', 'w.yaml', '--out', 'out'],
      options: { files: { 'w.yaml': TINY.replace('duration: 10m', 'duration: 3h') }, fileSizeLimitBlocks: 1 },
      message: ['cannot write', 'file too large'],
    });
  });

  it('14: a write error inside sweep workers is exit 2 with a plain message (not exit 1), nothing left', async () => {
    await checkCase({
      name: 'sweep --keep-runs under ulimit -f',
      args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..4', '--workers', '2', '--keep-runs', '--out', 'out'],
      options: { files: { 'w.yaml': TINY.replace('duration: 10m', 'duration: 3h') }, fileSizeLimitBlocks: 1 },
      message: ['file too large'],
      // sweep.csv keeps its complete rows (to --resume once there is room); no temporary file, no lock
      allowFiles: (files) => noTemps(files) && files.every((f) => ['out/sweep.csv', 'out/sweep.json'].includes(f)),
    });
  });

  it('14: stdout on /dev/full: exit 2 with one plain line, no stack', async () => {
    await checkCase({
      name: 'stdout /dev/full',
      args: ['run', 'w.yaml', '--out', 'out'],
      options: { files: { 'w.yaml': TINY }, stdoutFile: '/dev/full' },
      message: 'cannot write to standard output: no space left on the device',
      allowFiles: noTemps, // the results were written; only stdout failed
    });
  });
});

describe('outputs: reserved class names (item 7)', () => {
  it.each(['__proto__', 'constructor'])('a class named %s stays in summary.json and its missed SLO fails the run', async (name) => {
    const yaml = TINY.replace('- name: chat', `- name: ${name}\n    weight: 1\n    prompt_tokens: 200\n    output_tokens: 40\n    slo: { ttft: 1ms }\n  - name: chat`);
    const r = await runCapsim(['run', 'w.yaml', '--out', 'out', '--fail-on-slo', '--quiet'], { files: { 'w.yaml': yaml } });
    expect(r.code, r.stderr).toBe(1);
    const summary = JSON.parse(read(r, 'out/summary.json'));
    expect(Object.keys(summary.classes)).toEqual([name, 'chat']);
    expect(summary.classes[name].meets_slo).toBe(false);
    expect(summary.meets_slo).toBe(false);
    const sweep = await runCapsim(['sweep', 'w.yaml', '--vary', 'fleet.gpus=1,2', '--workers', '1', '--out', 'out', '--fail-on-slo', '--quiet'], { files: { 'w.yaml': yaml } });
    expect(sweep.code, sweep.stderr).toBe(1);
  });
});

describe('outputs: cost items (item 8)', () => {
  it('other_by_item sums to other_cost with retrieval, storage and a user item named like a generated one', async () => {
    const yaml = `${TINY.replace('    slo: { ttft: 1s }', '    slo: { ttft: 1s }\n    retrieval: { latency: 40ms, added_tokens: 100, cost_per_query: 0.001 }')}costs:
  hourly: { storage_growth: 2.0, monitoring: 1.0 }
  per_request: { logging: 0.0001 }
  storage: { bytes_per_request: 1000000, price_per_gb_month: 0.1, initial_gb: 10 }
`;
    const r = await runCapsim(['run', 'w.yaml', '--out', 'out', '--quiet'], { files: { 'w.yaml': yaml } });
    expect(r.code, r.stderr).toBe(0);
    const b = JSON.parse(read(r, 'out/summary.json')).cost_breakdown;
    expect(Object.keys(b.other_by_item).sort()).toEqual(['monitoring', 'per_request:logging', 'retrieval:chat', 'storage_growth', 'storage_growth#2']);
    const items = Object.values(b.other_by_item as Record<string, number>).reduce((a, v) => a + v, 0);
    // tolerance: each hourly other_cost is rounded to 1e-6 USD, each item too
    expect(Math.abs(items - b.other_cost)).toBeLessThan(1e-5);
    expect(b.other_by_item['retrieval:chat']).toBeGreaterThan(0);
  });

  it("a pool that serves no class keeps its cost in hourly_by_class.csv (class rows add up to the hour's)", async () => {
    // The hosted API serves every class, so the fleet serves none, yet it is paid for.
    const yaml = `name: idle-fleet
seed: 3
duration: 2h
traffic: { rate: 2 }
classes:
  - { name: chat, prompt_tokens: 200, output_tokens: 40 }
  - { name: summary, prompt_tokens: 800, output_tokens: 100 }
model: llama-3.1-8b
gpu: h100-sxm
fleet: { gpus: 2 }
api: { name: gpt-4o-mini, use_for: [chat, summary] }
`;
    const r = await runCapsim(['run', 'w.yaml', '--out', 'out', '--quiet'], { files: { 'w.yaml': yaml } });
    expect(r.code, r.stderr).toBe(0);
    const hourly = parseCsv(read(r, 'out/hourly.csv'));
    const byClass = parseCsv(read(r, 'out/hourly_by_class.csv'));
    for (const row of hourly) {
      for (const column of ['gpu_cost', 'energy_cost', 'other_cost', 'total_cost']) {
        const classes = byClass.filter((c) => c.hour === row.hour).reduce((a, c) => a + Number(c[column]), 0);
        expect(Math.abs(classes - Number(row[column])), `hour ${row.hour} ${column}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('outputs: calibrate (item 11)', () => {
  const HEADER = 'prefill_tokens,decode_seqs,kv_tokens,step_ms\n';

  it('too few rows for the factors: exit 2 naming how many are needed', async () => {
    await checkCase({
      name: 'calibrate 2 rows',
      args: ['calibrate', 'm.csv', '--model', 'llama-2-7b', '--gpu', 'a100-80gb'],
      options: { files: { 'm.csv': `${HEADER}512,0,0,30\n0,8,4096,11\n` } },
      message: /2 measurement\(s\) cannot calibrate \d factors .*give at least \d rows/,
    });
  });

  it('a fit outside the physical range is clamped and warned about, never printed as 1e62', async () => {
    // Steps 1000x faster than an A100 can run llama-2-7b: the unbounded fit gave compute_eff 2.6e62.
    const rows = ['512,0,0,0.01', '1024,0,0,0.02', '2048,0,0,0.04', '0,8,4096,0.01', '0,32,16384,0.01', '0,64,40000,0.01', '0,1,100,0.01'];
    const r = await runCapsim(['calibrate', 'm.csv', '--model', 'llama-2-7b', '--gpu', 'a100-80gb', '--json'], { files: { 'm.csv': HEADER + rows.join('\n') + '\n' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: compute_eff: the fit gave .*clamped to 1/);
    const fit = JSON.parse(r.stdout);
    for (const k of ['weight_bandwidth_eff', 'kv_bandwidth_eff', 'compute_eff', 'attention_compute_eff']) {
      expect(fit.factors[k]).toBeGreaterThanOrEqual(0.01);
      expect(fit.factors[k]).toBeLessThanOrEqual(1);
    }
    expect(fit.warnings.length).toBeGreaterThanOrEqual(1);
  });
});

describe('outputs: report (items 13, 15, 21)', () => {
  it("13: a folder whose summary.json is {}: exit 2 naming the file", async () => {
    await checkCase({ name: 'report {}', args: ['report', 'out'], options: { files: { 'out/summary.json': '{}' } }, message: ['summary.json', 'is not a summary written by capsim run'] });
  });

  it('21: report on a FILE says it is a file, not "no such directory"', async () => {
    await checkCase({ name: 'report FILE', args: ['report', 'out/hourly.csv'], options: { files: { 'out/hourly.csv': 'hour\n0\n' } }, message: 'is a file, not a results folder' });
  });

  it('15: the report of a 20,000-hour run is linear: it finishes in seconds (quadratic took 327 s)', async () => {
    const columns = 'hour,arrivals,completed,gpus,gpu_utilization,ttft_p50_ms,ttft_p99_ms,e2e_p50_ms,e2e_p99_ms,gpu_cost,energy_cost,api_cost,cache_cost,other_cost,total_cost';
    let hourly = `${columns}\n`;
    let byClass = `hour,class,${columns.slice('hour,'.length)}\n`;
    for (let h = 0; h < 20_000; h++) {
      const v = [h % 97, h % 89, 4, 0.5, 100 + (h % 7), 300 + (h % 11), 900, 2000, 12, 1, 0, 0, 1, 14];
      hourly += `${h},${v.join(',')}\n`;
      for (const c of ['chat', 'summarize']) byClass += `${h},${c},${v.join(',')}\n`;
    }
    const r = await runCapsim(['report', 'out', '--quiet'], { files: { 'out/hourly.csv': hourly, 'out/hourly_by_class.csv': byClass }, timeoutMs: 90_000, heapMb: 1024 });
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.filesWritten).toEqual(['out/report.html']);
  }, 120_000);
});

describe('outputs: sweeps (items 16, 21)', () => {
  it('16: --workers 1000 is capped at the CPU count (or memory), said on stderr, and runs', async () => {
    const r = await runCapsim(['sweep', 'w.yaml', '--vary', 'fleet.gpus=1..6', '--workers', '1000', '--out', 'out'], { files: { 'w.yaml': TINY } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/--workers 1000: using \d+ \((the CPU count|512 MB per worker)/);
  });

  it('21: a sweep whose points are all bad input writes nothing and exits 2', async () => {
    await checkCase({
      name: 'all points bad',
      args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=x,y', '--workers', '1', '--out', 'out'],
      options: { files: { 'w.yaml': TINY } },
      message: ['no point of the sweep could be simulated (2 of 2 failed)', "fleet.gpus: expected a number, got 'x'"],
    });
  });
});
