/**
 * Key paths into a workload document: `['classes', 1, 'slo', 'ttft']`, written
 * `classes[1].slo.ttft` in messages and accepted as `classes[1].slo.ttft` or
 * `classes.1.slo.ttft` by `--set`.
 */

/** One step of a key path: a mapping key or a list index. */
export type PathKey = string | number;
export type KeyPath = readonly PathKey[];

/** `['classes', 1, 'slo', 'ttft']` -> `classes[1].slo.ttft`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

/**
 * Parses a dotted path as written on the command line. Numeric segments (`classes.0`,
 * `classes[0]`) become list indices. Returns null when the text is not a path.
 */
export function parsePath(text: string): PathKey[] | null {
  const segment = /^([^.[\]\s]+)?((?:\[\d+\])*)$/;
  const path: PathKey[] = [];
  for (const part of text.split('.')) {
    const match = segment.exec(part);
    if (!match || (match[1] === undefined && match[2] === '')) return null;
    if (match[1] !== undefined) path.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path.length > 0 && typeof path[0] === 'string' ? path : null;
}

/** `prefix` is `path` or one of its ancestors. */
export function isPrefixOf(prefix: KeyPath, path: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => String(key) === String(path[i]));
}

/** The value at `path` in plain data, or undefined. */
export function valueAt(data: unknown, path: KeyPath): unknown {
  let cursor = data;
  for (const key of path) {
    if (cursor === null || typeof cursor !== 'object') return undefined;
    cursor = (cursor as Record<string, unknown>)[key as string];
  }
  return cursor;
}
