/**
 * Wall-clock timestamps such as the Azure traces' `2023-11-16 18:17:03.9799600` (7 decimals, no
 * zone) or `2024-05-12 00:00:00.001163+00:00` (2024 files: an offset, and precision that varies
 * from row to row, some rows with no fraction at all).
 *
 * Parsed by hand into (day number, seconds of day) and returned as seconds since midnight of the
 * FIRST row's day. Adding day numbers and seconds separately keeps the result exact to well below
 * the 100 ns resolution of the files: seconds since 1970 as one double would carry ~0.24 us of
 * rounding, while a week-long trace measured from its own first midnight keeps ~0.1 ns.
 *
 * Accepted: `YYYY-MM-DD` + (space or `T`) + `HH:MM:SS` + optional `.fraction` (1-9 digits) +
 * optional zone (`Z`, `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH`). Rows without a zone are taken as UTC
 * (only differences matter to a replay). Leading and trailing spaces are ignored.
 */
export class TimestampParser {
  /** Day number (days since 1970-01-01) of the first timestamp parsed, or null before it. */
  private day0: number | null = null;

  /** Seconds since 1970-01-01 UTC of the origin that `parse` measures from (display only). */
  get originEpochS(): number {
    return (this.day0 ?? 0) * 86_400;
  }

  /**
   * Seconds from midnight (UTC) of the first parsed timestamp's day, or NaN when the text is not
   * a timestamp of the accepted form. O(length).
   */
  parse(text: string, start: number, end: number): number {
    while (start < end && text.charCodeAt(start) === 32) start++;
    while (end > start && text.charCodeAt(end - 1) === 32) end--;
    if (end - start < 19) return NaN;
    const s = start;
    const year = digits(text, s, 4);
    const month = digits(text, s + 5, 2);
    const day = digits(text, s + 8, 2);
    const hour = digits(text, s + 11, 2);
    const minute = digits(text, s + 14, 2);
    const second = digits(text, s + 17, 2);
    const sep = text.charCodeAt(s + 10);
    if (
      text.charCodeAt(s + 4) !== 45 || // -
      text.charCodeAt(s + 7) !== 45 ||
      (sep !== 32 && sep !== 84) || // space or T
      year < 0 ||
      text.charCodeAt(s + 13) !== 58 || // :
      text.charCodeAt(s + 16) !== 58 ||
      !(month >= 1 && month <= 12) ||
      !(day >= 1 && day <= daysInMonth(year, month)) ||
      !(hour >= 0 && hour <= 23) ||
      !(minute >= 0 && minute <= 59) ||
      !(second >= 0 && second <= 60)
    ) {
      return NaN;
    }
    let i = s + 19;
    let fraction = 0;
    if (i < end && text.charCodeAt(i) === 46) {
      i++;
      let scale = 1;
      let value = 0;
      const first = i;
      while (i < end) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) break;
        value = value * 10 + (c - 48);
        scale *= 10;
        i++;
      }
      if (i === first || i - first > 9) return NaN;
      fraction = value / scale;
    }
    let offsetS = 0;
    if (i < end) {
      const c = text.charCodeAt(i);
      if (c === 90 && i + 1 === end) {
        // Z
      } else if (c === 43 || c === 45) {
        const sign = c === 43 ? 1 : -1;
        const rest = end - i - 1;
        const oh = digits(text, i + 1, 2);
        let om = 0;
        if (rest === 5 && text.charCodeAt(i + 3) === 58) om = digits(text, i + 4, 2);
        else if (rest === 4) om = digits(text, i + 3, 2);
        else if (rest !== 2) return NaN;
        if (!(oh >= 0 && oh <= 23 && om >= 0 && om <= 59)) return NaN;
        offsetS = sign * (oh * 3600 + om * 60);
      } else {
        return NaN;
      }
    }
    const dayNumber = daysFromCivil(year, month, day);
    if (this.day0 === null) this.day0 = dayNumber;
    const secondOfDay = hour * 3600 + minute * 60 + second - offsetS;
    return (dayNumber - this.day0) * 86_400 + secondOfDay + fraction;
  }
}

/** The unsigned decimal in `count` characters from `at`, or -1 if any is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i);
    if (!(c >= 48 && c <= 57)) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date.
 * Reference: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
