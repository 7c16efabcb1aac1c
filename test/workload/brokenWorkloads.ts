/**
 * Broken workload documents and what the error must say about each: shared by the validate
 * tests here and reusable against `capsim run` (or any command that loads a workload).
 *
 * Each case is written to a file named `workload.<ext>`; the error must contain `expect`, and the
 * line holding it must name that file, the key `path` and the `line` (when not null).
 */
export interface BrokenWorkload {
  readonly name: string;
  /** The whole file. */
  readonly yaml: string;
  /** A fragment the error message must contain. */
  readonly expect: string;
  /** Dotted key path the error names ('' for the whole file or a flag). */
  readonly path: string;
  /** Line in the file the error points at, or null when it has none. */
  readonly line: number | null;
  /** `--set` flags to pass. */
  readonly set?: readonly string[];
  /** File extension; default `yaml`. */
  readonly ext?: 'yaml' | 'json';
  /** The problem is in a flag, so its line names no file. */
  readonly inFlags?: boolean;
  /** The message has exactly this many lines (when set). */
  readonly lines?: number;
}

/** A valid workload; the cases below edit it. Line numbers are noted on the right. */
export const VALID_WORKLOAD = `name: broken
traffic:
  rate: 10
classes:
  - name: chat
    prompt_tokens: 500
    output_tokens: 100
    slo: { ttft: 1s, e2e: 20s }
fleet:
  gpus: 2
`;
//  1 name          2 traffic      3 rate        4 classes     5 - name
//  6 prompt_tokens 7 output_tokens 8 slo        9 fleet      10 gpus

function edit(from: string, to: string): string {
  if (!VALID_WORKLOAD.includes(from)) throw new Error(`brokenWorkloads: '${from}' is not in the base workload`);
  return VALID_WORKLOAD.replace(from, to);
}

const profile = (values: number[]): string => `  rate: 10\n  daily_profile: [${values.join(', ')}]`;
const ones = (n: number): number[] => Array.from({ length: n }, () => 1);

export const BROKEN_WORKLOADS: readonly BrokenWorkload[] = [
  { name: 'malformed YAML (unclosed flow list)', yaml: edit('rate: 10', 'rate: [10'), expect: 'YAML syntax error', path: '', line: 4 },
  {
    // The parser reports two knock-on errors after the first ("Nested mappings are not allowed
    // in compact mappings", "Implicit keys need to be on a single line"): only the first is shown.
    name: 'malformed YAML before a multi-line flow list (one message, not three)',
    yaml: edit('  rate: 10', '  rate: [10\n  arrival: poisson\n  daily_profile: [1, 1,\n                  1, 1]'),
    expect: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    path: '',
    line: 4,
    lines: 1,
  },
  { name: 'tab indentation', yaml: edit('  rate: 10', '\trate: 10'), expect: 'Tabs are not allowed', path: '', line: 3 },
  { name: 'duplicate key', yaml: edit('  rate: 10', '  rate: 10\n  rate: 20'), expect: 'duplicate key', path: '', line: 4 },
  { name: 'empty file', yaml: '# nothing here\n', expect: 'the workload is empty', path: '', line: null },
  { name: 'a list instead of a mapping', yaml: '- traffic\n- classes\n', expect: 'a workload is a mapping', path: '', line: 1 },
  { name: 'unknown top-level key', yaml: edit('traffic:', 'trafic:'), expect: 'unknown key `trafic`; did you mean `traffic`?', path: 'trafic', line: 2 },
  { name: 'misspelled nested key', yaml: edit('{ ttft: 1s,', '{ ttf: 1s,'), expect: 'did you mean `ttft`?', path: 'classes[0].slo.ttf', line: 8 },
  { name: 'misspelled serving key', yaml: `${VALID_WORKLOAD}serving:\n  max_batch_sizes: 64\n`, expect: 'did you mean `max_batch_size`?', path: 'serving.max_batch_sizes', line: 12 },
  { name: 'duration with words', yaml: edit('ttft: 1s', 'ttft: 5 minutes'), expect: "expected a duration like 250ms, 2s, 5m, 1h; got '5 minutes'", path: 'classes[0].slo.ttft', line: 8 },
  { name: 'unknown duration unit', yaml: edit('name: broken', 'name: broken\nduration: 24x'), expect: "got '24x'", path: 'duration', line: 2 },
  { name: 'duration without unit', yaml: edit('e2e: 20s', "e2e: '20'"), expect: 'a string needs a unit', path: 'classes[0].slo.e2e', line: 8 },
  { name: 'negative rate', yaml: edit('rate: 10', 'rate: -5'), expect: 'must be > 0, got -5', path: 'traffic.rate', line: 3 },
  { name: 'zero rate', yaml: edit('rate: 10', 'rate: 0'), expect: 'must be > 0, got 0', path: 'traffic.rate', line: 3 },
  { name: 'rate as a word', yaml: edit('rate: 10', 'rate: fast'), expect: "expected a number, got 'fast'", path: 'traffic.rate', line: 3 },
  { name: 'fractional gpus', yaml: edit('gpus: 2', 'gpus: 2.5'), expect: 'must be a whole number, got 2.5', path: 'fleet.gpus', line: 10 },
  { name: 'negative gpus', yaml: edit('gpus: 2', 'gpus: -2'), expect: 'must be >= 1, got -2', path: 'fleet.gpus', line: 10 },
  { name: 'empty classes', yaml: edit('classes:\n  - name: chat\n    prompt_tokens: 500\n    output_tokens: 100\n    slo: { ttft: 1s, e2e: 20s }', 'classes: []'), expect: 'must not be empty', path: 'classes', line: 4 },
  { name: 'class without a name', yaml: edit('- name: chat', '- weight: 1'), expect: 'is required', path: 'classes[0].name', line: 5 },
  {
    name: 'duplicate class names',
    yaml: edit('fleet:', '  - name: chat\n    prompt_tokens: 50\n    output_tokens: 10\nfleet:'),
    expect: "duplicate class name 'chat' (also classes[0])",
    path: 'classes[1].name',
    line: 9,
  },
  { name: 'zero weight', yaml: edit('- name: chat', '- name: chat\n    weight: 0'), expect: 'must be > 0, got 0', path: 'classes[0].weight', line: 6 },
  { name: 'unknown distribution', yaml: edit('prompt_tokens: 500', 'prompt_tokens: { dist: gamma, mean: 5 }'), expect: "unknown distribution 'gamma'", path: 'classes[0].prompt_tokens.dist', line: 6 },
  { name: 'lognormal p99 below median', yaml: edit('prompt_tokens: 500', 'prompt_tokens: { dist: lognormal, median: 900, p99: 600 }'), expect: 'must be > median (900), got 600', path: 'classes[0].prompt_tokens.p99', line: 6 },
  { name: 'lognormal with median only', yaml: edit('prompt_tokens: 500', 'prompt_tokens: { dist: lognormal, median: 900 }'), expect: 'is required with median', path: 'classes[0].prompt_tokens.p99', line: 6 },
  { name: 'uniform min above max', yaml: edit('output_tokens: 100', 'output_tokens: { dist: uniform, min: 400, max: 100 }'), expect: 'must be <= max (100), got 400', path: 'classes[0].output_tokens.min', line: 7 },
  { name: 'unknown key in a distribution', yaml: edit('output_tokens: 100', 'output_tokens: { dist: uniform, min: 1, max: 9, median: 3 }'), expect: 'unknown key `median`', path: 'classes[0].output_tokens.median', line: 7 },
  { name: 'fractional fixed token count', yaml: edit('output_tokens: 100', 'output_tokens: 99.5'), expect: 'must be a whole number, got 99.5', path: 'classes[0].output_tokens', line: 7 },
  { name: 'batch class without deadline', yaml: edit('    slo: { ttft: 1s, e2e: 20s }', '    priority: batch'), expect: 'is required for priority: batch', path: 'classes[0].deadline', line: 5 },
  { name: 'prompt_compression of 1', yaml: edit('- name: chat', '- name: chat\n    prompt_compression: 1'), expect: 'must be < 1, got 1', path: 'classes[0].prompt_compression', line: 6 },
  { name: 'unknown model', yaml: edit('fleet:', 'model: llama-3.1-8\nfleet:'), expect: "unknown model 'llama-3.1-8'; did you mean `llama-3.1-8b`", path: 'model', line: 9 },
  { name: 'unknown GPU', yaml: edit('fleet:', 'gpu: h100\nfleet:'), expect: "unknown GPU 'h100'; did you mean", path: 'gpu', line: 9 },
  { name: 'model that does not fit', yaml: edit('fleet:\n  gpus: 2', 'model: llama-3.1-70b\ngpu: l4\nfleet:\n  gpus: 1'), expect: 'llama-3.1-70b', path: 'model', line: 9 },
  { name: 'gpus not a multiple of gpus_per_replica', yaml: edit('gpus: 2', 'gpus: 3\n  gpus_per_replica: 2'), expect: 'must be a multiple of gpus_per_replica (2), got 3', path: 'fleet.gpus', line: 10 },
  { name: 'gpus_per_replica above one node', yaml: edit('gpus: 2', 'gpus: 16\n  gpus_per_replica: 16'), expect: 'must be <= 8', path: 'fleet.gpus_per_replica', line: 11 },
  { name: 'no fleet', yaml: edit('fleet:\n  gpus: 2\n', ''), expect: 'is required: give fleet: {gpus: N}, or pools, or api: {use_for: all}', path: 'fleet', line: 1 },
  { name: 'pricing keyword misspelled', yaml: edit('gpus: 2', 'gpus: 2\n  pricing: spott'), expect: 'did you mean `spot`?', path: 'fleet.pricing', line: 11 },
  { name: 'missing trace file', yaml: edit('rate: 10', 'trace: { file: no-such-trace.csv, format: azure }'), expect: 'file not found', path: 'traffic.trace.file', line: 3 },
  { name: 'unknown router', yaml: `${VALID_WORKLOAD}serving:\n  router: least_load\n`, expect: "got 'least_load'; did you mean `least_loaded`?", path: 'serving.router', line: 12 },
  { name: 'batching dynamic', yaml: `${VALID_WORKLOAD}serving:\n  batching: dynamic\n`, expect: "expected one of continuous | static, got 'dynamic'", path: 'serving.batching', line: 12 },
  { name: 'daily profile with 23 values', yaml: edit('  rate: 10', profile(ones(23))), expect: 'must have exactly 24 values, got 23', path: 'traffic.daily_profile', line: 4 },
  {
    name: 'negative weight in the daily profile',
    yaml: edit('  rate: 10', profile(ones(24).map((v, i) => (i === 3 ? -1 : v)))),
    expect: 'must be >= 0, got -1',
    path: 'traffic.daily_profile[3]',
    line: 4,
  },
  { name: 'all-zero daily profile', yaml: edit('  rate: 10', profile(ones(24).map(() => 0))), expect: 'must not be all zero', path: 'traffic.daily_profile', line: 4 },
  { name: 'api use_for names an unknown class', yaml: `${VALID_WORKLOAD}api:\n  name: gpt-4o-mini\n  use_for: [chats]\n`, expect: "unknown class 'chats'; did you mean `chat`?", path: 'api.use_for[0]', line: 13 },
  { name: 'unknown hosted API', yaml: `${VALID_WORKLOAD}api:\n  name: gpt-4o-mimi\n`, expect: "unknown hosted API 'gpt-4o-mimi'; did you mean `gpt-4o-mini`", path: 'api.name', line: 12 },
  {
    name: 'pools and a top-level fleet',
    yaml: `${VALID_WORKLOAD}pools:\n  - name: small\n    gpus: 2\n    serves: [chat]\n`,
    expect: 'cannot be used with pools',
    path: 'fleet',
    line: 9,
  },
  {
    name: 'response cache with hit_rate and the popularity model',
    yaml: `${VALID_WORKLOAD}cache:\n  response: { hit_rate: 0.1, distinct: 1000 }\n`,
    expect: 'give either hit_rate or the popularity model',
    path: 'cache.response',
    line: 12,
  },
  { name: 'negative seed', yaml: edit('name: broken', 'name: broken\nseed: -1'), expect: 'must be >= 0, got -1', path: 'seed', line: 2 },
  {
    name: 'JSON syntax error in a .json workload',
    yaml: '{\n  "name": "broken",\n  "traffic": { "rate": 10 }\n  "classes": []\n}\n',
    expect: 'JSON syntax error',
    path: '',
    line: 4,
    ext: 'json',
  },
  {
    name: '--set to an unknown key',
    yaml: VALID_WORKLOAD,
    set: ['serving.max_batchsize=64'],
    expect: 'did you mean `max_batch_size`? (from --set serving.max_batchsize=64)',
    path: 'serving.max_batchsize',
    line: null,
  },
  { name: '--set with a bad value', yaml: VALID_WORKLOAD, set: ['fleet.gpus=2.5'], expect: 'must be a whole number, got 2.5 (from --set fleet.gpus=2.5)', path: 'fleet.gpus', line: null },
  { name: '--set with no =', yaml: VALID_WORKLOAD, set: ['fleet.gpus'], expect: "--set fleet.gpus: expected KEY=VALUE", path: '', line: null, inFlags: true },
  { name: '--set through a number', yaml: VALID_WORKLOAD, set: ['fleet.gpus.count=3'], expect: '`fleet.gpus` is 2, not a mapping or list', path: '', line: null, inFlags: true },
  { name: '--set index out of range', yaml: VALID_WORKLOAD, set: ['classes[3].weight=2'], expect: '`classes` has 1 entry (index 0)', path: '', line: null, inFlags: true },
  {
    name: 'disaggregation with fleet.gpus',
    yaml: `${VALID_WORKLOAD}  disaggregation:\n    prefill: { gpus: 1 }\n    decode: { gpus: 1 }\n`,
    expect: 'cannot be used with disaggregation: give it per role, as disaggregation.prefill.gpus and disaggregation.decode.gpus',
    path: 'fleet.gpus',
    line: 10,
  },
  {
    name: 'disaggregation with a bad bandwidth',
    yaml: edit('  gpus: 2', '  disaggregation:\n    prefill: { gpus: 1 }\n    decode: { gpus: 1 }\n    kv_transfer: { bandwidth: 50GB }'),
    expect: "expected a bandwidth like 50GB/s (bytes) or 400Gb/s (bits); got '50GB'",
    path: 'fleet.disaggregation.kv_transfer.bandwidth',
    line: 13,
  },
  {
    name: 'disaggregation role without gpus',
    yaml: edit('  gpus: 2', '  disaggregation:\n    prefill: { gpus_per_replica: 1 }\n    decode: { gpus: 1 }'),
    expect: 'is required: the total number of GPUs',
    path: 'fleet.disaggregation.prefill.gpus',
    line: 11,
  },
  {
    name: 'disaggregation with static batching',
    yaml: edit('  gpus: 2', '  disaggregation:\n    prefill: { gpus: 1 }\n    decode: { gpus: 1 }\nserving: { batching: static }'),
    expect: 'needs serving.batching: continuous',
    path: 'fleet.disaggregation',
    line: 10,
  },
];
