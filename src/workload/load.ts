/**
 * Loads a workload: read -> parse (YAML or JSON) -> `--set` / `--seed` overrides -> schema ->
 * defaults and cross-field rules -> a deep-frozen `Scenario`.
 *
 * Every problem of the document is reported at once, as one `InputError` whose problems each
 * name the file, the key path and the line; a YAML syntax error is reported alone (the first).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError } from 'yaml';
import { InputError, type InputProblem } from '../errors.js';
import { problemsFromIssues } from './issues.js';
import { type Locator, noLines, yamlLocator } from './locate.js';
import { applyOverride, type Override, parseOverride } from './overrides.js';
import { formatPath, isPrefixOf, type PathKey } from './path.js';
import { type Problem, Problems } from './problems.js';
import { resolveScenario } from './resolve.js';
import { runBoundsProblem } from './estimate.js';
import { workloadWarnings } from './warnings.js';
import { workloadSchema } from './schema.js';
import type { Scenario } from './scenario.js';
import { describeValue } from './units.js';

/** A workload file is at most this many bytes (1 MiB); bulk data belongs in trace files. */
export const MAX_WORKLOAD_BYTES = 1024 * 1024;
/** Mappings and lists nest at most this deep (a workload needs about 6 levels). */
export const MAX_WORKLOAD_DEPTH = 32;
/** A mapping or list holds at most this many entries. */
export const MAX_ENTRIES = 10_000;
/** At most this many problems are listed; the rest are counted. */
export const MAX_PROBLEMS_SHOWN = 50;

/** The bundled default workload (`workloads/chatbot.yaml` at the package root). */
export const DEFAULT_WORKLOAD_FILE = fileURLToPath(new URL('../../workloads/chatbot.yaml', import.meta.url));

export interface WorkloadOptions {
  /** `KEY=VALUE` overrides by dotted path, applied in order. */
  readonly set?: readonly string[];
  /** Overrides the file's `seed`. */
  readonly seed?: number;
}

/**
 * Reads and resolves a workload file; `null` loads the bundled default workload.
 *
 * @throws InputError listing every problem (file, key path, line, message)
 * @example loadWorkload('workloads/chatbot.yaml', { set: ['fleet.gpus=8'], seed: 7 })
 */
export function loadWorkload(file: string | null, options: WorkloadOptions = {}): Scenario {
  return loadWorkloadChecked(file, options).scenario;
}

/** A resolved workload and the warnings it deserves (src/workload/warnings.ts). */
export interface CheckedWorkload {
  readonly scenario: Scenario;
  /** Valid but implausible values, located like errors; the CLI prints them (even with --quiet). */
  readonly warnings: readonly InputProblem[];
}

/**
 * `loadWorkload` with the warnings: values that are valid but probably not meant (a bare
 * `ttft: 800`, a daily count as `rate`, a run of more than 50 million requests).
 *
 * @throws InputError listing every problem (file, key path, line, message)
 */
export function loadWorkloadChecked(file: string | null, options: WorkloadOptions = {}): CheckedWorkload {
  const shown = file ?? DEFAULT_WORKLOAD_FILE;
  const absolute = resolvePath(shown);
  const text = readWorkloadText(shown, absolute);
  const { data, locate } = parseWorkloadText(text, shown, extname(shown).toLowerCase() === '.json');
  return resolveDocument(data, { shown, absolute, locate, ...options });
}

/**
 * Resolves a workload given as data (what a YAML file parses to), e.g. built in a test.
 * `file`, when given, is where relative paths are resolved from and what errors name.
 *
 * @throws InputError listing every problem (no line numbers: there is no text)
 */
export function resolveWorkload(
  document: unknown,
  options: WorkloadOptions & { readonly file?: string | null } = {},
): Scenario {
  const shown = options.file ?? null;
  return resolveDocument(document, {
    shown,
    absolute: shown === null ? null : resolvePath(shown),
    locate: noLines,
    set: options.set,
    seed: options.seed,
  }).scenario;
}

/**
 * Reads a workload file: a regular file (not a device, FIFO or folder) of at most
 * MAX_WORKLOAD_BYTES, in UTF-8. Never blocks on a FIFO and never reads more than the limit.
 */
function readWorkloadText(shown: string, absolute: string): string {
  const fail = (why: string, line: number | null = null) =>
    new InputError({ file: shown, path: '', line, message: `cannot read the workload file: ${why}` });
  let bytes: Buffer;
  try {
    const kind = statSync(absolute);
    if (kind.isDirectory()) throw fail('it is a directory, not a workload file');
    if (!kind.isFile()) throw fail('it is not a regular file (a device, FIFO or socket); save the workload to a file');
    if (kind.size > MAX_WORKLOAD_BYTES) throw fail(`it is ${kind.size} bytes; a workload file is at most ${MAX_WORKLOAD_BYTES} bytes (1 MiB)`);
    const fd = openSync(absolute, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      if (!fstatSync(fd).isFile()) throw fail('it is not a regular file');
      bytes = Buffer.alloc(MAX_WORKLOAD_BYTES + 1);
      let length = 0;
      for (let n = 1; n > 0 && length < bytes.length; length += n) n = readSync(fd, bytes, length, bytes.length - length, null);
      if (length > MAX_WORKLOAD_BYTES) throw fail(`it is larger than ${MAX_WORKLOAD_BYTES} bytes (1 MiB), the most a workload file may hold`);
      bytes = bytes.subarray(0, length);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'it is a directory, not a workload file'
      : code === 'EACCES' ? 'permission denied'
      : (error as Error).message;
    throw fail(why);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, bad).reduce((n, b) => n + (b === 10 ? 1 : 0), 1);
    throw fail(`it is not UTF-8 text (byte 0x${bytes[bad]?.toString(16).padStart(2, '0') ?? '??'} at line ${line}); save it as UTF-8`, line);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // The longest valid prefix, by bisection (decoding is O(n), so O(n log n) in all).
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    try {
      decoder.decode(bytes.subarray(0, mid));
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

/**
 * Parses YAML (or strict JSON for `.json` files); syntax errors become problems with lines.
 * Nesting is bounded before parsing (flow brackets) and after (any structure), so a hostile file
 * never exhausts the stack; duplicate keys are found in one pass (the parser's own check is
 * quadratic in the keys of a mapping).
 */
function parseWorkloadText(text: string, file: string, json: boolean): { data: unknown; locate: Locator } {
  const lines = new LineCounter();
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  const tooDeep = (line: number | null) =>
    new InputError({ file, path: '', line, message: `nested more than ${MAX_WORKLOAD_DEPTH} levels deep; a workload needs a handful of levels` });
  const deepAt = flowDepthExceeded(text, MAX_WORKLOAD_DEPTH);
  if (deepAt >= 0) throw tooDeep(text.slice(0, deepAt).split('\n').length);
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(null);
    throw error;
  }
  if (doc.errors.some((e) => /call stack/i.test(e.message))) throw tooDeep(lineAt(doc.errors[0].pos[0]));
  if (json) {
    let data: unknown;
    try {
      data = JSON.parse(text) as unknown;
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      const line = position ? lineAt(Number(position[1])) : doc.errors[0] ? lineAt(doc.errors[0].pos[0]) : null;
      throw new InputError({ file, path: '', line, message: `JSON syntax error: ${message.replace(/ in JSON at position \d+.*$/s, '')}` });
    }
    const duplicate = duplicateKeys(doc, MAX_WORKLOAD_DEPTH)[0];
    if (duplicate !== undefined) {
      throw new InputError({ file, path: '', line: lineAt(duplicate), message: 'JSON error: duplicate key (a key may appear once in an object; JSON.parse would keep the last silently)' });
    }
    return { data, locate: yamlLocator(doc, lines) };
  }
  // Only the first syntax error: the parser's later ones are mostly its knock-on effects
  // (`rate: [20` also gives "Nested mappings are not allowed in compact mappings" and "Implicit
  // keys need to be on a single line"), which say nothing about the fix. Duplicate keys in a
  // document that parsed are independent of each other, so all of them are listed.
  const syntax = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (syntax !== undefined) throw new InputError({ file, path: '', line: lineAt(syntax.pos[0]), message: yamlMessage(syntax) });
  const duplicates = duplicateKeys(doc, MAX_WORKLOAD_DEPTH);
  if (duplicates.length > 0) throw new InputError(duplicates.map((offset) => ({ file, path: '', line: lineAt(offset), message: DUPLICATE_KEY })));
  try {
    return { data: doc.toJS({ maxAliasCount: 1000 }) as unknown, locate: yamlLocator(doc, lines) };
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(null);
    throw new InputError({ file, path: '', line: null, message: `YAML error: ${(error as Error).message}` });
  }
}

const DUPLICATE_KEY = 'YAML syntax error: duplicate key (a key may appear once in a mapping)';

function yamlMessage(error: YAMLError): string {
  const first = error.message.split('\n')[0];
  if (error.code === 'TAB_AS_INDENT') return `YAML syntax error: ${first}; indent with spaces`;
  if (error.code === 'DUPLICATE_KEY') return DUPLICATE_KEY;
  if (error.code === 'MULTIPLE_DOCS') return 'YAML error: the file holds more than one document (a `---` line after content); a workload is one document';
  return `YAML syntax error: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

/**
 * Offset in `text` where flow brackets (`[`, `{`) outside quotes and comments first nest deeper
 * than `max`, or -1. One pass, O(n): catches deep JSON before any recursive parser sees it.
 */
function flowDepthExceeded(text: string, max: number): number {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || (c === "'" && !/[A-Za-z0-9]/.test(text[i - 1] ?? ''))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) while (i < text.length && text[i] !== '\n') i++;
    else if (c === '[' || c === '{') {
      if (++depth > max) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return -1;
}

/** Offsets of keys that repeat an earlier key of the same mapping (one Set per mapping: O(keys)). */
function duplicateKeys(doc: Document, maxDepth: number): number[] {
  const found: number[] = [];
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > maxDepth) continue;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? `s:${String(pair.key.value)}` : null;
        if (key !== null) {
          if (seen.has(key)) found.push((pair.key as Node).range?.[0] ?? 0);
          seen.add(key);
        }
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return found.sort((a, b) => a - b);
}

/**
 * What is wrong with the shape of plain data, or null: nesting deeper than MAX_WORKLOAD_DEPTH or
 * a mapping or list with more than MAX_ENTRIES entries. Iterative: no recursion on hostile data.
 */
function structureProblem(value: unknown): string | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_WORKLOAD_DEPTH) return `nested more than ${MAX_WORKLOAD_DEPTH} levels deep; a workload needs a handful of levels`;
    const children = Object.values(v);
    if (children.length > MAX_ENTRIES) {
      return `a ${Array.isArray(v) ? 'list' : 'mapping'} with ${children.length} entries; at most ${MAX_ENTRIES} are accepted (put bulk data in a trace file)`;
    }
    for (const child of children) stack.push({ v: child, depth: depth + 1 });
  }
  return null;
}

interface DocumentSource extends WorkloadOptions {
  /** The file as the user named it (what messages show), or null. */
  readonly shown: string | null;
  readonly absolute: string | null;
  readonly locate: Locator;
}

function resolveDocument(document: unknown, source: DocumentSource): CheckedWorkload {
  const { shown: file } = source;
  const overrides: Override[] = [];
  const flagProblems: InputProblem[] = [];
  for (const flag of source.set ?? []) {
    const parsed = parseOverride(flag);
    if (typeof parsed === 'string') flagProblems.push({ file: null, path: '', line: null, message: parsed });
    else overrides.push(parsed);
  }
  if (source.seed !== undefined) overrides.push({ path: ['seed'], value: source.seed, label: `--seed ${source.seed}` });

  const shape = structureProblem(document);
  if (shape !== null) throw new InputError({ file, path: '', line: null, message: shape });
  const data = plainCopy(document);
  if (data === null || data === undefined) {
    throw new InputError({ file, path: '', line: null, message: 'the workload is empty; it needs at least traffic and classes' });
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError({
      file,
      path: '',
      line: source.locate([]),
      message: `a workload is a mapping of keys (traffic, classes, fleet, ...), got ${describeValue(data)}`,
    });
  }
  for (const override of overrides) {
    if (override.label === `--set ${SKIP_BAD_ROWS}=true` && !hasTrace(data)) continue; // --skip-bad-rows without a trace
    const problem = applyOverride(data as Record<string, unknown>, override);
    if (problem) flagProblems.push({ file: null, path: '', line: null, message: problem });
  }
  if (flagProblems.length > 0) throw new InputError(flagProblems);

  const place = (problems: readonly Problem[]): InputProblem[] =>
    capped(problems
      .map((p) => {
        const override = [...overrides].reverse().find((o) => isPrefixOf(o.path, p.path));
        return {
          file,
          path: formatPath(p.path),
          line: override ? null : source.locate(p.path),
          message: override ? `${p.message} (from ${override.label})` : p.message,
        };
      })
      .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER)), file);

  const protoKeys = takeProtoKeys(data, []).map((path) => ({ path, message: 'unknown key `__proto__`' }));
  const parsed = workloadSchema.safeParse(data);
  if (!parsed.success) throw new InputError(place([...protoKeys, ...problemsFromIssues(parsed.error.issues, data)]));
  if (protoKeys.length > 0) throw new InputError(place(protoKeys));

  const problems = new Problems();
  const scenario = resolveScenario(parsed.data, {
    sourceFile: source.absolute,
    folder: source.absolute === null ? process.cwd() : dirname(source.absolute),
    defaultName: source.absolute === null ? 'workload' : basename(source.absolute, extname(source.absolute)),
  }, problems);
  if (!problems.empty) throw new InputError([...place(problems.list), ...problems.located]);
  const tooBig = runBoundsProblem(scenario);
  if (tooBig !== null) throw new InputError({ file, path: '', line: null, message: tooBig });
  return { scenario: deepFreeze(scenario), warnings: place(workloadWarnings(data, scenario)) };
}

/** The key `--skip-bad-rows` sets (cli/options.ts); ignored when the workload has no trace. */
const SKIP_BAD_ROWS = 'traffic.trace.skip_bad_rows';

function hasTrace(data: unknown): boolean {
  const traffic = (data as { traffic?: unknown }).traffic;
  const trace = traffic !== null && typeof traffic === 'object' ? (traffic as { trace?: unknown }).trace : undefined;
  return trace !== null && typeof trace === 'object' && !Array.isArray(trace);
}

/** The first MAX_PROBLEMS_SHOWN problems, and a count of the rest. */
function capped(problems: InputProblem[], file: string | null): InputProblem[] {
  if (problems.length <= MAX_PROBLEMS_SHOWN) return problems;
  const rest = problems.length - MAX_PROBLEMS_SHOWN;
  return [...problems.slice(0, MAX_PROBLEMS_SHOWN), { file, path: '', line: null, message: `... and ${rest} more problem${rest === 1 ? '' : 's'}` }];
}

/** A deep copy of plain data (mappings, lists, scalars), so overrides never touch the input. */
function plainCopy(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '<recursive alias>';
  seen.add(value);
  const copy = Array.isArray(value)
    ? value.map((v) => plainCopy(v, seen))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainCopy(v, seen)]));
  seen.delete(value);
  return copy;
}

/**
 * Removes own `__proto__` keys (zod skips them instead of rejecting them as unknown) and returns
 * their paths, so they are reported like any other unknown key.
 */
function takeProtoKeys(value: unknown, path: PathKey[]): PathKey[][] {
  if (value === null || typeof value !== 'object') return [];
  const found: PathKey[][] = [];
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) {
    delete (value as Record<string, unknown>)['__proto__'];
    found.push([...path, '__proto__']);
  }
  for (const [key, child] of Object.entries(value)) {
    found.push(...takeProtoKeys(child, [...path, Array.isArray(value) ? Number(key) : key]));
  }
  return found;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
