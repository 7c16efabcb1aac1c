/**
 * A drawn length as a whole token count: `x` rounded to the nearest integer (Math.round: halves
 * up), clamped to [1, max]. NaN rounds to NaN and passes the clamp unchanged.
 *
 * @param x the drawn value
 * @param max the cap (an integer >= 1)
 * @example whole(180.5, 4096) // 181
 */
export function whole(x: number, max: number): number {
  const n = Math.round(x);
  return n < 1 ? 1 : n > max ? max : n;
}
