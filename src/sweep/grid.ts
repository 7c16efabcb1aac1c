/**
 * The `--vary KEY=VALUES` grid of a sweep or plan.
 *
 * VALUES is a list (`fleet.gpus=4,8,16`, `gpu=h100-sxm,a100-80gb`), an integer range
 * (`fleet.gpus=1..32`, both ends included) or a stepped range (`traffic.rate=10..100:10`).
 * Stepped ranges are computed as `start + i * step`, rounded to the decimals the user wrote, so
 * `0.1..0.3:0.1` gives 0.1, 0.2, 0.3 (never 0.30000000000000004).
 *
 * Several axes make a grid in row-major order: the first `--vary` varies slowest.
 */
import { inputError } from '../errors.js';
import { parsePath } from '../workload/path.js';

/** A value of one axis: a number, or a string passed to `--set` as typed. */
export type AxisValue = number | string;

export interface VaryAxis {
  /** The dotted key path as typed, e.g. `fleet.gpus` (also the sweep.csv column name). */
  readonly key: string;
  readonly values: readonly AxisValue[];
}

/** One combination of the grid. */
export interface GridPoint {
  /** 0-based position in grid order. */
  readonly index: number;
  /** One value per axis, in axis order. */
  readonly values: readonly AxisValue[];
  /** The `--set KEY=VALUE` overrides that select this point. */
  readonly set: readonly string[];
}

/** The most points a grid may have (a guard against a typo like `1..1000000`). */
export const MAX_GRID_POINTS = 100_000;

const NUMBER = String.raw`-?\d+(?:\.\d+)?`;
const INT_RANGE = new RegExp(`^(${NUMBER})\\.\\.(${NUMBER})$`);
const STEP_RANGE = new RegExp(`^(${NUMBER})\\.\\.(${NUMBER}):(${NUMBER})$`);

const bad = (flag: string, why: string) =>
  inputError(`--vary ${flag}: ${why}; write KEY=4,8,16, KEY=1..32 or KEY=10..100:10`);

/** Decimal places a number was written with (`2.50` -> 2). */
function decimals(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * Parses one `--vary KEY=VALUES` flag.
 *
 * @throws InputError naming `--vary` for a missing `=`, a bad key path, an empty value, a
 *   reversed or non-integer range, or a non-positive step
 * @example parseVary('traffic.rate=10..30:10') // { key: 'traffic.rate', values: [10, 20, 30] }
 */
export function parseVary(flag: string): VaryAxis {
  const eq = flag.indexOf('=');
  if (eq < 0) throw bad(flag, 'expected KEY=VALUES');
  const key = flag.slice(0, eq).trim();
  if (!parsePath(key)) throw bad(flag, `'${key}' is not a key path (like fleet.gpus or pools[0].gpus)`);
  const text = flag.slice(eq + 1).trim();
  if (text === '') throw bad(flag, 'no values');

  const stepped = STEP_RANGE.exec(text);
  if (stepped) {
    const [start, end, step] = [Number(stepped[1]), Number(stepped[2]), Number(stepped[3])];
    if (!(step > 0)) throw bad(flag, `the step must be > 0, got ${stepped[3]}`);
    if (end < start) throw bad(flag, `the range ends (${end}) before it starts (${start})`);
    const places = Math.max(decimals(stepped[1]), decimals(stepped[3]));
    const scale = 10 ** places;
    // Count with a tolerance so that 0.1..0.3:0.1 includes 0.3 despite binary fractions.
    const count = Math.floor((end - start) / step + 1e-9) + 1;
    if (count > MAX_GRID_POINTS) throw bad(flag, `${count} values is too many (at most ${MAX_GRID_POINTS})`);
    const values = Array.from({ length: count }, (_, i) => Math.round((start + i * step) * scale) / scale);
    return { key, values };
  }
  const range = INT_RANGE.exec(text);
  if (range) {
    const [start, end] = [Number(range[1]), Number(range[2])];
    if (!Number.isInteger(start) || !Number.isInteger(end)) {
      throw bad(flag, `a range without a step needs whole numbers, got ${text}; add a step like ${text}:0.5`);
    }
    if (end < start) throw bad(flag, `the range ends (${end}) before it starts (${start})`);
    if (end - start + 1 > MAX_GRID_POINTS) throw bad(flag, `${end - start + 1} values is too many (at most ${MAX_GRID_POINTS})`);
    return { key, values: Array.from({ length: end - start + 1 }, (_, i) => start + i) };
  }
  if (text.includes('..')) throw bad(flag, `'${text}' is not a range`);
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw bad(flag, 'an empty value in the list');
  if (items.some((s) => /[\n\r]/.test(s))) throw bad(flag, 'a value contains a line break');
  const values = items.map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
  return { key, values };
}

/**
 * Every combination of the axes, first axis slowest. No axes: one point with no overrides.
 *
 * @throws InputError when a key is varied twice or the grid is larger than MAX_GRID_POINTS
 */
export function buildGrid(axes: readonly VaryAxis[]): GridPoint[] {
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.key)) throw inputError(`--vary ${a.key}: the key is varied twice; give all its values in one --vary`);
    seen.add(a.key);
  }
  const total = gridSize(axes);
  if (total > MAX_GRID_POINTS) throw inputError(`--vary: the grid has ${total} points, more than ${MAX_GRID_POINTS}`);
  return Array.from({ length: total }, (_, index) => pointAt(axes, index));
}

/** Points in the grid of `axes`. */
export function gridSize(axes: readonly VaryAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** The point at grid index `index` (row-major, first axis slowest), without building the grid. */
export function pointAt(axes: readonly VaryAxis[], index: number): GridPoint {
  const values: AxisValue[] = [];
  let rest = index;
  for (let a = axes.length - 1; a >= 0; a--) {
    const n = axes[a].values.length;
    values[a] = axes[a].values[rest % n];
    rest = Math.floor(rest / n);
  }
  return { index, values, set: axes.map((a, i) => `${a.key}=${formatValue(values[i])}`) };
}

/** The grid index of the point with value position `positions[a]` on each axis. */
export function indexOf(axes: readonly VaryAxis[], positions: readonly number[]): number {
  return axes.reduce((index, a, i) => index * a.values.length + positions[i], 0);
}

/** How a value is written in `--set` and in sweep.csv. */
export function formatValue(value: AxisValue): string {
  return typeof value === 'number' ? String(value) : value;
}
