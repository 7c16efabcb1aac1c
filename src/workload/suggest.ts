/**
 * "Did you mean" suggestions for misspelled keys, enum values and catalog names.
 */

/**
 * Levenshtein edit distance (insertions, deletions, substitutions each cost 1).
 * O(|a| x |b|) time, O(|b|) memory.
 *
 * @example levenshtein('trafic', 'traffic') // 1
 */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidates closest to `word`, best first: those that contain it (`h100` -> `h100-sxm`),
 * then, by edit distance, those within about a third of the word's length (at least 2) or
 * contained in it.
 * Comparison is case-insensitive, and `-` and `_` count as the same character.
 */
export function closest(word: string, candidates: readonly string[], limit = 3): string[] {
  const norm = (s: string): string => s.toLowerCase().replace(/-/g, '_');
  const w = norm(word);
  const threshold = Math.max(2, Math.floor(w.length / 3));
  return candidates
    .map((candidate) => {
      const c = norm(candidate);
      const distance = levenshtein(w, c);
      const containsWord = w.length >= 3 && c.includes(w);
      const related = containsWord || (c.length >= 3 && w.includes(c));
      return { candidate, distance, containsWord, keep: distance <= threshold || related };
    })
    .filter((x) => x.keep)
    .sort((x, y) => Number(y.containsWord) - Number(x.containsWord) || x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map((x) => x.candidate);
}

/** `did you mean \`traffic\`?`, or null when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  const [best] = closest(word, candidates, 1);
  return best === undefined ? null : `did you mean \`${best}\`?`;
}
