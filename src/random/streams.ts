import seedrandom from 'seedrandom';

/** A source of uniform numbers in [0, 1): what every sampler takes (never the global generator). */
export type Uniform = () => number;

/**
 * One named, independent random stream, derived from the workload seed and the stream's name.
 *
 * Each component draws from its own stream (`arrivals`, `classes`, `lengths:chat`, `router`,
 * ...), so adding a draw in one component never shifts another's numbers: changing the batch
 * size leaves arrival times and token counts exactly as they were. Alea (seedrandom) is fast and
 * has a 2^116 period; the name is mixed into the seed string, so streams are unrelated.
 */
export function stream(seed: number, name: string): Uniform {
  const rng = seedrandom.alea(`capsim:${seed}:${name}`);
  return () => rng();
}
