/** Number formats shared by the report and the terminal summary (en-US, deterministic). */

/** USD with cents: `$1,234.56`; below one cent, 2 significant digits (`$0.00041`). */
export function usd(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x !== 0 && Math.abs(x) < 0.01) return `${x < 0 ? '-' : ''}$${Number(Math.abs(x).toPrecision(2))}`;
  return `${x < 0 ? '-' : ''}$${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Milliseconds as `812 ms`, `2.4 s`, `12 min` or `2 h` (minutes and hours from 10 minutes up). */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (Math.abs(ms) >= 2 * 3_600_000) return `${Number((ms / 3_600_000).toFixed(1))} h`;
  if (Math.abs(ms) >= 600_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  if (Math.abs(ms) >= 1000) return `${Number((ms / 1000).toFixed(2))} s`;
  if (Math.abs(ms) >= 10) return `${ms.toFixed(0)} ms`;
  return `${Number(ms.toFixed(2))} ms`;
}

/** A count with thousands separators. */
export function count(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return Math.round(x).toLocaleString('en-US');
}

/** A 0..1 fraction as a percentage: `99.12%`. */
export function percent(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return `${(x * 100).toFixed(digits)}%`;
}

/** Hours per month used for monthly figures (365 * 24 / 12). */
export const HOURS_PER_MONTH = 730;
