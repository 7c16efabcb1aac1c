/**
 * The built-in catalog (`catalog/catalog.yaml` at the package root): GPUs, model architectures,
 * hosted-API prices and the default spot / reserved price fractions.
 *
 * The file is read and validated once, on first use, and cached frozen: the only module-level
 * state, and read-only. The path is resolved from this module's URL; `src/catalog/` (vitest) and
 * `dist/catalog/` (built package) are both two levels below the package root.
 *
 * @throws InputError naming the file, key path and line if the catalog file is malformed (users
 *   are invited to extend it, so a broken entry is their mistake to fix, not a crash).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { GpuSpec, ModelSpec } from '../workload/scenario.js';
import { InputError, inputError, type InputProblem } from '../errors.js';
import {
  apiFromEntry,
  catalogSchema,
  gpuFromEntry,
  modelFromEntry,
  type ApiEntry,
  type CatalogFile,
} from './schema.js';

export type { ApiEntry } from './schema.js';

/** Absolute path of the shipped catalog file. */
export const CATALOG_FILE = fileURLToPath(new URL('../../catalog/catalog.yaml', import.meta.url));

export interface PricingMultipliers {
  /** Default spot price as a fraction of on-demand. */
  readonly spot: number;
  /** Default reserved (committed-use) price as a fraction of on-demand. */
  readonly reserved: number;
}

/** Everything in the catalog, resolved. `raw` keeps the file's own entries (flags, providers). */
export interface Catalog {
  readonly file: string;
  readonly gpus: ReadonlyMap<string, GpuSpec>;
  readonly models: ReadonlyMap<string, ModelSpec>;
  readonly apis: ReadonlyMap<string, ApiEntry>;
  readonly pricingMultipliers: PricingMultipliers;
  readonly raw: CatalogFile;
}

let cache: Catalog | null = null;

/** The built-in catalog, loaded on first call. */
export function loadCatalog(): Catalog {
  cache ??= parseCatalog(readFileSync(CATALOG_FILE, 'utf8'), CATALOG_FILE);
  return cache;
}

/** Parses and validates catalog YAML text. Pure; exported for tests and custom catalogs. */
export function parseCatalog(text: string, file: string): Catalog {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => ({
        file,
        path: '',
        line: e.linePos?.[0]?.line ?? null,
        message: e.message.split('\n')[0] ?? 'YAML syntax error',
      })),
    );
  }
  const parsed = catalogSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const problems: InputProblem[] = parsed.error.issues.map((issue) => {
      const keyPath = issue.path.map(String);
      return { file, path: dotted(keyPath), line: lineOf(doc, lines, keyPath), message: issue.message };
    });
    throw new InputError(problems);
  }
  const data = deepFreeze(parsed.data);
  const gpus = new Map(Object.entries(data.gpus).map(([n, e]) => [n, gpuFromEntry(n, e)] as const));
  const models = new Map(Object.entries(data.models).map(([n, e]) => [n, modelFromEntry(n, e)] as const));
  const apis = new Map(Object.entries(data.apis).map(([n, e]) => [n, apiFromEntry(n, e)] as const));
  if (gpus.size === 0 || models.size === 0) throw inputError('catalog has no gpus or no models', { file });
  return Object.freeze({
    file,
    gpus,
    models,
    apis,
    pricingMultipliers: Object.freeze({ ...data.pricing_multipliers }),
    raw: data,
  });
}

export function findGpu(name: string): GpuSpec | undefined {
  return loadCatalog().gpus.get(name);
}

export function findModel(name: string): ModelSpec | undefined {
  return loadCatalog().models.get(name);
}

export function findApi(name: string): ApiEntry | undefined {
  return loadCatalog().apis.get(name);
}

export function gpuNames(): string[] {
  return [...loadCatalog().gpus.keys()];
}

export function modelNames(): string[] {
  return [...loadCatalog().models.keys()];
}

export function apiNames(): string[] {
  return [...loadCatalog().apis.keys()];
}

/** Default fractions of on-demand for `pricing: spot` / `reserved`; read lazily from the catalog. */
export const pricingMultipliers: PricingMultipliers = Object.freeze({
  get spot(): number {
    return loadCatalog().pricingMultipliers.spot;
  },
  get reserved(): number {
    return loadCatalog().pricingMultipliers.reserved;
  },
});

function dotted(path: readonly string[]): string {
  return path.reduce((acc, key) => (/^\d+$/.test(key) ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key), '');
}

/** Line of the deepest node of `path` that exists in the document. */
function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, path: readonly string[]): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return null;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
