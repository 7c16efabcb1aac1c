/**
 * Loads a workload: read -> parse (YAML or JSON) -> `--set` / `--seed` overrides -> schema ->
 * defaults and cross-field rules -> a deep-frozen `Scenario`.
 *
 * Every problem of the document is reported at once, as one `InputError` whose problems each
 * name the file, the key path and the line.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { InputError, type InputProblem } from '../errors.js';
import { problemsFromIssues } from './issues.js';
import { type Locator, noLines, yamlLocator } from './locate.js';
import { applyOverride, type Override, parseOverride } from './overrides.js';
import { formatPath, isPrefixOf, type PathKey } from './path.js';
import { type Problem, Problems } from './problems.js';
import { resolveScenario } from './resolve.js';
import { workloadSchema } from './schema.js';
import type { Scenario } from './scenario.js';
import { describeValue } from './units.js';

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
  });
}

function readWorkloadText(shown: string, absolute: string): string {
  try {
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'it is a directory, not a workload file'
      : code === 'EACCES' ? 'permission denied'
      : (error as Error).message;
    throw new InputError({ file: shown, path: '', line: null, message: `cannot read the workload file: ${why}` });
  }
}

/** Parses YAML (or strict JSON for `.json` files); syntax errors become problems with lines. */
function parseWorkloadText(text: string, file: string, json: boolean): { data: unknown; locate: Locator } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  if (json) {
    try {
      return { data: JSON.parse(text) as unknown, locate: yamlLocator(doc, lines) };
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      const line = position ? lineAt(Number(position[1])) : doc.errors[0] ? lineAt(doc.errors[0].pos[0]) : null;
      throw new InputError({ file, path: '', line, message: `JSON syntax error: ${message.replace(/ in JSON at position \d+.*$/s, '')}` });
    }
  }
  if (doc.errors.length > 0) {
    throw new InputError(doc.errors.map((e) => ({ file, path: '', line: lineAt(e.pos[0]), message: yamlMessage(e) })));
  }
  try {
    return { data: doc.toJS({ maxAliasCount: 1000 }) as unknown, locate: yamlLocator(doc, lines) };
  } catch (error) {
    throw new InputError({ file, path: '', line: null, message: `YAML error: ${(error as Error).message}` });
  }
}

function yamlMessage(error: YAMLError): string {
  const first = error.message.split('\n')[0];
  if (error.code === 'TAB_AS_INDENT') return `YAML syntax error: ${first}; indent with spaces`;
  if (error.code === 'DUPLICATE_KEY') return 'YAML syntax error: duplicate key (a key may appear once in a mapping)';
  return `YAML syntax error: ${first}`;
}

interface DocumentSource extends WorkloadOptions {
  /** The file as the user named it (what messages show), or null. */
  readonly shown: string | null;
  readonly absolute: string | null;
  readonly locate: Locator;
}

function resolveDocument(document: unknown, source: DocumentSource): Scenario {
  const { shown: file } = source;
  const overrides: Override[] = [];
  const flagProblems: InputProblem[] = [];
  for (const flag of source.set ?? []) {
    const parsed = parseOverride(flag);
    if (typeof parsed === 'string') flagProblems.push({ file: null, path: '', line: null, message: parsed });
    else overrides.push(parsed);
  }
  if (source.seed !== undefined) overrides.push({ path: ['seed'], value: source.seed, label: `--seed ${source.seed}` });

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
    const problem = applyOverride(data as Record<string, unknown>, override);
    if (problem) flagProblems.push({ file: null, path: '', line: null, message: problem });
  }
  if (flagProblems.length > 0) throw new InputError(flagProblems);

  const place = (problems: readonly Problem[]): InputProblem[] =>
    problems
      .map((p) => {
        const override = [...overrides].reverse().find((o) => isPrefixOf(o.path, p.path));
        return {
          file,
          path: formatPath(p.path),
          line: override ? null : source.locate(p.path),
          message: override ? `${p.message} (from ${override.label})` : p.message,
        };
      })
      .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));

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
  return deepFreeze(scenario);
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
