/**
 * `--set KEY=VALUE`: replaces one value of a workload document by its dotted path before
 * validation, so an override is checked exactly like the file.
 */
import { parseDocument } from 'yaml';
import { type PathKey, parsePath, formatPath } from './path.js';

/** A parsed `--set`: where, what, and the flag as typed (for messages). */
export interface Override {
  readonly path: PathKey[];
  readonly value: unknown;
  /** `--set serving.max_batch_size=64`. */
  readonly label: string;
}

/**
 * Parses `KEY=VALUE`. VALUE is read as a YAML scalar or flow collection: `8` is a number,
 * `true` a boolean, `[1, 2]` a list, `5m` a string, an empty value null.
 * Returns a message instead when the flag is malformed.
 */
export function parseOverride(flag: string): Override | string {
  const label = `--set ${flag}`;
  const eq = flag.indexOf('=');
  if (eq < 0) return `${label}: expected KEY=VALUE, e.g. --set fleet.gpus=8`;
  const keyText = flag.slice(0, eq).trim();
  const path = parsePath(keyText);
  if (!path) return `${label}: '${keyText}' is not a key path; write it like serving.max_batch_size or classes[0].weight`;
  const doc = parseDocument(flag.slice(eq + 1), { prettyErrors: false });
  if (doc.errors.length > 0) {
    return `${label}: the value is not valid YAML (${doc.errors[0].message.split('\n')[0]})`;
  }
  try {
    return { path, value: doc.toJS({ maxAliasCount: 100 }), label };
  } catch (error) {
    const why = error instanceof RangeError ? 'it nests too deeply' : (error as Error).message.split('\n')[0];
    return `${label}: the value is not valid here (${why}); a YAML alias (*name) has no anchor in a --set value: quote the value if it is text`;
  }
}

/**
 * Writes `override.value` at `override.path` in `document` (mutated; pass a copy), creating
 * missing mappings on the way. A list index may be at most the list's length (appends).
 * Returns a message when the path runs through something that is not a mapping or list.
 */
export function applyOverride(document: Record<string, unknown>, override: Override): string | null {
  const { path, value, label } = override;
  let cursor: unknown = document;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const last = i === path.length - 1;
    const here = formatPath(path.slice(0, i));
    let child: unknown;
    if (Array.isArray(cursor)) {
      if (typeof key !== 'number') return `${label}: \`${here}\` is a list; index it like ${here}[0]`;
      if (key > cursor.length) {
        const entries =
          cursor.length === 0 ? 'no entries (index 0 adds one)'
          : cursor.length === 1 ? '1 entry (index 0)'
          : `${cursor.length} entries (indices 0..${cursor.length - 1})`;
        return `${label}: \`${here}\` has ${entries}`;
      }
      if (last) {
        cursor[key] = value;
        return null;
      }
      child = cursor[key];
      if (child === undefined || child === null) cursor[key] = child = typeof path[i + 1] === 'number' ? [] : {};
    } else if (cursor !== null && typeof cursor === 'object') {
      const record = cursor as Record<string, unknown>;
      const name = String(key);
      if (last) {
        setOwn(record, name, value);
        return null;
      }
      child = Object.hasOwn(record, name) ? record[name] : undefined;
      if (child === undefined || child === null) setOwn(record, name, (child = typeof path[i + 1] === 'number' ? [] : {}));
    } else {
      return `${label}: \`${here}\` is ${JSON.stringify(cursor)}, not a mapping or list`;
    }
    cursor = child;
  }
  return null;
}

/** Sets an own property, even one named `__proto__` (which plain assignment would not create). */
function setOwn(record: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
}
