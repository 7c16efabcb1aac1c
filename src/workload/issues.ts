/**
 * Turns zod's issues into readable problems: "must be > 0, got -3", "unknown key `trafic`;
 * did you mean `traffic`?", "expected one of continuous | static, got 'dynamic'". Zod's own
 * messages are used only for issues raised by our schema (units, unknown keys, union wording).
 */
import type * as z from 'zod';
import { type KeyPath, type PathKey, valueAt } from './path.js';
import type { Problem } from './problems.js';
import { UNKNOWN_KEY } from './schema.js';
import { closest, didYouMean } from './suggest.js';
import { describeValue } from './units.js';

type Issue = z.core.$ZodIssue;

/** One problem per issue (unknown keys: one per key), in document order of their paths. */
export function problemsFromIssues(issues: readonly Issue[], data: unknown): Problem[] {
  const out: Problem[] = [];
  collect(issues, [], data, out);
  // A value of the wrong type also fails the checks after the type (a string's "length"):
  // keep only the type problem at that path.
  const typeFailures = new Set(out.filter((p) => p.message.startsWith('expected ')).map((p) => key(p.path)));
  const seen = new Set<string>();
  return out.filter((p) => {
    const id = `${key(p.path)}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return !typeFailures.has(key(p.path)) || p.message.startsWith('expected ');
  });
}

function key(path: KeyPath): string {
  return path.map(String).join('\u0000');
}

function collect(issues: readonly Issue[], prefix: KeyPath, data: unknown, out: Problem[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as PathKey[])];
    const found = valueAt(data, path);
    if (issue.code === 'invalid_union') {
      collectUnion(issue, path, found, data, out);
      continue;
    }
    out.push({ path, message: message(issue, found) });
  }
}

function collectUnion(issue: z.core.$ZodIssueInvalidUnion, path: KeyPath, found: unknown, data: unknown, out: Problem[]): void {
  const note = (issue as { note?: string }).note;
  if (note === 'No matching discriminator') {
    const discriminator = (issue as { discriminator?: string }).discriminator ?? 'dist';
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    const list = options.join(' | ');
    if (found === undefined) {
      out.push({ path, message: `is required: one of ${list}` });
    } else {
      const hint = typeof found === 'string' ? didYouMean(found, options) : null;
      out.push({
        path,
        message: `unknown ${discriminator === 'dist' ? 'distribution' : discriminator} ${describeValue(found)}; expected one of ${list}${hint ? `; ${hint}` : ''}`,
      });
    }
    return;
  }
  // The option whose type matches the value says what is wrong inside it; if none matches,
  // say what the union accepts.
  const matching = issue.errors.filter((branch) => branchMatchesType(branch, found));
  if (matching.length > 0) {
    const best = [...matching].sort((a, b) => a.length - b.length)[0];
    collect(best, path, data, out);
    return;
  }
  const expected = issue.message && issue.message !== 'Invalid input' ? issue.message : 'a different kind of value';
  out.push({ path, message: found === undefined ? 'is required' : `${expected}, got ${describeValue(found)}` });
}

/** The value got past the option's type check: it failed on something inside or on a range. */
function branchMatchesType(branch: readonly Issue[], found: unknown): boolean {
  return branch.some((issue) => {
    if (issue.path.length > 0) return true;
    if (issue.code === 'invalid_type') return issue.expected === 'int' && typeof found === 'number';
    if (issue.code === 'invalid_value') return issue.values.some((v) => typeof v === typeof found);
    if (issue.code === 'invalid_union') return branchMatchesType(issue.errors.flat(), found);
    return true;
  });
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  int: 'a whole number',
};

function message(issue: Issue, found: unknown): string {
  switch (issue.code) {
    case 'custom': {
      const params = (issue as { params?: Record<string, unknown> }).params;
      if (params?.[UNKNOWN_KEY]) return unknownKey(issue.path, params.allowed as readonly string[]);
      return issue.message;
    }
    case 'invalid_type': {
      if (found === undefined) return 'is required';
      if (issue.expected === 'int' && typeof found === 'number') return `must be a whole number, got ${found}`;
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      const quote = issue.expected === 'string' && (typeof found === 'number' || typeof found === 'boolean');
      return `expected ${expected}, got ${describeValue(found)}${quote ? ` (quote it: '${String(found)}')` : ''}`;
    }
    case 'too_small':
      return bound(issue.origin, issue.minimum, issue.inclusive ?? true, Boolean(issue.exact), 'min', found);
    case 'too_big':
      return bound(issue.origin, issue.maximum, issue.inclusive ?? true, Boolean(issue.exact), 'max', found);
    case 'invalid_value': {
      const options = issue.values.map(String);
      const hint = typeof found === 'string' ? didYouMean(found, options) : null;
      if (options.length === 1) return `must be ${options[0]}, got ${describeValue(found)}`;
      return `expected one of ${options.join(' | ')}, got ${describeValue(found)}${hint ? `; ${hint}` : ''}`;
    }
    case 'unrecognized_keys':
      return `unknown keys ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
    default:
      return issue.message;
  }
}

function unknownKey(path: readonly PropertyKey[], allowed: readonly string[]): string {
  const name = String(path[path.length - 1]);
  if (name === '<<') {
    return 'unknown key `<<`: YAML merge keys are not supported; write the keys out, or anchor and alias the whole value (key: *name)';
  }
  const hint = didYouMean(name, allowed);
  if (hint) return `unknown key \`${name}\`; ${hint}`;
  const near = closest(name, allowed, 3);
  const list = near.length > 0 ? near : allowed;
  return `unknown key \`${name}\`; allowed here: ${list.join(', ')}`;
}

function bound(
  origin: string,
  limit: number | bigint,
  inclusive: boolean,
  exact: boolean,
  side: 'min' | 'max',
  found: unknown,
): string {
  const n = Number(limit);
  if (origin === 'array' || origin === 'set') {
    const count = Array.isArray(found) ? found.length : 0;
    const entries = (k: number) => `${k} ${k === 1 ? 'entry' : 'entries'}`;
    if (exact) return `must have exactly ${n} values, got ${count}`;
    if (side === 'min') return n === 1 && count === 0 ? 'must not be empty' : `must have at least ${entries(n)}, got ${count}`;
    return `must have at most ${entries(n)}, got ${count}`;
  }
  if (origin === 'string') return side === 'min' && n <= 1 ? 'must not be empty' : `must be ${side === 'min' ? 'at least' : 'at most'} ${n} characters long`;
  const op = side === 'min' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  return `must be ${op} ${n}, got ${describeValue(found)}`;
}
