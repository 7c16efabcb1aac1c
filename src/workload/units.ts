/**
 * Units of the workload file: durations (`250ms`, `2s`, `5m`, `1h`, `24h`, `180d`, `3y`) and parameter
 * counts (`8b`, `70B`, `1.5t`). Each parser returns the value in base units (seconds, parameters)
 * or, for bad input, a message that says what was expected and what was found.
 */

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  y: 365 * 86_400,
};

/** The longest duration any key accepts: 100 years (documented in docs/workload.md). */
export const MAX_DURATION_S = 100 * 365 * 86_400;

const DURATION = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(us|µs|ms|s|m|h|d|y)$/;

/** The outcome of parsing a unit-bearing value: the number, or why it is not one. */
export type Parsed = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

const EXPECTED_DURATION = 'expected a duration like 250ms, 2s, 5m, 1h';

/**
 * A duration in seconds: a finite number is seconds already; a string is a number and a unit
 * (`us`, `ms`, `s`, `m`, `h`, `d`, `y` = 365 d), optionally separated by a space. Durations
 * longer than MAX_DURATION_S (100 years; `1e400s` included) are refused.
 *
 * @example parseDuration('250ms') // { ok: true, value: 0.25 }
 * @example parseDuration('5 minutes') // { ok: false, message: "expected a duration like ...; got '5 minutes'" }
 */
export function parseDuration(input: unknown): Parsed {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, message: `${EXPECTED_DURATION}; got ${input}` };
    return input > MAX_DURATION_S ? tooLong(String(input)) : { ok: true, value: input };
  }
  if (typeof input !== 'string') return { ok: false, message: `${EXPECTED_DURATION}; got ${describeValue(input)}` };
  const text = input.trim();
  const match = DURATION.exec(text);
  if (match) {
    const value = Number(match[1]) * SECONDS_PER_UNIT[match[2]];
    return Number.isFinite(value) && value <= MAX_DURATION_S ? { ok: true, value } : tooLong(`'${input}'`);
  }
  if (/^-\s*[0-9.]/.test(text)) {
    const zero = /^-\s*0*\.?0*\s*[a-zµ]*$/.test(text);
    return { ok: false, message: zero ? `a duration has no sign: write 0s, got '${input}'` : `must be >= 0, got '${input}'` };
  }
  if (/^[0-9.]+(?:e[+-]?[0-9]+)?$/.test(text)) {
    return { ok: false, message: `${EXPECTED_DURATION}; got '${input}' (a string needs a unit; a bare number means seconds)` };
  }
  return { ok: false, message: `${EXPECTED_DURATION}; got '${input}'` };
}

function tooLong(shown: string): Parsed {
  return { ok: false, message: `must be at most 100y (${MAX_DURATION_S} s), got ${shown}` };
}

const PARAM_SUFFIX: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 };
const PARAM_COUNT = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmbt])?$/i;

/**
 * A parameter count: a number, or a string with a `k`/`m`/`b`/`t` suffix (case-insensitive).
 *
 * @example parseParamCount('8b') // { ok: true, value: 8e9 }
 */
export function parseParamCount(input: unknown): Parsed {
  const expected = 'expected a parameter count like 8b, 70B or 8030000000';
  if (typeof input === 'number') {
    return Number.isFinite(input) ? { ok: true, value: input } : { ok: false, message: `${expected}; got ${input}` };
  }
  if (typeof input !== 'string') return { ok: false, message: `${expected}; got ${describeValue(input)}` };
  const match = PARAM_COUNT.exec(input.trim());
  if (!match) return { ok: false, message: `${expected}; got '${input}'` };
  const scale = match[2] ? PARAM_SUFFIX[match[2].toLowerCase()] : 1;
  const value = Number(match[1]) * scale;
  if (!Number.isFinite(value)) return { ok: false, message: `${expected}; got '${input}'` };
  return { ok: true, value };
}

/** A short rendering of a found value for error messages: `'5 minutes'`, `-3`, `a list`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** Seconds as the shortest readable duration string (`0.25` -> `250ms`, `86400` -> `24h`). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds === 0) return '0s';
  const units: readonly [string, number][] = [['h', 3600], ['m', 60], ['s', 1], ['ms', 1e-3], ['us', 1e-6]];
  for (const [unit, size] of units) {
    const n = seconds / size;
    if (Math.abs(n) >= 1 && Math.abs(n - Math.round(n * 1000) / 1000) < 1e-9) return `${Math.round(n * 1000) / 1000}${unit}`;
  }
  return `${seconds}s`;
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  'B/s': 1,
  'KB/s': 1e3,
  'MB/s': 1e6,
  'GB/s': 1e9,
  'TB/s': 1e12,
  'Kb/s': 1e3 / 8,
  'Mb/s': 1e6 / 8,
  'Gb/s': 1e9 / 8,
  'Tb/s': 1e12 / 8,
  Gbps: 1e9 / 8,
};
const BANDWIDTH = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(B\/s|KB\/s|MB\/s|GB\/s|TB\/s|Kb\/s|Mb\/s|Gb\/s|Tb\/s|Gbps)$/;
const EXPECTED_BANDWIDTH = 'expected a bandwidth like 50GB/s (bytes) or 400Gb/s (bits)';

/**
 * A bandwidth in bytes per second: a finite number is bytes per second already; a string is a
 * number and a unit, decimal: `B/s`, `KB/s`, `MB/s`, `GB/s`, `TB/s` (bytes) or `Kb/s`, `Mb/s`,
 * `Gb/s`, `Tb/s`, `Gbps` (bits, / 8). Case matters: `GB/s` is bytes, `Gb/s` bits.
 *
 * @example parseBandwidth('50GB/s') // { ok: true, value: 5e10 }
 * @example parseBandwidth('400Gb/s') // { ok: true, value: 5e10 }
 */
export function parseBandwidth(input: unknown): Parsed {
  if (typeof input === 'number') {
    return Number.isFinite(input) ? { ok: true, value: input } : { ok: false, message: `${EXPECTED_BANDWIDTH}; got ${input}` };
  }
  if (typeof input !== 'string') return { ok: false, message: `${EXPECTED_BANDWIDTH}; got ${describeValue(input)}` };
  const match = BANDWIDTH.exec(input.trim());
  if (!match) return { ok: false, message: `${EXPECTED_BANDWIDTH}; got '${input}'` };
  const value = Number(match[1]) * BYTES_PER_UNIT[match[2]];
  return Number.isFinite(value) ? { ok: true, value } : { ok: false, message: `${EXPECTED_BANDWIDTH}; got '${input}'` };
}
