/**
 * Hostile and careless input (issues 13 and 20, the input side): each row is one input and what
 * the user must see — exit code, a message fragment, no stack trace, no control characters, no
 * files written, bounded time (and, for spawned cases, a capped heap). Pure validation cases run
 * in-process (fast); cases where the process boundary matters (devices, FIFOs, the default
 * output folder, unbounded memory) are spawned through harness.ts.
 *
 * The 52 broken workloads of test/workload/brokenWorkloads.ts run through the same checker
 * (this replaces test/workload/runBadInput.test.ts; validate's line checks stay in
 * test/workload/validateErrors.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROKEN_WORKLOADS } from '../workload/brokenWorkloads.js';
import { checkInputCase, type InputCase } from './inputsHarness.js';

/** A small valid workload (1 h at 1 request/s); cases edit it. */
export const BASE = `name: adv
duration: 1h
traffic:
  rate: 1
classes:
  - name: chat
    prompt_tokens: 100
    output_tokens: 10
fleet:
  gpus: 1
`;

function edit(from: string, to: string, base = BASE): string {
  if (!base.includes(from)) throw new Error(`inputs.test: '${from}' is not in the base workload`);
  return base.replace(from, to);
}

const w = (yaml: string | Buffer) => ({ files: { 'w.yaml': yaml } });
const validate = ['validate', 'w.yaml'];
const run = ['run', 'w.yaml', '--out', 'out'];

/** A workload replaying `trace.csv` (azure format) with the given rows. */
const azure = (rows: string[], traffic = '') => ({
  files: {
    'w.yaml': edit('traffic:\n  rate: 1\n', `traffic:\n  trace: { file: trace.csv, format: azure${traffic} }\n`).replace('    prompt_tokens: 100\n    output_tokens: 10\n', ''),
    'trace.csv': `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows.join('\n')}\n`,
  },
});
const row = (s: number, prompt: string | number = 100, output: string | number = 10) =>
  `2024-05-12 00:00:${String(s).padStart(2, '0')}+00:00,${prompt},${output}`;

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepYaml = (n: number) => `${BASE}serving:\n${Array.from({ length: n }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')} 1\n`;
const manyKeys = (n: number) => `${BASE}${Array.from({ length: n }, (_, i) => `k${i}: 1`).join('\n')}\n`;

const CASES: readonly InputCase[] = [
  // --- issue 13 item 4: every rule in workload resolution, with file:line:path
  {
    name: '13.4 max_batch_tokens below max_batch_size: validate says so (file:line:path)',
    args: validate,
    options: w(`${BASE}serving:\n  max_batch_size: 64\n  max_batch_tokens: 32\n`),
    message: [/w\.yaml:13: serving\.max_batch_tokens: must be at least serving\.max_batch_size \(64\), got 32/],
  },
  {
    name: '13.4 the same through run: exit 2 with the line, no files',
    args: run,
    options: w(`${BASE}serving:\n  max_batch_size: 64\n  max_batch_tokens: 32\n`),
    message: 'must be at least serving.max_batch_size (64)',
  },
  {
    name: '13.4 max_batch_size above the default max_batch_tokens',
    args: validate,
    options: w(`${BASE}serving:\n  max_batch_size: 10000\n`),
    message: 'serving.max_batch_size: must be at most serving.max_batch_tokens (8192, the default), got 10000',
  },
  // --- issue 17 item 4: the batcher's constants as workload keys, each with file:line:path
  { name: '17.4 kv_watermark 1 (admission would never start)', args: validate, options: w(`${BASE}serving:\n  kv_watermark: 1\n`), message: [/w\.yaml:12: serving\.kv_watermark: must be < 1, got 1/] },
  { name: '17.4 kv_watermark below 0', args: run, options: w(`${BASE}serving:\n  kv_watermark: -0.1\n`), message: [/w\.yaml:12: serving\.kv_watermark: must be >= 0, got -0\.1/] },
  { name: '17.4 batch_prefill_chunk 0', args: validate, options: w(`${BASE}serving:\n  batch_prefill_chunk: 0\n`), message: [/w\.yaml:12: serving\.batch_prefill_chunk: must be >= 1, got 0/] },
  { name: '17.4 batch_prefill_chunk not whole', args: run, options: w(`${BASE}serving:\n  batch_prefill_chunk: 2.5\n`), message: [/w\.yaml:12: serving\.batch_prefill_chunk: must be a whole number, got 2\.5/] },
  { name: '17.4 batch_slots 0', args: validate, options: w(`${BASE}serving:\n  batch_slots: 0\n`), message: [/w\.yaml:12: serving\.batch_slots: must be >= 1, got 0/] },
  {
    name: '17.4 trace block_tokens on a format without hash_ids',
    args: validate,
    options: azure([row(0)], ', block_tokens: 16'),
    message: [/w\.yaml:4: traffic\.trace\.block_tokens: applies only to format: mooncake/],
  },
  // --- 13.6: the name is a folder name
  { name: '13.6 name ../../x', args: validate, options: w(edit('name: adv', 'name: ../../x')), message: "name: must not contain '/'" },
  { name: '13.6 name ..', args: validate, options: w(edit('name: adv', "name: '..'")), message: "name: must not be '..'" },
  { name: '13.6 name with a backslash', args: validate, options: w(edit('name: adv', 'name: a\\b')), message: "must not contain '/' or '\\'" },
  { name: '13.6 / 20.13 NUL in name (before the run, not after)', args: run, options: w(edit('name: adv', 'name: "a\\0b"')), message: 'name: must not contain control characters' },
  { name: '13.6 escape sequence in name', args: validate, options: w(edit('name: adv', 'name: "a\\e[31mred"')), message: 'control characters' },
  {
    name: "13.6 name '..' through run with the default output folder writes nothing (spawned: cwd matters)",
    args: ['run', 'w.yaml'],
    options: w(edit('name: adv', "name: '..'")),
    spawn: true,
    message: "must not be '..'",
  },
  // --- 13.7: non-regular files and size
  { name: '13.7 /dev/zero is refused at once', args: ['validate', '/dev/zero'], spawn: true, message: 'not a regular file' },
  { name: '13.7 /dev/urandom is refused at once', args: ['run', '/dev/urandom'], spawn: true, message: 'not a regular file' },
  {
    name: '13.7 a FIFO is refused without blocking',
    args: ['validate', 'fifo.yaml'],
    spawn: true,
    options: { setup: (dir) => execFileSync('mkfifo', [join(dir, 'fifo.yaml')]) },
    allowFiles: (files) => files.every((f) => f === 'fifo.yaml'),
    message: 'not a regular file',
  },
  { name: '13.7 a folder', args: ['validate', '.'], message: 'it is a directory' },
  {
    name: '13.7 an empirical distribution read from /dev/zero',
    args: validate,
    options: w(edit('prompt_tokens: 100', 'prompt_tokens: { dist: empirical, file: /dev/zero, column: x }')),
    message: 'classes[0].prompt_tokens.file: is not a regular file',
  },
  { name: '13.7 a file above 1 MiB', args: validate, options: w(`${BASE}#${'x'.repeat(1024 * 1024)}\n`), message: 'a workload file is at most 1048576 bytes' },
  // --- 13.8 / 20.18: structure
  { name: '13.8 JSON nested 3,000 deep (spawned: the stack)', args: ['validate', 'w.json'], spawn: true, options: { files: { 'w.json': deep(3000) } }, message: 'nested more than 32 levels deep' },
  { name: '13.8 YAML nested 1,000 deep: no "Maximum call stack"', args: validate, options: w(deepYaml(1000)), message: 'nested more than 32 levels deep' },
  { name: '13.8 YAML nested 40 deep', args: validate, options: w(deepYaml(40)), message: 'nested more than 32 levels deep' },
  { name: '13.8 flow lists nested 100 deep', args: validate, options: w(`${BASE}x: ${deep(100)}\n`), message: 'nested more than 32 levels deep' },
  { name: '13.8 a mapping with 100k keys is refused, fast', args: validate, options: w(manyKeys(100_000)), message: 'a mapping with 100005 entries; at most 10000 are accepted', maxMs: 20_000 },
  { name: '13.8 5,000 unknown keys: the problems listed are capped', args: validate, options: w(manyKeys(5000)), message: ['unknown key `k0`', '... and 4950 more problems'] },
  { name: '13.8 100k duplicate keys found in linear time', args: validate, options: w(`${BASE}${'name: a\n'.repeat(100_000)}`), message: 'duplicate key', maxMs: 20_000 },
  // --- 13.9: nothing raw reaches the terminal
  { name: '13.9 control characters in a value are escaped', args: validate, options: w(edit('rate: 1', 'rate: "\u0007\u001b[2Jboom"')), message: "expected a number, got '\\x07\\x1b[2Jboom'" },
  { name: '13.9 binary garbage (not UTF-8)', args: validate, options: w(Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x00, 0x1b, 0x0a])), message: 'it is not UTF-8 text (byte 0xff at line 1)' },
  { name: '13.9 a bidi override in a key is escaped', args: validate, options: w(`${BASE}x\u202ey: 1\n`), message: 'x\\u202ey' },
  // --- 13.10: numeric extremes
  { name: '13.10 duration 1e400s', args: run, options: w(edit('duration: 1h', 'duration: 1e400s')), message: "duration: must be at most 100y (3153600000 s), got '1e400s'" },
  { name: '13.10 duration 1e308h', args: run, options: w(edit('duration: 1h', 'duration: 1e308h')), message: 'must be at most 100y' },
  { name: '13.10 duration as a huge number', args: run, options: w(edit('duration: 1h', 'duration: 1e300')), message: 'must be at most 100y' },
  { name: '13.10 max_queue_time .inf', args: run, options: w(`${BASE}serving:\n  max_queue_time: .inf\n`), message: 'expected a duration like 250ms' },
  { name: '13.10 daily_profile of huge weights', args: run, options: w(edit('rate: 1', `rate: 1\n  daily_profile: [${Array(24).fill('1e308').join(', ')}]`)), message: 'traffic.daily_profile[0]: must be <= 1000000000000' },
  { name: '13.10 a price near 1e300', args: run, options: w(edit('gpus: 1', 'gpus: 1\n  pricing: 1e300')), message: 'must be <= 1000000000000' },
  { name: '13.10 an hourly cost near 1e300', args: run, options: w(`${BASE}costs:\n  hourly: { ops: 1e300 }\n`), message: 'costs.hourly.ops: must be <= 1000000000000' },
  { name: '13.10 lognormal sd 1e300', args: run, options: w(edit('prompt_tokens: 100', 'prompt_tokens: { dist: lognormal, mean: 100, sd: 1e300 }')), message: 'sd: must be <= 100000000' },
  { name: '13.10 lognormal mean tiny, sd large: too wide', args: run, options: w(edit('prompt_tokens: 100', 'prompt_tokens: { dist: lognormal, mean: 1e-300, sd: 1e8 }')), message: 'makes the lognormal too wide' },
  { name: '13.10 a token count of 1e12', args: run, options: w(edit('prompt_tokens: 100', 'prompt_tokens: 1e12')), message: 'prompt_tokens: must be <= 100000000' },
  { name: '13.10 model params 1e300', args: run, options: w(`${BASE}model: { params: 1e300, layers: 32, hidden_size: 4096, attention_heads: 32 }\n`), message: 'must be at most 1000000000000000' },
  // --- 13.11: estimate before the run
  { name: '13.11 rate 1e9 is refused with the estimate (spawned: heap capped)', args: ['run', 'w.yaml'], spawn: true, options: w(edit('rate: 1', 'rate: 1e9')), message: ['would need about', 'trillion requests', 'waiting at once'] },
  { name: '13.11 rate 1e9 in validate too', args: validate, options: w(edit('rate: 1', 'rate: 1e9')), message: 'more than the 1.5 GB a run may use' },
  // --- 20.9: burstiness bounds
  { name: '20.9 burstiness 1e-200', args: run, options: w(edit('rate: 1', 'rate: 1\n  arrival: gamma\n  burstiness: 1e-200')), message: 'traffic.burstiness: must be >= 0.01' },
  { name: '20.9 burstiness 100', args: run, options: w(edit('rate: 1', 'rate: 1\n  arrival: gamma\n  burstiness: 100')), message: 'traffic.burstiness: must be <= 10' },
  { name: '20.9 burstiness 1e4 (used to hang)', args: run, options: w(edit('rate: 1', 'rate: 1\n  arrival: gamma\n  burstiness: 1e4')), message: 'must be <= 10' },
  // --- 20.10: trace token columns are plain non-negative integers
  { name: '20.10 hex token count', args: run, options: azure([row(0), row(1, '0x10')]), message: 'column "ContextTokens": expected a plain whole number of tokens (digits only), found "0x10"' },
  { name: '20.10 exponent token count', args: run, options: azure([row(0, 100, '1e3')]), message: 'found "1e3"' },
  { name: '20.10 signed token count', args: run, options: azure([row(0, '+10')]), message: 'found "+10"' },
  { name: '20.10 token count beyond 2^53', args: run, options: azure([row(0, '9007199254740993')]), message: 'expected at most 100000000 tokens' },
  // --- 20.13: crashes
  { name: '20.13 trace speedup 1e-300', args: run, options: azure([row(0), row(1)], ', speedup: 1e-300'), message: 'traffic.trace.speedup: must be >= 0.000001' },
  { name: '20.13 response cache distinct 1e15', args: run, options: w(`${BASE}cache:\n  response: { distinct: 1e15 }\n`), message: 'cache.response.distinct: must be <= 1000000' },
  { name: "20.13 --set 'fleet.gpus=*a' (a YAML alias)", args: [...validate, '--set', 'fleet.gpus=*a'], options: w(BASE), message: '--set fleet.gpus=*a: the value is not valid here' },
  { name: '20.13 plan --max-gpus 99999999999', args: ['plan', 'w.yaml', '--max-gpus', '99999999999', '--out', 'out'], options: w(BASE), message: "--max-gpus expects a whole number <= 100000, got '99999999999'" },
  {
    name: '20.13 Mooncake row with deeply nested hash_ids',
    args: run,
    options: {
      files: {
        'w.yaml': edit('traffic:\n  rate: 1\n', 'traffic:\n  trace: { file: t.jsonl, format: mooncake }\n').replace('    prompt_tokens: 100\n    output_tokens: 10\n', ''),
        't.jsonl': `{"timestamp": 0, "input_length": 10, "output_length": 5, "hash_ids": ${deep(100_000)}}\n`,
      },
    },
    message: 'column "hash_ids": expected whole block ids >= 0, found a list of 1 at index 0',
  },
  {
    name: '20.13 ... and with --skip-bad-rows: the row is skipped, the run completes',
    args: [...run, '--skip-bad-rows', '--quiet'],
    options: {
      files: {
        'w.yaml': edit('traffic:\n  rate: 1\n', 'traffic:\n  trace: { file: t.jsonl, format: mooncake }\n').replace('    prompt_tokens: 100\n    output_tokens: 10\n', ''),
        't.jsonl': `{"timestamp": 0, "input_length": 10, "output_length": 5, "hash_ids": ${deep(100_000)}}\n{"timestamp": 5, "input_length": 10, "output_length": 5, "hash_ids": [1]}\n`,
      },
    },
    code: 0,
  },
  { name: '20.13/21 --replications 100000', args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1,2', '--replications', '100000'], options: w(BASE), message: '--replications expects a whole number <= 1000' },
  { name: '20.13/21 --shard 2/1e20', args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1,2', '--shard', '2/1e20'], options: w(BASE), message: 'expected I/N' },
  { name: '20.13/21 --shard 2/100000000000000000000', args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1,2', '--shard', '2/100000000000000000000'], options: w(BASE), message: 'N must be at most 100000' },
  // --- 20.16: memory of the response cache and the horizon
  { name: '20.16 response cache distinct 1e9', args: run, options: w(`${BASE}cache:\n  response: { distinct: 1e9 }\n`), message: 'must be <= 1000000' },
  { name: '20.16 duration 1e6h', args: run, options: w(edit('duration: 1h', 'duration: 1e6h')), message: 'duration: must be at most 100y' },
  { name: '20.16 duration 20y (the horizon is at most 10y)', args: run, options: w(edit('duration: 1h', 'duration: 20y')), message: 'duration: must be at most 10y' },
  // --- 20.17: failure time bounds
  { name: '20.17 failures mtbf 1us', args: run, options: w(edit('gpus: 1', 'gpus: 1\n  failures: { mtbf: 1us, repair: 1h }')), message: 'fleet.failures.mtbf: must be at least 3600 s, got 1us' },
  { name: '20.17 failures repair 1us', args: run, options: w(edit('gpus: 1', 'gpus: 1\n  failures: { mtbf: 1000h, repair: 1us }')), message: 'fleet.failures.repair: must be at least 1 s, got 1us' },
  // --- 20.18: YAML messages
  { name: '20.18 multi-document file', args: validate, options: w(`${BASE}---\nname: b\n`), message: 'the file holds more than one document' },
  { name: '20.18 merge keys get a hint', args: validate, options: w(`${BASE}serving: &s { router: random }\napi:\n  <<: *s\n`), message: 'YAML merge keys are not supported' },
  { name: '20.18 duplicate keys in JSON', args: ['validate', 'w.json'], options: { files: { 'w.json': '{"traffic": {"rate": 1}, "traffic": {"rate": 2}}' } }, message: 'w.json:1: JSON error: duplicate key' },
  // --- 20.20: --skip-bad-rows on run, sweep and plan
  { name: '20.20 a bad row stops run and names the flag', args: run, options: azure([row(0), row(1, 'x'), row(2)]), message: '--skip-bad-rows skips and counts such rows' },
  { name: '20.20 run --skip-bad-rows skips it', args: [...run, '--skip-bad-rows'], options: azure([row(0), row(1, 'x'), row(2)]), code: 0 },
  { name: '20.20 sweep --skip-bad-rows skips it', args: ['sweep', 'w.yaml', '--vary', 'fleet.gpus=1,2', '--workers', '1', '--skip-bad-rows', '--out', 'out', '--quiet'], options: azure([row(0), row(1, 'x'), row(2)]), code: 0, maxMs: 20_000 },
  { name: '20.20 plan --skip-bad-rows skips it', args: ['plan', 'w.yaml', '--max-gpus', '2', '--workers', '1', '--skip-bad-rows', '--out', 'out', '--quiet'], options: azure([row(0), row(1, 'x'), row(2)]), code: 0, maxMs: 20_000 },
  { name: '20.20 --skip-bad-rows without a trace is harmless', args: [...run, '--skip-bad-rows', '--quiet'], options: w(BASE), code: 0 },
  { name: '20.20 a run that simulates nothing warns', args: run, options: azure([row(0), row(1)], ', start: 1h'), code: 0, message: 'warning: the run simulated no requests' },
  // --- 20.21: small messages
  { name: "20.21 '-0s'", args: validate, options: w(`${BASE}serving:\n  max_queue_time: '-0s'\n`), message: 'a duration has no sign: write 0s' },
  { name: '20.21 non-UTF-8 bytes in a name', args: validate, options: w(Buffer.concat([Buffer.from('name: caf'), Buffer.from([0xe9]), Buffer.from(BASE.slice('name: adv'.length))])), message: 'not UTF-8 text (byte 0xe9 at line 1)' },
  { name: '20.21 report on a file', args: ['report', 'w.yaml'], options: w(BASE), message: 'is a file, not a results folder' },
  {
    name: '20.21 CR-only line endings in a trace are read as lines',
    args: run,
    options: { files: { ...azure([]).files, 'trace.csv': `TIMESTAMP,ContextTokens,GeneratedTokens\r${row(0)}\r${row(1)}\r` } },
    code: 0,
  },
  { name: '20.21 a sweep whose every point is bad writes nothing', args: ['sweep', 'w.yaml', '--vary', 'serving.max_batch_tokens=1,2', '--workers', '1', '--out', 'out'], options: w(BASE), message: 'no point of the sweep could be simulated' },
  { name: '20.21 capsim with no command: help on stderr, exit 2', args: [], message: 'Usage: capsim' },
  // --- issue 15 item 5 (units are this helper's): pricing 0 and years
  { name: '15.5 pricing: 0 (owned hardware) is valid', args: validate, options: w(edit('gpus: 1', 'gpus: 1\n  pricing: 0')), code: 0 },
  { name: '15.5 amortized over 3y is valid', args: validate, options: w(`${BASE}costs:\n  amortized: { servers: { cost: 300000, over: 3y } }\n`), code: 0 },
];

describe('hostile input (issues 13, 20): exit 2, one clear message, nothing written, bounded', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await checkInputCase(c);
  });
});

describe('the broken workloads of test/workload/brokenWorkloads.ts through capsim run', () => {
  it.each(BROKEN_WORKLOADS.map((b) => [b.name, b] as const))('%s', async (_name, b) => {
    const file = `workload.${b.ext ?? 'yaml'}`;
    const r = await checkInputCase({
      name: b.name,
      args: ['run', file, '--out', 'out', ...(b.set ?? []).flatMap((s) => ['--set', s])],
      options: { files: { [file]: b.yaml } },
      message: b.expect,
    });
    expect(r.stdout).toBe('');
    expect(r.stderr.match(/^capsim: /gm)?.length, r.stderr).toBe(1);
    if (!b.inFlags) expect(r.stderr).toContain(join(r.dir, file));
  });
});
