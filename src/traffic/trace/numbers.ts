/**
 * Hand-written number parsing over a slice `text[start, end)`, so that a row's fields are read
 * without cutting substrings or running a regex. Leading and trailing spaces are ignored.
 * Anything unusual (exponents, signs, many digits) falls back to `Number()` on the slice, which
 * is exact; the fast paths below return the same double as `Number()` would.
 */

const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const NINE = 57;
const DOT = 46;

/** Largest count of significant digits for which int / 10^k is still correctly rounded. */
const FAST_DIGITS = 15;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The number in `text[start, end)`, or NaN when it is empty or not a number.
 * Accepts what `Number()` accepts for a non-empty field (`12`, `-3`, `0.052`, `1e3`).
 * O(end - start).
 */
export function parseNumber(text: string, start: number, end: number): number {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (start === end) return NaN;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      if (mantissa !== 0) digits++;
      if (fraction >= 0) fraction++;
    } else if (c === DOT && fraction < 0) {
      fraction = 0;
    } else {
      return Number(text.slice(start, end));
    }
  }
  if (fraction === 0 && end - start === 1) return NaN; // a lone "."
  if (digits > FAST_DIGITS || fraction > FAST_DIGITS) return Number(text.slice(start, end));
  return fraction > 0 ? mantissa / POW10[fraction] : mantissa;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}
