/**
 * Maps key paths to lines of the YAML (or JSON) text they came from, using the parsed
 * document's node ranges.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { KeyPath } from './path.js';

/** The 1-based line of a key path, or null when it is not known. */
export type Locator = (path: KeyPath) => number | null;

export const noLines: Locator = () => null;

/**
 * For a mapping key, the line of the key (so an unknown or bad key is pointed at where it is
 * written); for a list item, the line of the item. A path that goes past what the document
 * holds (a missing key) gets the line of its deepest existing ancestor.
 */
export function yamlLocator(doc: Document, lines: LineCounter): Locator {
  const lineOf = (node: Node | null | undefined): number | null =>
    node?.range ? lines.linePos(node.range[0]).line : null;
  // Key -> pair, built once per mapping: a file with many bad keys is located in linear time.
  const indexes = new WeakMap<object, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const p of map.items) if (isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p as Pair);
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path) => {
    let node = doc.contents as Node | null;
    let line = lineOf(node);
    for (const key of path) {
      if (isAlias(node)) node = node.resolve(doc) ?? null;
      if (isMap(node)) {
        const pair = pairOf(node, String(key));
        if (!pair) return line;
        line = lineOf(pair.key as Node) ?? lineOf(pair.value as Node) ?? line;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key] as Node | undefined;
        if (!item) return line;
        line = lineOf(item) ?? line;
        node = item;
      } else {
        return line;
      }
    }
    return line;
  };
}
